// Batched keccak256 of 65-byte messages (prefix byte ‖ 64 bytes), the only hash the state
// tree computes (README section 3), as a Node-API addon. The permutation runs on 8 messages at
// once with AVX-512 (one rotate and one ternary-logic instruction where WebAssembly SIMD needs
// three), on 4 with AVX2, or one at a time in portable C; the choice is made at run time from
// the CPU. runOps executes a window of the tree's hash program straight from the node and leaf
// slabs (gather/scatter), so no bytes are copied through JavaScript. Digests are checked
// against @noble/hashes in keccak65.test.ts for every implementation this CPU can run.
#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <string.h>
#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>
#define LANES_X86 1
#endif

static const uint64_t RC[24] = {
    0x0000000000000001ULL, 0x0000000000008082ULL, 0x800000000000808aULL, 0x8000000080008000ULL,
    0x000000000000808bULL, 0x0000000080000001ULL, 0x8000000080008081ULL, 0x8000000000008009ULL,
    0x000000000000008aULL, 0x0000000000000088ULL, 0x0000000080008009ULL, 0x000000008000000aULL,
    0x000000008000808bULL, 0x800000000000008bULL, 0x8000000000008089ULL, 0x8000000000008003ULL,
    0x8000000000008002ULL, 0x8000000000000080ULL, 0x000000000000800aULL, 0x800000008000000aULL,
    0x8000000080008081ULL, 0x8000000000008080ULL, 0x0000000080000001ULL, 0x8000000080008008ULL};
// rho offsets and pi destinations, lane index x + 5y
static const int ROT[25] = {0, 1, 62, 28, 27, 36, 44, 6, 55, 20, 3, 10, 43,
                            25, 39, 41, 45, 15, 21, 8, 18, 2, 61, 56, 14};
static const int PI[25] = {0, 10, 20, 5, 15, 16, 1, 11, 21, 6, 7, 17, 2,
                           12, 22, 23, 8, 18, 3, 13, 14, 24, 9, 19, 4};

#define UNROLL _Pragma("GCC unroll 25")
// keccak-f[1600] over A[25] of lane type T, given the lane operations
#define KECCAK_F(T, XOR, XOR5, ROL, CHI, XORC)                                         \
  for (int r = 0; r < 24; r++) {                                                       \
    T C[5], D[5], B[25];                                                               \
    UNROLL for (int x = 0; x < 5; x++)                                                 \
      C[x] = XOR5(A[x], A[x + 5], A[x + 10], A[x + 15], A[x + 20]);                    \
    UNROLL for (int x = 0; x < 5; x++)                                                 \
      D[x] = XOR(C[(x + 4) % 5], ROL(C[(x + 1) % 5], 1));                              \
    UNROLL for (int i = 0; i < 25; i++) B[PI[i]] = ROL(XOR(A[i], D[i % 5]), ROT[i]);   \
    UNROLL for (int y = 0; y < 25; y += 5)                                             \
      UNROLL for (int x = 0; x < 5; x++)                                               \
        A[y + x] = CHI(B[y + x], B[y + (x + 1) % 5], B[y + (x + 2) % 5]);              \
    A[0] = XORC(A[0], RC[r]);                                                          \
  }

// ---- portable: one message at a time ----
#define S_XOR(a, b) ((a) ^ (b))
#define S_XOR5(a, b, c, d, e) ((a) ^ (b) ^ (c) ^ (d) ^ (e))
#define S_ROL(a, n) ((n) ? (((a) << (n)) | ((a) >> (64 - (n)))) : (a))
#define S_CHI(a, b, c) ((a) ^ (~(b) & (c)))

static inline uint64_t load64(const uint8_t *p) {
  uint64_t v;
  memcpy(&v, p, 8);
  return v;  // little-endian hosts only (x86-64, arm64): checked at load by the tests
}

static void hash1(const uint8_t *in, uint8_t *out, int prefix) {
  uint64_t A[25] = {0};
  uint64_t prev = (uint64_t)prefix;
  for (int j = 0; j < 8; j++) {
    uint64_t d = load64(in + 8 * j);
    A[j] = (j == 0 ? prev : prev >> 56) | (d << 8);
    prev = d;
  }
  A[8] = (prev >> 56) | 0x100;
  A[16] = 0x8000000000000000ULL;
  KECCAK_F(uint64_t, S_XOR, S_XOR5, S_ROL, S_CHI, S_XOR)
  memcpy(out, A, 32);
}

