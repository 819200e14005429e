// gilbench's C++ backend: the sum-of-squares kernel, bound with pybind11.
//
// The kernel is C, shared with the Cython backend (native/sum_squares.h): it
// never touches a Python object. The bindings below expose it twice: once
// releasing the GIL for the whole call, once holding it. The two lines differ
// only in py::call_guard.

#include <pybind11/pybind11.h>
#include <pybind11/stl.h>

#include <cstdint>
#include <stdexcept>
#include <vector>

#include "native_threads.h"  // the machine's ceiling, k plain C++ threads
#include "sum_squares.h"     // the loops, and which one runs: chosen as the library loads

namespace py = pybind11;
using u128 = unsigned __int128;

// The caller (gilbench.domain.check_range) has validated the range already;
// this keeps the kernel from returning a wrong answer if called directly.
u128 sum_squares(std::uint64_t start, std::uint64_t stop) {
  if (stop > gilbench_limit) throw std::overflow_error("stop must be <= 2**32");
  return gilbench_sum_squares(start, stop);
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

// mod_gil_not_used: on a free-threaded CPython the module runs without a GIL.
// per_interpreter_gil: it may load into subinterpreters that each have their
// own GIL. Both are safe: the kernel shares no state between calls, the loop
// was chosen before any interpreter imported the module, and the module keeps
// no Python object of its own.
PYBIND11_MODULE(_cpp, m, py::mod_gil_not_used(), py::multiple_interpreters::per_interpreter_gil()) {
  // No loop was chosen if GILBENCH_KERNEL asks for one this CPU lacks, or for none.
  if (!gilbench_chosen.loop) throw py::import_error(gilbench_chosen.error);
  m.doc() = "Sum of squares in C++, with the GIL released or held.";
  // call_guard releases the GIL after the arguments are converted and takes it
  // back before the result is: while it is released, only plain C++ runs.
  m.def("sum_squares", &sum_squares, py::call_guard<py::gil_scoped_release>(), py::arg("start"),
        py::arg("stop"), "Sum of i*i over [start, stop), GIL released.");
  m.def("sum_squares_gil", &sum_squares, py::arg("start"), py::arg("stop"),
        "Sum of i*i over [start, stop), GIL held for the whole call.");
  m.attr("kernel_path") = gilbench_chosen.loop->path;
  py::list paths;
  for (int k = 0; k < gilbench_chosen.runnable_count; ++k)
    paths.append(gilbench_chosen.runnable[k]->path);
  m.attr("kernel_paths") = py::tuple(paths);
  // The machine's ceiling (native_threads.h): the same kernel on k plain C++
  // threads, with the GIL released for the whole call.
  m.def("sum_squares_threads", &sum_squares_threads, py::call_guard<py::gil_scoped_release>(),
        py::arg("ranges"), "Sum each (start, stop) range on its own native thread.");
}
