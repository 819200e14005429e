// The machine's ceiling: k plain C++ threads, no Python involved.
//
// gilbench's driver compares every backend's speedup on k workers with what k
// threads of plain native code reach on this machine right now (a shared or
// busy machine gives less than k). This is that measurement: each range runs
// the same kernel as the backends, on its own std::thread, and the caller
// releases the GIL around the whole call (see _cpp.cpp), so no interpreter is
// in the way.
#ifndef GILBENCH_NATIVE_THREADS_H
#define GILBENCH_NATIVE_THREADS_H

#include <cstdint>
#include <stdexcept>
#include <thread>
#include <utility>
#include <vector>

#include "sum_squares.h"

using Range = std::pair<std::uint64_t, std::uint64_t>;  // [start, stop)

inline std::vector<unsigned __int128> sum_squares_threads(const std::vector<Range>& ranges) {
  for (const auto& [start, stop] : ranges)
    if (stop > gilbench_limit) throw std::overflow_error("stop must be <= 2**32");
  std::vector<unsigned __int128> totals(ranges.size());
  std::vector<std::thread> threads;
  for (std::size_t k = 0; k < ranges.size(); ++k)
    threads.emplace_back(
        [&, k] { totals[k] = gilbench_sum_squares(ranges[k].first, ranges[k].second); });
  for (auto& thread : threads) thread.join();
  return totals;
}

#endif  // GILBENCH_NATIVE_THREADS_H