#ifdef LANES_X86
// ---- AVX2: four messages, one per 64-bit lane ----
#define A2 __attribute__((target("avx2")))
#define V2_XOR(a, b) _mm256_xor_si256(a, b)
#define V2_XOR5(a, b, c, d, e) V2_XOR(V2_XOR(V2_XOR(a, b), V2_XOR(c, d)), e)
#define V2_ROL(a, n) \
  ((n) ? _mm256_or_si256(_mm256_slli_epi64(a, (n)), _mm256_srli_epi64(a, 64 - (n))) : (a))
#define V2_CHI(a, b, c) _mm256_xor_si256(a, _mm256_andnot_si256(b, c))
#define V2_XORC(a, c) _mm256_xor_si256(a, _mm256_set1_epi64x((long long)(c)))

A2 static void permute4(__m256i *A) { KECCAK_F(__m256i, V2_XOR, V2_XOR5, V2_ROL, V2_CHI, V2_XORC) }

/** Lanes from 4 messages at src[k] (64 data bytes each), digests to dst[k] (and dst2[k]). */
A2 static void hash4(const uint8_t *const *src, uint8_t *const *dst, uint8_t *const *dst2, int n,
                     int prefix) {
  uint64_t lanes[9][4];
  for (int k = 0; k < 4; k++) {
    const uint8_t *in = src[k < n ? k : n - 1];
    uint64_t prev = (uint64_t)prefix;
    for (int j = 0; j < 8; j++) {
      uint64_t d = load64(in + 8 * j);
      lanes[j][k] = (j == 0 ? prev : prev >> 56) | (d << 8);
      prev = d;
    }
    lanes[8][k] = (prev >> 56) | 0x100;
  }
  __m256i A[25];
  for (int j = 0; j < 25; j++) A[j] = _mm256_setzero_si256();
  for (int j = 0; j < 9; j++) A[j] = _mm256_loadu_si256((const __m256i *)lanes[j]);
  A[16] = _mm256_set1_epi64x((long long)0x8000000000000000ULL);
  permute4(A);
  uint64_t o[4][4];
  for (int j = 0; j < 4; j++) _mm256_storeu_si256((__m256i *)o[j], A[j]);
  for (int k = 0; k < n; k++) {
    uint64_t dg[4] = {o[0][k], o[1][k], o[2][k], o[3][k]};
    memcpy(dst[k], dg, 32);
    if (dst2) memcpy(dst2[k], dg, 32);
  }
}

// ---- AVX-512: eight messages ----
#define A5 __attribute__((target("avx512f")))
#define V5_XOR(a, b) _mm512_xor_si512(a, b)
#define V5_XOR5(a, b, c, d, e) \
  _mm512_ternarylogic_epi64(_mm512_ternarylogic_epi64(a, b, c, 0x96), d, e, 0x96)
#define V5_ROL(a, n) _mm512_rolv_epi64(a, _mm512_set1_epi64(n))
#define V5_CHI(a, b, c) _mm512_ternarylogic_epi64(a, b, c, 0xD2)
#define V5_XORC(a, c) _mm512_xor_si512(a, _mm512_set1_epi64((long long)(c)))

A5 static void permute8(__m512i *A) { KECCAK_F(__m512i, V5_XOR, V5_XOR5, V5_ROL, V5_CHI, V5_XORC) }

/** Up to 8 messages at base + off[k] (byte offsets), digests to out + doff[k] (and out2). */
A5 static void hash8(const uint8_t *base, const int64_t *off, uint8_t *out, const int64_t *doff,
                     uint8_t *out2, const int64_t *doff2, int n, int prefix) {
  __mmask8 m = (__mmask8)((1u << n) - 1);
  __m512i idx = _mm512_maskz_loadu_epi64(m, off);
  __m512i A[25];
  __m512i prev = _mm512_set1_epi64(prefix);
  for (int j = 0; j < 8; j++) {
    __m512i d = _mm512_mask_i64gather_epi64(_mm512_setzero_si512(), m, idx, base + 8 * j, 1);
    __m512i hi = j == 0 ? prev : _mm512_srli_epi64(prev, 56);
    A[j] = _mm512_or_si512(hi, _mm512_slli_epi64(d, 8));
    prev = d;
  }
  A[8] = _mm512_or_si512(_mm512_srli_epi64(prev, 56), _mm512_set1_epi64(0x100));
  for (int j = 9; j < 25; j++) A[j] = _mm512_setzero_si512();
  A[16] = _mm512_set1_epi64((long long)0x8000000000000000ULL);
  permute8(A);
  __m512i di = _mm512_maskz_loadu_epi64(m, doff);
  for (int j = 0; j < 4; j++) _mm512_mask_i64scatter_epi64(out + 8 * j, m, di, A[j], 1);
  if (out2) {
    __m512i di2 = _mm512_maskz_loadu_epi64(m, doff2);
    for (int j = 0; j < 4; j++) _mm512_mask_i64scatter_epi64(out2 + 8 * j, m, di2, A[j], 1);
  }
}
#endif

