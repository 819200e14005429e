// gilbench's C++ backend: the sum-of-squares kernel, bound with pybind11.
//
// The kernel is plain C++ that never touches a Python object. The bindings
// below expose it twice: once releasing the GIL for the whole call, once
// holding it. The two lines differ only in py::call_guard.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <stdexcept>

#include "native_threads.h"  // the machine's ceiling, k plain C++ threads
#include "sum_squares_ifma.h"
#include "sum_squares_portable.h"

namespace py = pybind11;
using u128 = unsigned __int128;

constexpr std::uint64_t kLimit = std::uint64_t{1} << 32;

// Where the CPU has AVX-512 IFMA, a loop written with intrinsics is 2.7x faster
// (native/sum_squares_ifma.h, shared with the Cython backend). Checked once, as
// the module loads; GILBENCH_KERNEL=portable keeps the portable loop
// (native/sum_squares_portable.h, shared too).
const bool use_ifma = gilbench_use_ifma();

u128 sum_squares_kernel(std::uint64_t start, std::uint64_t stop) {
  if (use_ifma) return gilbench_sum_squares_ifma(start, stop);
  return gilbench_sum_squares_portable(start, stop);
}

// The caller (gilbench.domain.check_range) has validated the range already;
// this keeps the kernel from returning a wrong answer if called directly.
u128 sum_squares(std::uint64_t start, std::uint64_t stop) {
  if (stop > kLimit) throw std::overflow_error("stop must be <= 2**32");
  return sum_squares_kernel(start, stop);
}

// Python has no 128-bit C type, so results cross as an int built from two halves.
namespace pybind11::detail {
template <>
struct type_caster<u128> {
  PYBIND11_TYPE_CASTER(u128, const_name("int"));
  bool load(handle, bool) { return false; }  // results only, never arguments
  static handle cast(u128 value, return_value_policy, handle) {
    const py::int_ high(static_cast<std::uint64_t>(value >> 64));
    const py::int_ low(static_cast<std::uint64_t>(value));
    return ((high << py::int_(64)) | low).release();
  }
};
}  // namespace pybind11::detail

// mod_gil_not_used: on a free-threaded CPython the module runs without a GIL;
// the kernel shares no state between calls, so that is safe.
PYBIND11_MODULE(_cpp, m, py::mod_gil_not_used()) {
  m.doc() = "Sum of squares in C++, with the GIL released or held.";
  // call_guard releases the GIL after the arguments are converted and takes it
  // back before the result is: while it is released, only plain C++ runs.
  m.def("sum_squares", &sum_squares, py::call_guard<py::gil_scoped_release>(), py::arg("start"),
        py::arg("stop"), "Sum of i*i over [start, stop), GIL released.");
  m.def("sum_squares_gil", &sum_squares, py::arg("start"), py::arg("stop"),
        "Sum of i*i over [start, stop), GIL held for the whole call.");
  m.attr("kernel_path") = use_ifma ? "avx512-ifma" : "portable";
  // The machine's ceiling (native_threads.h): the same kernel on k plain C++
  // threads, with the GIL released for the whole call.
  m.def("sum_squares_threads", &sum_squares_threads, py::call_guard<py::gil_scoped_release>(),
        py::arg("ranges"), "Sum each (start, stop) range on its own native thread.");
}
