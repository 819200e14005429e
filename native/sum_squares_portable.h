/* The portable sum-of-squares loop, shared by the C++ and Cython backends (the
 * Rust backend has its twin, rust_ext/src/portable.rs). It runs on any CPU: it
 * is the loop of the CPUs without AVX2 and of other architectures.
 *
 * Why it is exact: each x < 2**32, so x * x fits 64 bits, and the sum of all of
 * them, below 2**96, fits the 128-bit total.
 *
 * Why it is scalar: this loop is the same instructions per square in every
 * backend, one 64-bit multiply and a two-word add (add, then adc for the
 * carry), because no compiler vectorises a 128-bit sum. A loop the compilers
 * vectorise runs at each one's own speed: an earlier version (two 64-bit sums
 * that joined in 128 bits at the end), compiled by gcc 12 and by LLVM for the
 * same x86-64 levels, ran 1.6x apart on an Intel Xeon with AVX-512 (0.141
 * against 0.088 ns per element) and 1.6x apart again for CPUs without AVX2,
 * where gcc did not vectorise it at all (0.41 against 0.25). The speed a vector
 * unit gives belongs to the AVX2 and IFMA loops, written with the same
 * intrinsics in C and in Rust.
 *
 * Why two words and a pragma, where Rust writes `total += x * x` on a u128:
 * LLVM unrolls that loop four times and adds each square with `adc $0`; gcc 12
 * leaves it one square per turn and adds a register it zeroes every turn. On an
 * AMD EPYC (Zen 4) that cost gcc's loop 2.1 cycles per square against LLVM's
 * 1.2. With the carry written out and the unroll pragma, gcc's loop runs at
 * 1.25. gcc's link-time optimisation drops the pragma, so the C++ module is
 * built without it (CMakeLists.txt).
 *
 * Where the time goes: four to five instructions per square (multiply, add,
 * adc, the next x, a share of the loop's end), which that Zen 4 runs at 1.2
 * cycles per square, 0.33 ns per element at 3.6 GHz. An Intel Xeon ran the
 * loop of one square per turn at 1.6 cycles (0.39 ns at 4.1 GHz), bound by the
 * chain of dependent adds. On an AMD EPYC (Zen 3) the unrolled loop took 0.36
 * to 0.40 ns per element (2.9 GHz) depending only on where its first
 * instruction fell within 64 bytes (a standalone copy, moved 4 bytes at a
 * time), which the linker decides. That is the 9% between the Cython and C++
 * modules there: the same instructions at different addresses.
 */
#ifndef GILBENCH_SUM_SQUARES_PORTABLE_H
#define GILBENCH_SUM_SQUARES_PORTABLE_H

#include <stdint.h>

/* Exact sum of x*x for start <= x < stop <= 2**32. */
static unsigned __int128 gilbench_sum_squares_portable(uint64_t start, uint64_t stop) {
  uint64_t low = 0, high = 0; /* the 128-bit total, as two words */
#pragma GCC unroll 16
  for (uint64_t x = start; x < stop; ++x) {
    const uint64_t square = x * x;
    low += square;
    high += low < square; /* the carry out of low */
  }
  return (unsigned __int128)high << 64 | low;
}

#endif /* GILBENCH_SUM_SQUARES_PORTABLE_H */
