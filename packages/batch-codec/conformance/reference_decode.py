#!/usr/bin/env python3
"""Independent decoder of the Lanes batch format v3, written from README.md alone.

It checks the spec, not the TypeScript: for every valid vector in
vectors/batch-v3.json it parses the payload header (uncompressed) and the
vector's decompressed `body` (Python's standard library has no brotli), rebuilds
every transaction's raw bytes with its own RLP encoder, and compares with the
vector. Usage: python3 conformance/reference_decode.py [vectors.json]
"""
import json
import sys

U64 = (1 << 64) - 1
U256 = (1 << 256) - 1


class Reader:
    def __init__(self, data):
        self.d, self.o = data, 0

    def take(self, n):
        if n < 0 or self.o + n > len(self.d):
            raise ValueError('truncated')
        b = self.d[self.o:self.o + n]
        self.o += n
        return b

    def uvarint(self, limit=U64):
        v, shift, n = 0, 0, 0
        while True:
            b = self.take(1)[0]
            n += 1
            if n > 37:
                raise ValueError('uvarint too long')
            v |= (b & 0x7F) << shift
            shift += 7
            if b < 0x80:
                if b == 0 and n > 1:
                    raise ValueError('non-minimal uvarint')
                if v > limit:
                    raise ValueError('above limit')
                return v


def rlp_bytes(b):
    if len(b) == 1 and b[0] < 0x80:
        return b
    return rlp_len(len(b), 0x80) + b


