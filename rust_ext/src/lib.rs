//! gilbench's Rust backend: the sum-of-squares kernel, bound with PyO3.
//!
//! The kernel is plain Rust (src/portable.rs, src/ifma.rs). The two Python
//! functions wrap it; they differ in one line: `sum_squares` runs it inside
//! `py.detach`, which releases the GIL.

#[cfg(target_arch = "x86_64")]
mod ifma;
mod portable;

use std::sync::OnceLock;

use pyo3::exceptions::PyOverflowError;
use pyo3::prelude::*;

/// One of the kernel's loops.
struct Loop {
    path: &'static str, // the module's kernel_path while it runs
    /// Unsafe to call unless the CPU runs it: the SIMD loop needs its instructions.
    sum_squares: unsafe fn(u64, u64) -> u128,
}

/// The IFMA loop where the CPU has it, unless GILBENCH_KERNEL=portable asks for
/// the portable loop.
fn choose() -> Loop {
    #[cfg(target_arch = "x86_64")]
    if ifma::cpu_runs() && std::env::var("GILBENCH_KERNEL").as_deref() != Ok("portable") {
        return Loop {
            path: "avx512-ifma",
            sum_squares: ifma::sum_squares,
        };
    }
    Loop {
        path: "portable",
        sum_squares: portable::sum_squares,
    }
}

/// The loop in use: chosen once, as the module is first initialised.
static LOOP: OnceLock<Loop> = OnceLock::new();

/// Exact sum of i*i for start <= i < stop <= 2**32, on the chosen loop.
fn kernel(start: u64, stop: u64) -> u128 {
    let chosen = LOOP.get().expect("the module's init chose a loop");
    // SAFETY: `choose` only returns a loop this CPU runs.
    unsafe { (chosen.sum_squares)(start, stop) }
}

/// The caller (gilbench.domain.check_range) has validated the range already;
/// this keeps the kernel from returning a wrong answer if called directly.
fn check(stop: u64) -> PyResult<()> {
    if stop > 1 << 32 {
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
        m.add("kernel_path", super::LOOP.get_or_init(super::choose).path)
    }
}
