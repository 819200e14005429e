//! Which loop runs (the C++ and Cython backends make the same choice, with the
//! same names and messages, in native/sum_squares.h).
//!
//! Three loops, best first: AVX-512 IFMA, AVX2, portable. The module runs the
//! best one this CPU has, or the one the GILBENCH_KERNEL environment variable
//! names (ifma, avx2 or portable; a kernel_path such as avx512-ifma works too).
//! If it names a loop this CPU cannot run, or no loop at all, the module
//! refuses to import with the message `choose` returns.

use crate::portable;
#[cfg(target_arch = "x86_64")]
use crate::{avx2, ifma};

/// One loop of the kernel.
pub struct Loop {
    pub path: &'static str, // the module's kernel_path while it runs
    name: &'static str,     // GILBENCH_KERNEL's name for it
    needs: &'static str,    // the CPU features it needs, as /proc/cpuinfo names them
    cpu_runs: fn() -> bool,
    /// Unsafe to call unless `cpu_runs()`: the SIMD loops need their instructions.
    pub sum_squares: unsafe fn(u64, u64) -> u128,
}

impl Loop {
    pub fn cpu_runs(&self) -> bool {
        (self.cpu_runs)()
    }
}

/// The loops, best first.
pub const LOOPS: [Loop; 3] = [
    Loop {
        path: "avx512-ifma",
        name: "ifma",
        needs: "AVX-512 IFMA (avx512f, avx512ifma)",
        #[cfg(target_arch = "x86_64")]
        cpu_runs: ifma::cpu_runs,
        #[cfg(target_arch = "x86_64")]
        sum_squares: ifma::sum_squares,
        #[cfg(not(target_arch = "x86_64"))]
        cpu_runs: || false, // and so never runs: a stand-in
        #[cfg(not(target_arch = "x86_64"))]
        sum_squares: portable::sum_squares,
    },
    Loop {
        path: "avx2",
        name: "avx2",
        needs: "AVX2 (avx2)",
        #[cfg(target_arch = "x86_64")]
        cpu_runs: avx2::cpu_runs,
        #[cfg(target_arch = "x86_64")]
        sum_squares: avx2::sum_squares,
        #[cfg(not(target_arch = "x86_64"))]
        cpu_runs: || false, // and so never runs: a stand-in
        #[cfg(not(target_arch = "x86_64"))]
        sum_squares: portable::sum_squares,
    },
    Loop {
        path: "portable",
        name: "portable",
        needs: "nothing",
        cpu_runs: || true,
        sum_squares: portable::sum_squares,
    },
];

/// The best loop this CPU runs, or the one GILBENCH_KERNEL names; why not, if
/// it names a loop this CPU lacks, or none.
pub fn choose() -> Result<&'static Loop, String> {
    let wanted = std::env::var("GILBENCH_KERNEL").unwrap_or_default();
    if wanted.is_empty() {
        let best = LOOPS.iter().find(|l| l.cpu_runs());
        return Ok(best.expect("the portable loop runs anywhere"));
    }
    match LOOPS.iter().find(|l| wanted == l.name || wanted == l.path) {
        Some(l) if l.cpu_runs() => Ok(l),
        Some(l) => Err(format!(
            "GILBENCH_KERNEL={wanted} asks for the {} loop, but this CPU lacks {}",
            l.path, l.needs
        )),
        None => Err(format!(
            "GILBENCH_KERNEL={wanted} names no loop: choose ifma, avx2 or portable, \
             or unset it for the best this CPU runs"
        )),
    }
}