def rlp_len(n, off):
    if n < 56:
        return bytes([off + n])
    nb = n.to_bytes((n.bit_length() + 7) // 8, 'big')
    return bytes([off + 55 + len(nb)]) + nb


def rlp_list(items):
    payload = b''.join(items)
    return rlp_len(len(payload), 0xC0) + payload


def rlp_uint(v):
    return rlp_bytes(v.to_bytes((v.bit_length() + 7) // 8, 'big') if v else b'')


def parse_header(payload):
    r = Reader(payload)
    assert r.take(1)[0] == 3, 'version'
    h = {'chainId': r.uvarint(), 'batchIndex': r.uvarint(), 'firstBlock': r.uvarint()}
    h['lastBlock'] = h['firstBlock'] + r.uvarint()
    h['parentStateRoot'] = '0x' + r.take(32).hex()
    h['postStateRoot'] = '0x' + r.take(32).hex()
    h['l1OriginFirst'] = r.uvarint()
    h['l1OriginLast'] = h['l1OriginFirst'] + r.uvarint()
    h['depositCursorStart'] = r.uvarint()
    h['depositCursorEnd'] = h['depositCursorStart'] + r.uvarint()
    h['bodyLength'] = r.uvarint()
    return h


def refs(r, count, base):
    out, size = [], 0
    for _ in range(count):
        ref = r.uvarint()
        if ref == base - 1:
            out.append(size)
            size += 1
        elif ref < base - 1:
            out.append(None)  # C8: contract creation
        else:
            assert ref - base < size, 'dangling ref'
            out.append(ref - base)
    return out, size


stats = {'abi': 0, 'create': 0, 'decimal_words': 0}


def parse_body(body, h):
    r = Reader(body)
    n = h['lastBlock'] - h['firstBlock'] + 1
    ts = [r.uvarint()]
    for _ in range(n - 1):
        ts.append(ts[-1] + r.uvarint())
    origins = [h['l1OriginFirst']]
    for _ in range(n - 1):
        origins.append(origins[-1] + r.uvarint())
    assert origins[-1] == h['l1OriginLast']
    cursors, c = [], h['depositCursorStart']
    for _ in range(n):
        c += r.uvarint()
        cursors.append(c)
    assert cursors[-1] == h['depositCursorEnd']
    counts = [r.uvarint() for _ in range(n)]
    roots = ['0x' + r.take(32).hex() for _ in range(n - 1)] + [h['postStateRoot']]
    T = sum(counts)
    types = r.take(T)
    rs = [int.from_bytes(r.take(32), 'big') for _ in range(T)]
    ys = [int.from_bytes(r.take(32), 'big') for _ in range(T)]
    parity = [w >> 255 for w in ys]
    ss = [w & ((1 << 255) - 1) for w in ys]
    nonces = []
    for i in range(T):
        code = r.uvarint((1 << 65) - 1)
        nonces.append(code // 2 if code % 2 == 0 else nonces[i - (code + 1) // 2] + 1)
    gas_refs, k = refs(r, T, 1)
    gas_vals = [r.uvarint() for _ in range(k)]
    to_refs, k = refs(r, T, 2)
    to_vals = [r.take(20) for _ in range(k)]
    tip_refs, k = refs(r, T, 1)
    tip_vals = [r.uvarint(U256) for _ in range(k)]
    cap_refs, k = refs(r, T, 1)
    cap_vals = [r.uvarint((1 << 257) - 2) for _ in range(k)]
    exps = r.take(T)
    values = [r.uvarint(U256) * 10 ** exps[i] for i in range(T)]
    shapes = [r.uvarint() for _ in range(T)]
    raw_data = Reader(r.take(sum(s // 2 for s in shapes if s % 2 == 0)))
    abi = [s for s in shapes if s % 2 == 1]
    sel_refs, k = refs(r, len(abi), 1)
    sels = [r.take(4) for _ in range(k)]
    nwords = sum((s - 1) // 2 for s in abi)
    codes = r.take(nwords)
    words = Reader(r.take(sum(32 - c for c in codes if c <= 32)))
    decimals = [r.uvarint(U256) for c in codes if c > 32]
    stats['abi'] += len(abi)
    stats['create'] += sum(1 for t in to_refs if t is None)
    stats['decimal_words'] += len(decimals)
    datas, wi, di, ai = [], 0, 0, 0
    for s in shapes:
        if s % 2 == 0:
            datas.append(raw_data.take(s // 2))
            continue
        d = sels[sel_refs[ai]]
        ai += 1
        for _ in range((s - 1) // 2):
            c = codes[wi]
            wi += 1
            if c <= 32:
                d += bytes(c) + words.take(32 - c)
            else:
                d += (decimals[di] * 10 ** (c - 32)).to_bytes(32, 'big')
                di += 1
        datas.append(d)
    access = []
    for t in types:
        items = []
        if t != 0:
            for _ in range(r.uvarint()):
                addr = r.take(20)
                keys = [r.take(32) for _ in range(r.uvarint())]
                items.append(rlp_list([rlp_bytes(addr), rlp_list([rlp_bytes(k) for k in keys])]))
        access.append(rlp_list(items))
    assert r.o == len(body), 'trailing bytes'
    raws = []
    for i in range(T):
        tip = tip_vals[tip_refs[i]]
        z = cap_vals[cap_refs[i]]
        mf = tip + (-((z + 1) >> 1) if z & 1 else z >> 1)
        assert 0 <= mf <= U256, 'fee cap range'
        to = b'' if to_refs[i] is None else to_vals[to_refs[i]]
        y = parity[i]
        gas = gas_vals[gas_refs[i]]
        common = [rlp_uint(gas), rlp_bytes(to), rlp_uint(values[i]), rlp_bytes(datas[i])]
        sig = [rlp_uint(rs[i]), rlp_uint(ss[i])]
        cid = h['chainId']
        if types[i] == 0:
            assert mf == tip
            v = cid * 2 + 35 + y
            raws.append(rlp_list([rlp_uint(nonces[i]), rlp_uint(mf)] + common + [rlp_uint(v)] + sig))
        elif types[i] == 1:
            assert mf == tip
            f = [rlp_uint(cid), rlp_uint(nonces[i]), rlp_uint(mf)] + common + [access[i], rlp_uint(y)]
            raws.append(b'\x01' + rlp_list(f + sig))
        else:
            f = [rlp_uint(cid), rlp_uint(nonces[i]), rlp_uint(tip), rlp_uint(mf)] + common
            raws.append(b'\x02' + rlp_list(f + [access[i], rlp_uint(y)] + sig))
    blocks, i = [], 0
    for b in range(n):
        blocks.append({'number': h['firstBlock'] + b, 'timestamp': ts[b], 'l1OriginNumber': origins[b],
                       'depositCursor': cursors[b], 'stateRoot': roots[b], 'raws': raws[i:i + counts[b]]})
        i += counts[b]
    return blocks


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else 'vectors/batch-v3.json'
    vectors = json.load(open(path))
    for v in vectors['valid']:
        h = parse_header(bytes.fromhex(v['payload'][2:]))
        body = bytes.fromhex(v['body'][2:])
        assert h['bodyLength'] == len(body), 'bodyLength'
        for key, want in v['batch']['header'].items():
            if key != 'version':
                assert str(h[key]) == str(want), key
        blocks = parse_body(body, h)
        for got, want in zip(blocks, v['batch']['blocks'], strict=True):
            for key in ('number', 'timestamp', 'l1OriginNumber', 'depositCursor', 'stateRoot'):
                assert str(got[key]) == want[key], key
            assert ['0x' + r.hex() for r in got['raws']] == [t['raw'] for t in want['txs']], 'raw txs'
        print(f"ok {v['name']}: {sum(len(b['raws']) for b in blocks)} txs")
    print('features covered:', stats)


if __name__ == '__main__':
    main()
