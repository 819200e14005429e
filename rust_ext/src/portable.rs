//! The portable loop: it runs on any CPU (the C++ and Cython backends share a
//! C version of the same loop, native/sum_squares_portable.h).
//!
//! Why it is exact: each i < 2**32, so each square fits 64 bits, but their sum
//! does not. So two 64-bit lanes are kept: `high`, the sum of each square's
//! high 32 bits (at most 2**32 terms below 2**32: it never overflows), and
//! `total`, the sum of whole squares, which wraps. The sum of the low halves is
//! below 2**64 too, so it is exactly `total - (high << 32)` modulo 2**64, and
//! the two halves join in 128 bits at the end.
//!
//! Why it is plain Rust: LLVM vectorises it, and the shift keeps it from
//! replacing the loop with a closed form, as it does for a plain 64-bit sum of
//! squares. `multiversion` compiles it once per listed target and, at run
//! time, takes the first target in the list that the CPU has: so the list goes
//! widest first, and a portable wheel still runs AVX-512 or AVX2 code where it
//! can. (An AVX-512 target also needs the features of Intel Ice Lake and AMD
//! Zen 4, which `multiversion` adds, so that CPUs that slow their clock for
//! AVX-512 run the AVX2 clone.)
//!
//! Why x counts in 32 bits: so that the loop reads as its C twin, where that
//! lets gcc multiply 32-bit lanes into 64-bit products (vpmuludq). LLVM finds
//! that instruction either way.

use multiversion::multiversion;

/// Exact sum of i*i for start <= i < stop <= 2**32.
#[multiversion(targets("x86_64+avx512f+avx512bw+avx512dq+avx512vl", "x86_64+avx2"))]
pub fn sum_squares(start: u64, stop: u64) -> u128 {
    let (mut total, mut high) = (0u64, 0u64);
    let mut x = start as u32; // start < 2**32 wherever the loop runs
    for _ in start..stop {
        let square = x as u64 * x as u64;
        total = total.wrapping_add(square); // wraps modulo 2**64, on purpose
        high += square >> 32;
        x = x.wrapping_add(1); // wraps only after the last square, at 2**32
    }
    let low = total.wrapping_sub(high << 32);
    ((high as u128) << 32) + low as u128
}
