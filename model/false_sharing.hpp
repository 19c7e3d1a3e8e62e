#pragma once
// False sharing: which threads write the same cache line for a counter layout, and the slowdown
// class to expect. See false_sharing.cpp.
#include <cstdint>
#include <string_view>
#include <vector>

#include "model/prediction.hpp"

namespace mmtune::model {

struct FalseSharingShape {
  int threads = 2;
  uint64_t counter_bytes = 8;      // each thread's counter
  uint64_t stride_bytes = 8;       // distance between thread i's and thread i+1's counters
  uint64_t base_offset = 0;        // offset of thread 0's counter from a cache-line boundary
  uint32_t cache_line_bytes = 64;  // coherency_line_size (CpuInfo::cache_line_bytes)
  int cpus = 1;                    // CPUs the threads run on at the same time
};

enum class SlowdownClass {
  none,      // no line written by two threads running at once
  adjacent,  // writers only in neighbouring lines of one 128-byte pair (adjacent-line prefetch)
  severe,    // two or more threads on different CPUs write one line: it ping-pongs between caches
};
std::string_view to_string(SlowdownClass slowdown);

struct FalseSharingPrediction {
  std::vector<std::vector<int>> writers_per_line;  // for each cache line touched, in address order
  int max_writers_per_line = 0;
  int concurrent_writers = 0;  // of those, how many can run at once (≤ cpus)
  SlowdownClass slowdown = SlowdownClass::none;
  Prediction shared_lines;            // lines written by ≥ 2 threads
  Prediction expected_slowdown_low;   // lower end of the class's range (× vs padded counters)
  Prediction expected_slowdown_high;  // upper end of the class's range
};

// Throws Error{bad_input} for no threads, a zero counter size or a cache line that is not a power
// of 2.
FalseSharingPrediction predict_false_sharing(const FalseSharingShape& shape);

}  // namespace mmtune::model
