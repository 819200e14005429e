/* The portable sum-of-squares loop, shared by the C++ and Cython backends (the
 * Rust backend has its twin, rust_ext/src/portable.rs). It runs on any CPU: it
 * is the loop of the CPUs without AVX2 and of other architectures.
 *
 * Why it is exact: each x < 2**32, so x * x fits 64 bits, and the sum of all of
 * them, below 2**96, fits the 128-bit total.
 *
 * Why it is scalar: this loop is the same machine code in every backend, one
 * 64-bit multiply and a two-word add (add, adc) per square, because no compiler
 * vectorises a 128-bit sum. A loop the compilers vectorise runs at each one's
 * own speed: an earlier version (two 64-bit sums that joined in 128 bits at the
 * end), compiled by gcc 12 and by LLVM for the same x86-64 levels, ran 1.6x
 * apart on an Intel Xeon with AVX-512 (0.141 against 0.088 ns per element) and
 * 1.6x apart again for CPUs without AVX2, where gcc did not vectorise it at all
 * (0.41 against 0.25). The speed a vector unit gives belongs to the AVX2 and IFMA
 * loops, written with the same intrinsics in C and in Rust.
 *
 * Where the time goes: each square extends one chain of dependent adds (add,
 * then adc for the carry), which bounds the loop at about 1.6 cycles per square
 * on that Xeon (0.39 ns per element at 4.1 GHz), in both compilers' code.
 */
#ifndef GILBENCH_SUM_SQUARES_PORTABLE_H
#define GILBENCH_SUM_SQUARES_PORTABLE_H

#include <stdint.h>

/* Exact sum of x*x for start <= x < stop <= 2**32. */
static unsigned __int128 gilbench_sum_squares_portable(uint64_t start, uint64_t stop) {
  unsigned __int128 total = 0;
  for (uint64_t x = start; x < stop; ++x) total += x * x;
  return total;
}

#endif /* GILBENCH_SUM_SQUARES_PORTABLE_H */
