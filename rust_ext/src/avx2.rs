//! The kernel for CPUs with AVX2 but not AVX-512 IFMA (the C++ and Cython
//! backends share a C version of the same loop, native/sum_squares_avx2.h).
//!
//! Why this instruction: vpmuludq (`_mm256_mul_epu32`) multiplies the low 32
//! bits of each 64-bit lane into a full 64-bit product, one micro-op, four
//! squares at once. Every x < 2**32, so it squares x exactly. AVX2 has no
//! 64 x 64-bit multiply; LLVM finds vpmuludq for a plain loop too, but this
//! loop also keeps four independent sets of lanes and the scalar squares.
//!
//! Why it is exact over the whole domain: near 2**32 a square is itself close
//! to 2**64, so a 64-bit lane cannot hold two of them. Each lane therefore
//! keeps two sums: `high`, the sum of the squares' high 32 bits, and `total`,
//! the sum of whole squares, which wraps modulo 2**64 on purpose. All lanes
//! together see at most 2**32 squares, so the high halves sum to less than
//! 2**32 * 2**32 = 2**64 even added across every lane: no lane or sum of lanes
//! overflows. The low halves' sum is below 2**64 for the same reason, so it is
//! exactly `total - (high << 32)` modulo 2**64, and the halves join in 128 bits
//! at the end.
//!
//! Where the time goes: a step squares 16 x in four independent sets of lanes
//! with 20 vector instructions (4 vpmuludq, 4 vpsrlq, 8 vpaddq into the lanes,
//! 4 vpaddq for the next x), 1.25 per element. AMD Zen 3 and Zen 4 run four
//! 256-bit integer instructions a cycle, so a step takes 5 cycles; Intel cores
//! from Haswell on run three. Two sets measured slower; five do not fit AVX2's
//! 16 vector registers. The scalar multiplier sits idle meanwhile, so each step
//! also squares 1 x in plain 64-bit code on the integer ports: 17 x per step,
//! 5% faster than none on AMD Zen 5. Two measured faster at most code
//! addresses, but 12% slower where the loop began on a 64-byte boundary; one
//! kept the three backends within 1.02x of each other wherever it landed.
//!
//! The order: each set's next x is computed right after its multiply, as gcc
//! schedules the C loop. LLVM keeps the source's order, and with the addition
//! last this loop ran 8% behind the C one on AMD Zen 3 (0.104 against 0.096 ns
//! per element, standalone).
//!
//! LLVM replaces a plain 64-bit sum-of-squares loop with its closed form
//! (DESIGN.md section 3); it does not see through sums held in vector
//! registers, nor the scalar 128-bit sum of 64-bit squares.

use std::arch::x86_64::*;

const LANES: u64 = 4; // u64 lanes in a 256-bit vector
const SETS: usize = 4; // independent sets of lanes
const STEP: u64 = LANES * SETS as u64; // consecutive x per step in the vector lanes
const SCALAR_STEP: u64 = 1; // and the x squared meanwhile in scalar code

/// Whether this CPU has the instructions the loop needs.
pub fn cpu_runs() -> bool {
    is_x86_feature_detected!("avx2")
}

/// The sum of a vector's four 64-bit lanes, modulo 2**64.
#[target_feature(enable = "avx2")]
fn add_lanes(v: __m256i) -> u64 {
    let pairs = _mm_add_epi64(_mm256_castsi256_si128(v), _mm256_extracti128_si256::<1>(v));
    (_mm_cvtsi128_si64(pairs) as u64).wrapping_add(_mm_extract_epi64::<1>(pairs) as u64)
}

/// Exact sum of i*i for start <= i < stop <= 2**32. Call only where
/// `cpu_runs()`. The vector lanes take x from start up, the scalar code the x after
/// theirs, the plain loop the last few.
#[target_feature(enable = "avx2")]
pub fn sum_squares(start: u64, stop: u64) -> u128 {
    let zero = _mm256_setzero_si256();
    let step = _mm256_set1_epi64x(STEP as i64);
    let mut x: [__m256i; SETS] = std::array::from_fn(|k| {
        let first = _mm256_set1_epi64x(start.wrapping_add(LANES * k as u64) as i64);
        _mm256_add_epi64(first, _mm256_setr_epi64x(0, 1, 2, 3))
    });
    let (mut total, mut high) = ([zero; SETS], [zero; SETS]);
    let steps = stop.saturating_sub(start) / (STEP + SCALAR_STEP);
    let mut y = start + STEP * steps;
    let mut sum = 0u128;
    for _ in 0..steps {
        for k in 0..SETS {
            let square = _mm256_mul_epu32(x[k], x[k]); // 32 x 32 -> 64 bits
            x[k] = _mm256_add_epi64(x[k], step); // first: see "the order" in the header
            total[k] = _mm256_add_epi64(total[k], square); // wraps, on purpose
            high[k] = _mm256_add_epi64(high[k], _mm256_srli_epi64::<32>(square));
        }
        for k in 0..SCALAR_STEP {
            sum += ((y + k) * (y + k)) as u128; // meanwhile, on the scalar ports
        }
        y += SCALAR_STEP;
    }
    let (mut sum_total, mut sum_high) = (0u64, 0u64); // over every lane: see above
    for k in 0..SETS {
        sum_total = sum_total.wrapping_add(add_lanes(total[k]));
        sum_high += add_lanes(high[k]);
    }
    let sum_low = sum_total.wrapping_sub(sum_high << 32);
    sum += ((sum_high as u128) << 32) + sum_low as u128;
    for i in y..stop {
        sum += (i * i) as u128; // the last few, fewer than STEP + SCALAR_STEP
    }
    sum
}
