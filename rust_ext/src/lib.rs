//! gilbench's Rust backend: the sum-of-squares kernel, bound with PyO3.
//!
//! `kernel` is plain Rust. The two Python functions wrap it; they differ in one
//! line: `sum_squares` runs it inside `py.detach`, which releases the GIL.

#[cfg(target_arch = "x86_64")]
mod ifma;

use multiversion::multiversion;
use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;

const LIMIT: u64 = 1 << 32;

/// Exact sum of i*i for start <= i < stop, for stop <= 2**32.
///
/// Each i fits 32 bits, so each square fits 64, but their sum does not. So two
/// lanes are kept: `high`, the sum of each square's high 32 bits (at most 2**32
/// terms below 2**32: it never overflows), and `total`, the sum of whole
/// squares, which wraps. The sum of the low halves is below 2**64 too, so it is
/// exactly `total - (high << 32)` modulo 2**64. LLVM vectorises the loop; the
/// shift keeps it from replacing the loop with a closed form, as it does for a
/// plain 64-bit sum of squares. `multiversion` compiles it once per listed
/// target and picks the widest the CPU has at run time, so a portable wheel
/// still runs AVX2 or AVX-512 code where it can.
#[multiversion(targets("x86_64+avx2", "x86_64+avx512f+avx512bw+avx512dq+avx512vl"))]
fn portable(start: u64, stop: u64) -> u128 {
    let (mut total, mut high) = (0u64, 0u64);
    for i in start..stop {
        let x = i as u32 as u64; // i < 2**32
        let square = x * x;
        total = total.wrapping_add(square);
        high += square >> 32;
    }
    let low = total.wrapping_sub(high << 32);
    ((high as u128) << 32) + low as u128
}

/// The IFMA loop where the CPU has it (src/ifma.rs), the portable one elsewhere.
fn kernel(start: u64, stop: u64) -> u128 {
    #[cfg(target_arch = "x86_64")]
    if ifma::enabled() {
        // SAFETY: enabled() has checked that this CPU has AVX-512F and IFMA.
        return unsafe { ifma::sum_squares(start, stop) };
    }
    portable(start, stop)
}

/// Which loop `kernel` runs on this CPU: "avx512-ifma" or "portable".
fn kernel_path() -> &'static str {
    #[cfg(target_arch = "x86_64")]
    if ifma::enabled() {
        return "avx512-ifma";
    }
    "portable"
}

/// The caller (gilbench.domain.check_range) has validated the range already;
/// this keeps the kernel from returning a wrong answer if called directly.
fn check(stop: u64) -> PyResult<()> {
    if stop > LIMIT {
        return Err(PyOverflowError::new_err("stop must be <= 2**32"));
    }
    Ok(())
}

/// Sum of i*i over [start, stop), GIL released while the loop runs.
#[pyfunction]
fn sum_squares(py: Python<'_>, start: u64, stop: u64) -> PyResult<u128> {
    check(stop)?;
    // `detach` releases the GIL for the closure; the closure only sees two u64
    // values, and PyO3 makes it `Send`, so it cannot touch a Python object.
    Ok(py.detach(|| kernel(start, stop)))
}

/// Sum of i*i over [start, stop), GIL held for the whole call.
#[pyfunction]
fn sum_squares_gil(start: u64, stop: u64) -> PyResult<u128> {
    check(stop)?;
    Ok(kernel(start, stop))
}

/// `gil_used = false`: on a free-threaded CPython the module runs without a GIL;
/// the kernel shares no state between calls, so that is safe.
#[pymodule(gil_used = false)]
mod _rust {
    #[pymodule_export]
    use super::{sum_squares, sum_squares_gil};
    use pyo3::prelude::*;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        m.add("kernel_path", super::kernel_path())
    }
}
