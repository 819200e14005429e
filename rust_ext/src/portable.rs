//! The portable loop: it runs on any CPU, and is the loop of the CPUs without
//! AVX2 and of other architectures (the C++ and Cython backends share a C
//! version of the same loop, native/sum_squares_portable.h).
//!
//! Why it is exact: each x < 2**32, so `x * x` fits 64 bits, and the sum of all
//! of them, below 2**96, fits the `u128` total.
//!
//! Why it is scalar: so that it is the same instructions per square in every
//! backend, one 64-bit multiply and a two-word add, because no compiler
//! vectorises a 128-bit sum. A loop the compilers vectorise runs at each one's
//! own speed: LLVM vectorised an earlier version 1.6x better than gcc 12 did
//! (the C header has the figures). The speed a vector unit gives belongs to the
//! AVX2 and IFMA loops, written with the same intrinsics in Rust and in C.
//!
//! LLVM unrolls this loop four times by itself and adds each square with one
//! `adc $0`; the C version spells out the carry and asks gcc to unroll, so that
//! both run the same instructions per square.

/// Exact sum of x*x for start <= x < stop <= 2**32.
pub fn sum_squares(start: u64, stop: u64) -> u128 {
    (start..stop).map(|x| (x * x) as u128).sum()
}
