/* The sum-of-squares loop for CPUs with AVX2 but not AVX-512 IFMA, shared by the
 * C++ and Cython backends (the Rust backend has its twin, rust_ext/src/avx2.rs).
 *
 * Why this instruction: vpmuludq (_mm256_mul_epu32) multiplies the low 32 bits
 * of each 64-bit lane into a full 64-bit product, one micro-op, four squares at
 * once. Every x < 2**32, so it squares x exactly. AVX2 has no 64 x 64-bit
 * multiply. Left to vectorise a plain loop, the compilers find vpmuludq too,
 * but gcc 12 first shuffles each vector of eight 32-bit x into two of four,
 * three shuffles per eight squares, and keeps one set of lanes: this loop ran
 * 1.6x faster than gcc's (0.078 against 0.126 ns per element on AMD Zen 5,
 * both compiled for AVX2).
 *
 * Why it is exact over the whole domain: near 2**32 a square is itself close to
 * 2**64, so a 64-bit lane cannot hold two of them. Each lane therefore keeps
 * two sums: `high`, the sum of the squares' high 32 bits, and `total`, the sum
 * of whole squares, which wraps modulo 2**64 on purpose. All lanes together see
 * at most 2**32 squares, so the high halves sum to less than 2**32 * 2**32 =
 * 2**64 even added across every lane: no lane or sum of lanes overflows. The
 * low halves' sum is below 2**64 for the same reason, so it is exactly total -
 * (high << 32) modulo 2**64, and the halves join in 128 bits at the end. The
 * scalar squares (below) go to a two-word sum with an explicit carry.
 *
 * Where the time goes: a step squares 16 x in four independent sets of lanes
 * with 20 vector instructions (4 vpmuludq, 4 vpsrlq, 8 vpaddq into the lanes, 4
 * vpaddq for the next x), 1.25 per element. AMD Zen 3 and Zen 4 run four
 * 256-bit integer instructions a cycle (multiplies and shifts on two pipes
 * each, additions on all four), so a step takes 5 cycles: 0.09 ns per element
 * at ~3.6 GHz on Zen 4; Intel cores from Haswell on run three, 6.7 cycles.
 * Two sets measured 15% slower; five do not fit AVX2's 16 vector registers
 * (three per set) and spill, 60% slower. As in the IFMA loop, the scalar
 * multiplier sits idle meanwhile, so each step also squares 1 x in plain 64-bit
 * code on the integer ports: 17 x per step, 0.084 -> 0.079 ns per element on
 * Zen 5. Two measured faster on Zen 4 (0.082) and at most code addresses on
 * Zen 5 (0.075), but 12% slower where the loop began on a 64-byte boundary,
 * which the linker, not this source, decides: one kept the three backends
 * within 1.02x of each other wherever the loop landed. On AMD Zen 3, one was
 * 5% faster than none and two no faster again (0.096 ns per element, about
 * 0.28 cycles, in a standalone copy).
 *
 * The order: each set's next x is computed right after its multiply. gcc
 * schedules it there whatever the source says; LLVM keeps the source's order,
 * and with the addition last, Rust's loop ran 8% behind this one on Zen 3
 * (0.104 against 0.096 ns per element, standalone copies, the best of 12
 * runs each), and level with it once written in this order.
 *
 * The loop holds its sums in vector registers, which LLVM's closed-form
 * rewrite (DESIGN.md section 3) does not see through; the scalar sum is a
 * two-word add with a carry, which it does not fold either.
 *
 * Call it only where the CPU has AVX2 (native/sum_squares.h checks).
 */
#ifndef GILBENCH_SUM_SQUARES_AVX2_H
#define GILBENCH_SUM_SQUARES_AVX2_H

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define GILBENCH_AVX2 __attribute__((target("avx2")))

enum {
  GILBENCH_AVX2_LANES = 4,                                       /* u64 lanes in a 256-bit vector */
  GILBENCH_AVX2_SETS = 4,                                        /* independent sets of lanes */
  GILBENCH_AVX2_STEP = GILBENCH_AVX2_LANES * GILBENCH_AVX2_SETS, /* x per step in the vectors */
  GILBENCH_AVX2_SCALAR_STEP = 1 /* and the x squared meanwhile in scalar code */
};

/* The sum of a vector's four 64-bit lanes, modulo 2**64. */
GILBENCH_AVX2 static inline uint64_t gilbench_avx2_add_lanes(__m256i v) {
  const __m128i pairs = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256(v, 1));
  return (uint64_t)_mm_cvtsi128_si64(pairs) + (uint64_t)_mm_extract_epi64(pairs, 1);
}

/* Exact sum of i*i for start <= i < stop <= 2**32. Each step squares 16 x in
 * the vector lanes, from start up, and 1 x in scalar code, from where the
 * vector lanes will end; the plain loop at the end takes the last few. */
GILBENCH_AVX2 static unsigned __int128 gilbench_sum_squares_avx2(uint64_t start, uint64_t stop) {
  const __m256i step = _mm256_set1_epi64x(GILBENCH_AVX2_STEP);
  __m256i x[GILBENCH_AVX2_SETS], total[GILBENCH_AVX2_SETS], high[GILBENCH_AVX2_SETS];
  for (int k = 0; k < GILBENCH_AVX2_SETS; ++k) {
    x[k] = _mm256_add_epi64(_mm256_set1_epi64x((int64_t)(start + GILBENCH_AVX2_LANES * k)),
                            _mm256_setr_epi64x(0, 1, 2, 3));
    total[k] = high[k] = _mm256_setzero_si256();
  }
  uint64_t steps =
      start < stop ? (stop - start) / (GILBENCH_AVX2_STEP + GILBENCH_AVX2_SCALAR_STEP) : 0;
  uint64_t y = start + GILBENCH_AVX2_STEP * steps; /* the scalar code's next x */
  uint64_t y_low = 0, y_high = 0;                  /* its sum, as two words */
  for (; steps > 0; --steps) {
    for (int k = 0; k < GILBENCH_AVX2_SETS; ++k) {
      const __m256i square = _mm256_mul_epu32(x[k], x[k]); /* 32 x 32 -> 64 bits */
      x[k] = _mm256_add_epi64(x[k], step);                 /* first: see "the order" above */
      total[k] = _mm256_add_epi64(total[k], square);       /* wraps, on purpose */
      high[k] = _mm256_add_epi64(high[k], _mm256_srli_epi64(square, 32));
    }
    for (int k = 0; k < GILBENCH_AVX2_SCALAR_STEP; ++k) { /* meanwhile, on the scalar ports */
      const uint64_t square = (y + k) * (y + k);
      y_low += square;
      y_high += y_low < square; /* the carry */
    }
    y += GILBENCH_AVX2_SCALAR_STEP;
  }
  uint64_t sum_total = 0, sum_high = 0; /* over every lane: see above */
  for (int k = 0; k < GILBENCH_AVX2_SETS; ++k) {
    sum_total += gilbench_avx2_add_lanes(total[k]);
    sum_high += gilbench_avx2_add_lanes(high[k]);
  }
  const uint64_t sum_low = sum_total - (sum_high << 32);
  unsigned __int128 sum =
      ((unsigned __int128)y_high << 64 | y_low) + ((unsigned __int128)sum_high << 32) + sum_low;
  for (; y < stop; ++y) sum += (unsigned __int128)(y * y); /* the last < 17 */
  return sum;
}

#endif /* x86-64 with gcc or clang */
#endif /* GILBENCH_SUM_SQUARES_AVX2_H */
