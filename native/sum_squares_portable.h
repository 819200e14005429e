/* The portable sum-of-squares loop, shared by the C++ and Cython backends (the
 * Rust backend has its twin, rust_ext/src/portable.rs). It runs on any CPU.
 *
 * Why it is exact: each i < 2**32, so each square fits 64 bits, but their sum
 * does not. So two 64-bit lanes are kept: `high`, the sum of each square's high
 * 32 bits (at most 2**32 terms below 2**32: it never overflows), and `total`,
 * the sum of whole squares, which wraps. The sum of the low halves is below
 * 2**64 too, so it is exactly total - (high << 32) modulo 2**64, and the two
 * halves join in 128 bits at the end.
 *
 * Why it is plain C: the compilers vectorise it, and the shift keeps them from
 * replacing the loop with a closed form (LLVM does that to a plain 64-bit sum of
 * squares). A portable wheel must run on any x86-64, yet this loop is 3x faster
 * with AVX2 and faster again with AVX-512, so gcc's target_clones compiles it
 * once per x86-64 level and picks the widest one the CPU has when the module
 * loads. (It returns the two lanes, not a 128-bit total: gcc will not vectorise
 * a loop in a function that computes with __int128.)
 *
 * Why x counts in 32 bits: then gcc multiplies 32-bit lanes into 64-bit
 * products, one vpmuludq per four squares with AVX2, where a 64-bit counter made
 * it emulate a 64-bit multiply in three (1.8x slower on AMD Zen 5; 1.3x with
 * AVX-512, where gcc 12 still widens the lanes first and uses vpmullq). LLVM
 * finds vpmuludq either way.
 */
#ifndef GILBENCH_SUM_SQUARES_PORTABLE_H
#define GILBENCH_SUM_SQUARES_PORTABLE_H

#include <stdint.h>

#if defined(__x86_64__) && defined(__linux__) && (defined(__GNUC__) || defined(__clang__))
#define GILBENCH_VECTOR_CLONES __attribute__((target_clones("default", "avx2", "arch=x86-64-v4")))
#else
#define GILBENCH_VECTOR_CLONES
#endif

typedef struct {
  uint64_t total; /* the sum of the squares, modulo 2**64 */
  uint64_t high;  /* the sum of their high 32 bits: exact */
} gilbench_lanes;

GILBENCH_VECTOR_CLONES static gilbench_lanes gilbench_sum_lanes(uint64_t start, uint64_t stop) {
  uint64_t total = 0, high = 0;
  uint32_t x = (uint32_t)start; /* start < 2**32 wherever the loop runs */
  for (uint64_t count = start < stop ? stop - start : 0; count > 0; --count, ++x) {
    const uint64_t square = (uint64_t)x * x;
    total += square; /* wraps modulo 2**64, on purpose */
    high += square >> 32;
  }
  const gilbench_lanes lanes = {total, high};
  return lanes;
}

/* Exact sum of i*i for start <= i < stop <= 2**32. */
static inline unsigned __int128 gilbench_sum_squares_portable(uint64_t start, uint64_t stop) {
  const gilbench_lanes lanes = gilbench_sum_lanes(start, stop);
  const uint64_t low = lanes.total - (lanes.high << 32);
  return ((unsigned __int128)lanes.high << 32) + low;
}

#endif /* GILBENCH_SUM_SQUARES_PORTABLE_H */
