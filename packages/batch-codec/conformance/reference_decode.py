#!/usr/bin/env python3
"""Independent decoder of the Lanes batch format v4, written from README.md alone.

It checks the spec, not the TypeScript: for every valid vector in
vectors/batch-v4.json it parses the payload header (uncompressed) and the
vector's decompressed `body` (Python's standard library has no brotli), resolves
address-table references against the vector's `context` (checking its keccak-256
against the header's context hash), rebuilds every transaction's raw bytes with
its own RLP encoder, and compares with the vector. It also rebuilds the table of
`chainContext` from the decoded batches by the rule of README section 3.5.
Usage: python3 conformance/reference_decode.py [vectors.json]
"""
import json
import sys

U64 = (1 << 64) - 1
TABLE_WORD_CODE = 110

# keccak-256 (the original Keccak padding, not SHA3-256's): hashlib has no keccak.
_RC = [0x0000000000000001, 0x0000000000008082, 0x800000000000808A, 0x8000000080008000,
       0x000000000000808B, 0x0000000080000001, 0x8000000080008081, 0x8000000000008009,
       0x000000000000008A, 0x0000000000000088, 0x0000000080008009, 0x000000008000000A,
       0x000000008000808B, 0x800000000000008B, 0x8000000000008089, 0x8000000000008003,
       0x8000000000008002, 0x8000000000000080, 0x000000000000800A, 0x800000008000000A,
       0x8000000080008081, 0x8000000000008080, 0x0000000080000001, 0x8000000080008008]
_ROT = [[0, 36, 3, 41, 18], [1, 44, 10, 45, 2], [62, 6, 43, 15, 61], [28, 55, 25, 21, 56],
        [27, 20, 39, 8, 14]]
_M = (1 << 64) - 1


def _rol(x, n):
    return ((x << n) | (x >> (64 - n))) & _M if n else x


def _f(a):
    for rc in _RC:
        c = [a[x][0] ^ a[x][1] ^ a[x][2] ^ a[x][3] ^ a[x][4] for x in range(5)]
        d = [c[(x - 1) % 5] ^ _rol(c[(x + 1) % 5], 1) for x in range(5)]
        a = [[a[x][y] ^ d[x] for y in range(5)] for x in range(5)]
        b = [[0] * 5 for _ in range(5)]
        for x in range(5):
            for y in range(5):
                b[y][(2 * x + 3 * y) % 5] = _rol(a[x][y], _ROT[x][y])
        a = [[b[x][y] ^ (~b[(x + 1) % 5][y] & b[(x + 2) % 5][y]) for y in range(5)] for x in range(5)]
        a[0][0] ^= rc
    return a


