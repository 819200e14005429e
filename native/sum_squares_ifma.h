/* The sum-of-squares loop for CPUs with AVX-512 IFMA, shared by the C++ and
 * Cython backends (the Rust backend has its twin, rust_ext/src/ifma.rs).
 *
 * Why intrinsics: left to vectorise a plain loop for AVX-512, gcc 12 multiplies
 * with vpmullq (3 uops on Intel) and LLVM with vpmuludq: 0.141 and 0.088 ns per
 * element on an Intel Xeon. IFMA's vpmadd52luq / vpmadd52huq multiply two 52-bit
 * numbers and add the low or the high 52 bits of the product to a 64-bit lane,
 * in one instruction each: 0.046 ns there, and no compiler emits them for this
 * loop.
 *
 * Why it is exact: each x < 2**32 fits 52 bits, so x*x = lo + hi * 2**52 with
 * lo < 2**52 and hi < 2**12. A 64-bit lane holds 4096 lo's, and any number of
 * hi's in the domain. So the loop runs blocks of at most 4096 steps, then
 * splits each lo lane into 32-bit halves added to lanes that cannot overflow.
 * Four independent sets of lanes keep both IFMA units busy.
 *
 * Why 3 more x in scalar code each step: the vector loop is bound by the two
 * ports that run 512-bit instructions (12 of them per 32 x: 6 cycles), while
 * the scalar multiplier, on another port, sits idle. So each step also squares
 * 3 x from the far end of the range, one 64-bit multiply and a two-word add
 * each: 35 x per step instead of 32, 0.050 -> 0.047 ns per element here. Four
 * or more crowd the vector ports and measured slower.
 *
 * Call it only where the CPU has AVX-512F and IFMA (native/sum_squares.h checks).
 */
#ifndef GILBENCH_SUM_SQUARES_IFMA_H
#define GILBENCH_SUM_SQUARES_IFMA_H

#include <stdint.h>

#if defined(__x86_64__) && (defined(__GNUC__) || defined(__clang__))
#include <immintrin.h>

#define GILBENCH_IFMA __attribute__((target("avx512f,avx512ifma")))

enum {
  GILBENCH_IFMA_LANES = 8,                                       /* u64 lanes in a 512-bit vector */
  GILBENCH_IFMA_SETS = 4,                                        /* independent sets of lanes */
  GILBENCH_IFMA_STEP = GILBENCH_IFMA_LANES * GILBENCH_IFMA_SETS, /* x per step in the vectors */
  GILBENCH_IFMA_SCALAR_STEP = 3,   /* and the x squared meanwhile in scalar code */
  GILBENCH_IFMA_BLOCK_STEPS = 4096 /* 4096 lo's of < 2**52 fit a 64-bit lane */
};

/* Exact sum of i*i for start <= i < stop <= 2**32. Each step squares 32 x in
 * the vector lanes, from start up, and 3 x in scalar code, from where the
 * vector lanes will end; the plain loop at the end takes the last few. */
GILBENCH_IFMA static unsigned __int128 gilbench_sum_squares_ifma(uint64_t start, uint64_t stop) {
  const __m512i step = _mm512_set1_epi64(GILBENCH_IFMA_STEP);
  const __m512i mask = _mm512_set1_epi64(0xFFFFFFFF);
  const __m512i zero = _mm512_setzero_si512();
  __m512i lo_low = zero, lo_high = zero, hi[GILBENCH_IFMA_SETS];
  for (int k = 0; k < GILBENCH_IFMA_SETS; ++k) hi[k] = zero;
  uint64_t steps_left =
      start < stop ? (stop - start) / (GILBENCH_IFMA_STEP + GILBENCH_IFMA_SCALAR_STEP) : 0;
  uint64_t y = start + GILBENCH_IFMA_STEP * steps_left; /* the scalar code's next x */
  /* The scalar code's sum, as two words and an explicit carry: gcc compiles
   * that to add and adc, and a 128-bit += to five more instructions a step. */
  uint64_t y_low = 0, y_high = 0;
  while (steps_left > 0) {
    const uint64_t block = GILBENCH_IFMA_BLOCK_STEPS;
    const uint64_t steps = steps_left < block ? steps_left : block;
    __m512i x[GILBENCH_IFMA_SETS], lo[GILBENCH_IFMA_SETS];
    for (int k = 0; k < GILBENCH_IFMA_SETS; ++k) {
      x[k] = _mm512_add_epi64(_mm512_set1_epi64((int64_t)(start + GILBENCH_IFMA_LANES * k)),
                              _mm512_setr_epi64(0, 1, 2, 3, 4, 5, 6, 7));
      lo[k] = zero;
    }
    for (uint64_t s = 0; s < steps; ++s) {
      for (int k = 0; k < GILBENCH_IFMA_SETS; ++k) {
        lo[k] = _mm512_madd52lo_epu64(lo[k], x[k], x[k]); /* += low 52 bits of x*x */
        hi[k] = _mm512_madd52hi_epu64(hi[k], x[k], x[k]); /* += the bits above them */
        x[k] = _mm512_add_epi64(x[k], step);
      }
      for (int k = 0; k < GILBENCH_IFMA_SCALAR_STEP; ++k) { /* meanwhile, on the scalar ports */
        const uint64_t square = (y + k) * (y + k);
        y_low += square;
        y_high += y_low < square; /* the carry */
      }
      y += GILBENCH_IFMA_SCALAR_STEP;
    }
    for (int k = 0; k < GILBENCH_IFMA_SETS; ++k) {
      lo_low = _mm512_add_epi64(lo_low, _mm512_and_si512(lo[k], mask));
      lo_high = _mm512_add_epi64(lo_high, _mm512_srli_epi64(lo[k], 32));
    }
    start += GILBENCH_IFMA_STEP * steps;
    steps_left -= steps;
  }
  __m512i hi_all = zero;
  for (int k = 0; k < GILBENCH_IFMA_SETS; ++k) hi_all = _mm512_add_epi64(hi_all, hi[k]);
  unsigned __int128 total = ((unsigned __int128)y_high << 64 | y_low) +
                            (unsigned __int128)(uint64_t)_mm512_reduce_add_epi64(lo_low) +
                            ((unsigned __int128)(uint64_t)_mm512_reduce_add_epi64(lo_high) << 32) +
                            ((unsigned __int128)(uint64_t)_mm512_reduce_add_epi64(hi_all) << 52);
  for (; y < stop; ++y) total += (unsigned __int128)(y * y); /* the last < 35 */
  return total;
}

#endif /* x86-64 with gcc or clang */
#endif /* GILBENCH_SUM_SQUARES_IFMA_H */