enum { IMPL_SCALAR = 1, IMPL_AVX2 = 2, IMPL_AVX512 = 3 };

static int best_impl(void) {
#ifdef LANES_X86
  __builtin_cpu_init();
  if (__builtin_cpu_supports("avx512f")) return IMPL_AVX512;
  if (__builtin_cpu_supports("avx2")) return IMPL_AVX2;
#endif
  return IMPL_SCALAR;
}
static int BEST = 0;

/**
 * Hashes n messages: message k is prefix ‖ base[off[k] .. +64); its digest goes to
 * out[doff[k] .. +32) and, if out2, to out2[doff2[k] .. +32). Offsets are bytes.
 */
static void hash_many(int impl, const uint8_t *base, const int64_t *off, uint8_t *out,
                      const int64_t *doff, uint8_t *out2, const int64_t *doff2, int n, int prefix) {
#ifdef LANES_X86
  if (impl == IMPL_AVX512) {
    for (int k = 0; k < n; k += 8)
      hash8(base, off + k, out, doff + k, out2, out2 ? doff2 + k : NULL, n - k < 8 ? n - k : 8,
            prefix);
    return;
  }
  if (impl == IMPL_AVX2) {
    for (int k = 0; k < n; k += 4) {
      int c = n - k < 4 ? n - k : 4;
      const uint8_t *src[4];
      uint8_t *dst[4], *dst2[4];
      for (int i = 0; i < c; i++) {
        src[i] = base + off[k + i];
        dst[i] = out + doff[k + i];
        if (out2) dst2[i] = out2 + doff2[k + i];
      }
      hash4(src, dst, out2 ? dst2 : NULL, c, prefix);
    }
    return;
  }
#endif
  for (int k = 0; k < n; k++) {
    uint8_t d[32];
    hash1(base + off[k], d, prefix);
    memcpy(out + doff[k], d, 32);
    if (out2) memcpy(out2 + doff2[k], d, 32);
  }
}

// ---- the tree's hash program (hash-program.ts): ops of 3 int32s (kind | depth << 1, src, dst)
#define NODE_STRIDE 64
#define LEAF_STRIDE 96
#define WINDOW 1024
#define BUCKETS 257

static void run_window(int impl, uint8_t *nodes, uint8_t *leaves, const int32_t *prog, int from,
                       int to) {
  static _Thread_local int32_t start[BUCKETS + 1];
  static _Thread_local int32_t order[WINDOW];
  static _Thread_local int64_t off[WINDOW], doff[WINDOW], doff2[WINDOW];
  memset(start, 0, sizeof start);
  int lo = BUCKETS, hi = 0;
  for (int t = from; t < to; t++) {
    int w = prog[3 * t];
    int b = (w & 1) ? 0 : 1 + 255 - (w >> 1);
    if (b < lo) lo = b;
    if (b >= hi) hi = b + 1;
    start[b]++;
  }
  int acc = 0;
  for (int b = lo; b < hi; b++) {
    int c = start[b];
    start[b] = acc;
    acc += c;
  }
  for (int t = from; t < to; t++) {
    int w = prog[3 * t];
    order[start[(w & 1) ? 0 : 1 + 255 - (w >> 1)]++] = t;
  }
  int at = 0;
  for (int b = lo; b < hi; b++) {
    int end = start[b];
    if (end == at) continue;
    int n = end - at;
    if (b == 0) {
      for (int u = 0; u < n; u++) {
        const int32_t *op = prog + 3 * order[at + u];
        off[u] = (int64_t)op[1] * LEAF_STRIDE;
        doff[u] = op[2];
        doff2[u] = off[u] + 64;
      }
      hash_many(impl, leaves, off, nodes, doff, leaves, doff2, n, 0);
    } else {
      for (int u = 0; u < n; u++) {
        const int32_t *op = prog + 3 * order[at + u];
        off[u] = (int64_t)op[1] * NODE_STRIDE;
        doff[u] = op[2];
      }
      hash_many(impl, nodes, off, nodes, doff, NULL, NULL, n, 1);
    }
    at = end;
  }
}

// ---- Node-API glue ----
static napi_value throw_type(napi_env env, const char *msg) {
  napi_throw_type_error(env, NULL, msg);
  return NULL;
}

