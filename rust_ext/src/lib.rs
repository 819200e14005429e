//! gilbench's Rust backend: the sum-of-squares kernel, bound with PyO3.
//!
//! The kernel is plain Rust (src/loops.rs and the loops beside it). The two
//! Python functions wrap it; they differ in one line: `sum_squares` runs it
//! inside `py.detach`, which releases the GIL.

#[cfg(target_arch = "x86_64")]
mod avx2;
#[cfg(target_arch = "x86_64")]
mod ifma;
mod loops;
mod portable;

use std::sync::OnceLock;

use pyo3::exceptions::{PyImportError, PyOverflowError};
use pyo3::prelude::*;

/// The loop in use: chosen once, as the module is first initialised.
static LOOP: OnceLock<&'static loops::Loop> = OnceLock::new();

/// Exact sum of i*i for start <= i < stop <= 2**32, on the chosen loop.
fn kernel(start: u64, stop: u64) -> u128 {
    let chosen = LOOP.get().expect("the module's init chose a loop");
    // SAFETY: `loops::choose` only returns a loop this CPU runs.
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
    use pyo3::types::PyTuple;

    #[pymodule_init]
    fn init(m: &Bound<'_, PyModule>) -> PyResult<()> {
        let chosen = super::loops::choose().map_err(super::PyImportError::new_err)?;
        m.add("kernel_path", super::LOOP.get_or_init(|| chosen).path)?;
        let runnable = super::loops::LOOPS.iter().filter(|l| l.cpu_runs());
        let paths: Vec<&str> = runnable.map(|l| l.path).collect();
        m.add("kernel_paths", PyTuple::new(m.py(), paths)?)
    }
}