def keccak256(data):
    rate = 136
    msg = bytearray(data) + b'\x01'
    msg += bytes(-len(msg) % rate)
    msg[-1] |= 0x80
    a = [[0] * 5 for _ in range(5)]
    for off in range(0, len(msg), rate):
        for i in range(rate // 8):
            a[i % 5][i // 5] ^= int.from_bytes(msg[off + 8 * i:off + 8 * i + 8], 'little')
        a = _f(a)
    return b''.join(a[i % 5][i // 5].to_bytes(8, 'little') for i in range(4))
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
    assert r.take(1)[0] == 4, 'version'
    h = {'chainId': r.uvarint(), 'batchIndex': r.uvarint(), 'firstBlock': r.uvarint()}
    h['lastBlock'] = h['firstBlock'] + r.uvarint()
    h['parentStateRoot'] = '0x' + r.take(32).hex()
    h['postStateRoot'] = '0x' + r.take(32).hex()
    h['l1OriginFirst'] = r.uvarint()
    h['l1OriginLast'] = h['l1OriginFirst'] + r.uvarint()
    h['depositCursorStart'] = r.uvarint()
    h['depositCursorEnd'] = h['depositCursorStart'] + r.uvarint()
    h['contextHash'] = '0x' + r.take(32).hex()
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


stats = {'abi': 0, 'create': 0, 'decimal_words': 0, 'to_table_refs': 0, 'word_table_refs': 0}


def parse_body(body, h, table):
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
    # C7: 0 creation, 1 literal (C8), 2 table entry (C8a), k >= 3 dictionary entry k - 3
    to_refs, kinds = [], []
    for _ in range(T):
        ref = r.uvarint()
        if ref == 0:
            to_refs.append(None)
        elif ref <= 2:
            to_refs.append(len(kinds))
            kinds.append(ref)
        else:
            assert ref - 3 < len(kinds), 'dangling to ref'
            to_refs.append(ref - 3)
    literals = [r.take(20) for k in kinds if k == 1]
    table_refs = [r.uvarint(len(table) - 1) for k in kinds if k == 2]
    stats['to_table_refs'] += len(table_refs)
    to_vals, li, ti = [], 0, 0
    for k in kinds:
        if k == 1:
            to_vals.append(literals[li])
            li += 1
        else:
            to_vals.append(table[table_refs[ti]])
            ti += 1
    assert len(set(to_vals)) == len(to_vals), 'address dictionary repeats a value'
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
    assert all(c <= TABLE_WORD_CODE for c in codes), 'word code'
    decimals = [r.uvarint(U256) for c in codes if 32 < c < TABLE_WORD_CODE]
    word_refs = [r.uvarint(len(table) - 1) for c in codes if c == TABLE_WORD_CODE]
    stats['word_table_refs'] += len(word_refs)
    stats['abi'] += len(abi)
    stats['create'] += sum(1 for t in to_refs if t is None)
    stats['decimal_words'] += len(decimals)
    datas, wi, di, ai, ti = [], 0, 0, 0, 0
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
            elif c == TABLE_WORD_CODE:
                d += bytes(12) + table[word_refs[ti]]
                ti += 1
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
    # what this batch adds to its successors' tables (section 3.5): per tx, `to`, then every
    # ABI word with 12 zero bytes and a nonzero 13th byte
    addresses = []
    for i in range(T):
        if to_refs[i] is not None:
            addresses.append(to_vals[to_refs[i]])
        d = datas[i]
        if len(d) >= 4 and (len(d) - 4) % 32 == 0:
            for at in range(4, len(d), 32):
                if d[at:at + 12] == bytes(12) and d[at + 12] != 0:
                    addresses.append(d[at + 12:at + 32])
    return blocks, addresses


def build_table(newest_first):
    table = []
    seen = set()
    for lst in newest_first:
        for a in lst:
            if a not in seen:
                seen.add(a)
                table.append(a)
    return table


def main():
    path = sys.argv[1] if len(sys.argv) > 1 else 'vectors/batch-v4.json'
    vectors = json.load(open(path))
    lists = {}
    for v in vectors['valid']:
        h = parse_header(bytes.fromhex(v['payload'][2:]))
        body = bytes.fromhex(v['body'][2:])
        assert h['bodyLength'] == len(body), 'bodyLength'
        for key, want in v['batch']['header'].items():
            if key != 'version':
                assert str(h[key]) == str(want), key
        table = [bytes.fromhex(a[2:]) for a in v.get('context', [])]
        assert '0x' + keccak256(b''.join(table)).hex() == h['contextHash'] == v['contextHash'], 'context hash'
        blocks, lists[v['name']] = parse_body(body, h, table)
        for got, want in zip(blocks, v['batch']['blocks'], strict=True):
            for key in ('number', 'timestamp', 'l1OriginNumber', 'depositCursor', 'stateRoot'):
                assert str(got[key]) == want[key], key
            assert ['0x' + r.hex() for r in got['raws']] == [t['raw'] for t in want['txs']], 'raw txs'
        print(f"ok {v['name']}: {sum(len(b['raws']) for b in blocks)} txs")
    chain = vectors['chainContext']
    table = build_table([lists[name] for name in chain['from']])
    assert ['0x' + a.hex() for a in table] == chain['table'], 'chain context table'
    assert '0x' + keccak256(b''.join(table)).hex() == chain['hash'], 'chain context hash'
    print(f"ok chainContext: {len(table)} addresses from {len(chain['from'])} batches")
    print('features covered:', stats)


if __name__ == '__main__':
    main()