static int typed_bytes(napi_env env, napi_value v, uint8_t **data, size_t *bytes) {
  bool is;
  if (napi_is_typedarray(env, v, &is) != napi_ok || !is) return 0;
  napi_typedarray_type type;
  size_t length, offset;
  void *p;
  napi_value ab;
  if (napi_get_typedarray_info(env, v, &type, &length, &p, &ab, &offset) != napi_ok) return 0;
  size_t el = type == napi_int32_array || type == napi_uint32_array ? 4 : 1;
  if (el == 1 && type != napi_uint8_array) return 0;
  *data = (uint8_t *)p;
  *bytes = length * el;
  return 1;
}

static int get_int(napi_env env, napi_value v, int32_t *out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int pick_impl(napi_env env, size_t argc, napi_value *argv, size_t at, int *impl) {
  *impl = BEST;
  if (argc <= at) return 1;
  napi_valuetype t;
  napi_typeof(env, argv[at], &t);
  if (t == napi_undefined) return 1;
  int32_t v;
  if (!get_int(env, argv[at], &v) || v < IMPL_SCALAR || v > BEST) return 0;
  *impl = v;
  return 1;
}

/** hash65(input: Uint8Array, output: Uint8Array, n, prefix, impl?) */
static napi_value js_hash65(napi_env env, napi_callback_info info) {
  size_t argc = 5;
  napi_value argv[5];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *in, *out;
  size_t inb, outb;
  int32_t n, prefix;
  int impl;
  if (argc < 4 || !typed_bytes(env, argv[0], &in, &inb) || !typed_bytes(env, argv[1], &out, &outb) ||
      !get_int(env, argv[2], &n) || !get_int(env, argv[3], &prefix) ||
      !pick_impl(env, argc, argv, 4, &impl))
    return throw_type(env, "hash65(input, output, n, prefix, impl?): bad arguments");
  if (n < 0 || (size_t)n * 64 > inb || (size_t)n * 32 > outb || prefix < 0 || prefix > 255)
    return throw_type(env, "hash65: n out of range for the buffers, or prefix not a byte");
  int64_t off[WINDOW], doff[WINDOW];
  for (int k = 0; k < n; k += WINDOW) {
    int c = n - k < WINDOW ? n - k : WINDOW;
    for (int u = 0; u < c; u++) {
      off[u] = (int64_t)(k + u) * 64;
      doff[u] = (int64_t)(k + u) * 32;
    }
    hash_many(impl, in, off, out, doff, NULL, NULL, c, prefix);
  }
  return NULL;
}

/** runOps(nodes: Uint8Array, leaves: Uint8Array, prog: Int32Array, from, to, impl?) */
static napi_value js_run_ops(napi_env env, napi_callback_info info) {
  size_t argc = 6;
  napi_value argv[6];
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  uint8_t *nodes, *leaves, *progb;
  size_t nb, lb, pb;
  int32_t from, to;
  int impl;
  if (argc < 5 || !typed_bytes(env, argv[0], &nodes, &nb) ||
      !typed_bytes(env, argv[1], &leaves, &lb) || !typed_bytes(env, argv[2], &progb, &pb) ||
      !get_int(env, argv[3], &from) || !get_int(env, argv[4], &to) ||
      !pick_impl(env, argc, argv, 5, &impl))
    return throw_type(env, "runOps(nodes, leaves, prog, from, to, impl?): bad arguments");
  const int32_t *prog = (const int32_t *)progb;
  if (from < 0 || to < from || (size_t)to * 12 > pb)
    return throw_type(env, "runOps: op range outside the program");
  // every source and destination is checked before anything is written
  for (int t = from; t < to; t++) {
    int leaf = prog[3 * t] & 1;
    int64_t src = prog[3 * t + 1], dst = prog[3 * t + 2];
    int64_t send = src * (leaf ? LEAF_STRIDE : NODE_STRIDE) + (leaf ? 96 : 64);
    if (src < 0 || dst < 0 || (size_t)send > (leaf ? lb : nb) || (size_t)dst + 32 > nb)
      return throw_type(env, "runOps: an op reads or writes outside the slabs");
  }
  for (int t = from; t < to; t += WINDOW)
    run_window(impl, nodes, leaves, prog, t, to - t < WINDOW ? to : t + WINDOW);
  return NULL;
}

static napi_value js_impl(napi_env env, napi_callback_info info) {
  (void)info;
  napi_value v;
  napi_create_int32(env, BEST, &v);
  return v;
}

NAPI_MODULE_INIT() {
  if (!BEST) BEST = best_impl();
  napi_property_descriptor props[] = {
      {"hash65", NULL, js_hash65, NULL, NULL, NULL, napi_default, NULL},
      {"runOps", NULL, js_run_ops, NULL, NULL, NULL, napi_default, NULL},
      {"bestImpl", NULL, js_impl, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, 3, props);
  return exports;
}
