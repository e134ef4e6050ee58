// Sender recovery for whole batches in one Node-API call: geth's signature-value checks,
// libsecp256k1's ecdsa_recover, keccak-256 of the public key. One call per chunk instead of
// one per transaction, and libsecp256k1 0.2.0 (safegcd inversions) instead of the 2019
// copy bundled with the `secp256k1` package: ~45 vs ~65 us per recovery on a Zen 3 core.
// libsecp256k1 is compiled into this file's translation unit (see build.mjs), its symbols
// hidden, so it cannot clash with the other copy loaded in the same process.
#define NAPI_VERSION 8
#include <node_api.h>
#include <pthread.h>
#include <stdint.h>
#include <string.h>

#define SECP256K1_API
#include "libsecp256k1/src/secp256k1.c"
#include "precomputed_ecmult.c"
#include "precomputed_ecmult_gen.c"

// Layout shared with recovery-pool.ts: in = hash(32) | r(32) | s(32) | yParity(1),
// out = ok(1) | address(20).
#define ITEM_IN 97
#define ITEM_OUT 21

static const uint8_t N[32] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                              0xff, 0xff, 0xff, 0xff, 0xfe, 0xba, 0xae, 0xdc, 0xe6, 0xaf, 0x48,
                              0xa0, 0x3b, 0xbf, 0xd2, 0x5e, 0x8c, 0xd0, 0x36, 0x41, 0x41};
static const uint8_t HALF_N[32] = {0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                   0x5d, 0x57, 0x6e, 0x73, 0x57, 0xa4, 0x50, 0x1d,
                                   0xdf, 0xe9, 0x2f, 0x46, 0x68, 0x1b, 0x20, 0xa0};

static int cmp32(const uint8_t *a, const uint8_t *b) { return memcmp(a, b, 32); }

static int zero32(const uint8_t *a) {
  uint8_t acc = 0;
  for (int i = 0; i < 32; i++) acc |= a[i];
  return acc == 0;
}

// keccak-f[1600] in the compact form of the reference implementation: the public key is
// hashed once per recovery, next to ~45 us of curve arithmetic, so speed does not matter here.
static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
static const int RHO[24] = {1,  3,  6,  10, 15, 21, 28, 36, 45, 55, 2,  14,
                            27, 41, 56, 8,  25, 43, 62, 18, 39, 61, 20, 44};
static const int PI[24] = {10, 7,  11, 17, 18, 3, 5,  16, 8,  21, 24, 4,
                           15, 23, 19, 13, 12, 2, 20, 14, 22, 9,  6,  1};

#define ROL(x, n) (((x) << (n)) | ((x) >> (64 - (n))))

static void keccakf(uint64_t st[25]) {
  uint64_t bc[5], t;
  for (int round = 0; round < 24; round++) {
    for (int i = 0; i < 5; i++) bc[i] = st[i] ^ st[i + 5] ^ st[i + 10] ^ st[i + 15] ^ st[i + 20];
    for (int i = 0; i < 5; i++) {
      t = bc[(i + 4) % 5] ^ ROL(bc[(i + 1) % 5], 1);
      for (int j = 0; j < 25; j += 5) st[j + i] ^= t;
    }
    t = st[1];
    for (int i = 0; i < 24; i++) {
      int j = PI[i];
      bc[0] = st[j];
      st[j] = ROL(t, RHO[i]);
      t = bc[0];
    }
    for (int j = 0; j < 25; j += 5) {
      for (int i = 0; i < 5; i++) bc[i] = st[j + i];
      for (int i = 0; i < 5; i++) st[j + i] ^= (~bc[(i + 1) % 5]) & bc[(i + 2) % 5];
    }
    st[0] ^= RC[round];
  }
}

// address = last 20 bytes of keccak-256 of the 64-byte public key (x | y)
static void address_of(const uint8_t pub[64], uint8_t out[20]) {
  uint64_t st[25] = {0};
  for (int w = 0; w < 8; w++) {
    uint64_t v = 0;
    for (int b = 7; b >= 0; b--) v = (v << 8) | pub[8 * w + b];
    st[w] = v;
  }
  st[8] ^= 0x01;                   // keccak padding right after the message...
  st[16] ^= 0x8000000000000000ULL; // ...and at the end of the 136-byte rate
  keccakf(st);
  uint8_t digest[32];
  for (int w = 0; w < 4; w++)
    for (int b = 0; b < 8; b++) digest[8 * w + b] = (uint8_t)(st[w] >> (8 * b));
  memcpy(out, digest + 12, 20);
}

static secp256k1_context *CTX;
static pthread_once_t CTX_ONCE = PTHREAD_ONCE_INIT;

// Read-only after creation: one context serves every worker thread that loads the addon.
static void create_ctx(void) { CTX = secp256k1_context_create(SECP256K1_CONTEXT_NONE); }

// geth's ValidateSignatureValues (homestead: low s), then recovery; 1 = address written
static int recover_one(const uint8_t *in, uint8_t *addr) {
  const uint8_t *hash = in, *r = in + 32, *s = in + 64;
  int recid = in[96];
  if (recid > 1 || zero32(r) || cmp32(r, N) >= 0 || zero32(s) || cmp32(s, HALF_N) > 0) return 0;
  secp256k1_ecdsa_recoverable_signature sig;
  secp256k1_pubkey pub;
  uint8_t ser[65];
  size_t len = sizeof ser;
  if (!secp256k1_ecdsa_recoverable_signature_parse_compact(CTX, &sig, r, recid)) return 0;
  if (!secp256k1_ecdsa_recover(CTX, &pub, &sig, hash)) return 0;
  secp256k1_ec_pubkey_serialize(CTX, ser, &len, &pub, SECP256K1_EC_UNCOMPRESSED);
  address_of(ser + 1, addr);
  return 1;
}

static int typed_bytes(napi_env env, napi_value v, uint8_t **data, size_t *bytes) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type type;
  napi_value ab;
  size_t offset;
  void *p;
  if (napi_get_typedarray_info(env, v, &type, bytes, &p, &ab, &offset) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = (uint8_t *)p;
  return 1;
}

/** recoverBatch(input: Uint8Array, output: Uint8Array, n: number): number of valid items */
static napi_value js_recover_batch(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *in, *out;
  size_t inb, outb;
  int32_t n;
  if (argc < 3 || !typed_bytes(env, argv[0], &in, &inb) ||
      !typed_bytes(env, argv[1], &out, &outb) ||
      napi_get_value_int32(env, argv[2], &n) != napi_ok) {
    napi_throw_type_error(env, NULL, "recoverBatch(input, output, n): bad arguments");
    return NULL;
  }
  if (n < 0 || (size_t)n * ITEM_IN > inb || (size_t)n * ITEM_OUT > outb) {
    napi_throw_range_error(env, NULL, "recoverBatch: n items do not fit the buffers");
    return NULL;
  }
  int32_t ok = 0;
  for (int32_t i = 0; i < n; i++) {
    uint8_t *o = out + (size_t)i * ITEM_OUT;
    o[0] = (uint8_t)recover_one(in + (size_t)i * ITEM_IN, o + 1);
    if (o[0]) ok++;
    else memset(o + 1, 0, 20);
  }
  napi_value result;
  napi_create_int32(env, ok, &result);
  return result;
}

NAPI_MODULE_INIT() {
  pthread_once(&CTX_ONCE, create_ctx);
  napi_property_descriptor props[] = {
      {"recoverBatch", NULL, js_recover_batch, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 1, props);
  return exports;
}
