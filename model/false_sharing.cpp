// False sharing: threads that write different variables in one cache line.
//
// Caches keep coherence per line (coherency_line_size, 64 bytes on x86_64). A store needs the line
// in Modified state in the writer's cache, so two CPUs that keep writing different bytes of one
// line take turns invalidating each other (a HITM per store in perf c2c): every increment becomes a
// cache-to-cache transfer instead of an L1 hit. Layout decides it:
//
//   thread i's counter occupies [base + i·stride, base + i·stride + size)
//   line(a) = ⌊a / line size⌋; two threads share when their ranges touch a common line
//
// Classes (measured ratios depend on the CPU; these are the ranges the class stands for):
//   none      each line has one writer, or all writers share one CPU (time slicing moves the line
//             only at context switches): ≈ 1×
//   adjacent  writers only in the two 64-byte halves of one 128-byte block: the L2 adjacent-line
//             (spatial) prefetcher on Intel pairs them: 1–1.5×
//   severe    ≥ 2 writers of one line running on different CPUs: 2–20× per increment, growing
//             with the number of concurrent writers (all of them serialise on the line)
//
// This is hardware, not the kernel: there is no kernel function to mirror. The thresholds come from
// the cache-coherence protocol (MESI/MESIF/MOESI) and perf-c2c documentation.
//
// Worked example: 4 threads, 8-byte counters 8 bytes apart, 64-byte lines, 2 CPUs → all four in
// line 0: 4 writers, 2 concurrent → severe. With stride 64: four lines, one writer each → none.
#include "model/false_sharing.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>

#include "facts/error.hpp"

namespace mmtune::model {

std::string_view to_string(SlowdownClass slowdown) {
  switch (slowdown) {
    case SlowdownClass::none:
      return "none";
    case SlowdownClass::adjacent:
      return "adjacent-line";
    case SlowdownClass::severe:
      return "severe";
  }
  return "?";
}

FalseSharingPrediction predict_false_sharing(const FalseSharingShape& shape) {
  if (shape.threads < 1) fail(ErrorKind::bad_input, "false sharing: threads must be at least 1");
  if (shape.counter_bytes == 0)
    fail(ErrorKind::bad_input, "false sharing: counter size must be positive");
  const uint64_t line = shape.cache_line_bytes;
  if (line == 0 || (line & (line - 1)) != 0) {
    fail(ErrorKind::bad_input, "false sharing: cache line size {} must be a power of 2", line);
  }

  std::map<uint64_t, std::vector<int>> lines;
  for (int t = 0; t < shape.threads; ++t) {
    uint64_t begin = shape.base_offset + uint64_t(t) * shape.stride_bytes;
    uint64_t end = begin + shape.counter_bytes - 1;
    for (uint64_t l = begin / line; l <= end / line; ++l) {
      auto& writers = lines[l];
      if (writers.empty() || writers.back() != t) writers.push_back(t);
    }
  }

  FalseSharingPrediction out;
  uint64_t shared = 0;
  for (auto& [index, writers] : lines) {
    out.max_writers_per_line = std::max<int>(out.max_writers_per_line, int(writers.size()));
    if (writers.size() >= 2) ++shared;
    out.writers_per_line.push_back(writers);
  }
  const int cpus = std::max(shape.cpus, 1);
  out.concurrent_writers = std::min(out.max_writers_per_line, cpus);

  // Neighbouring lines of one 128-byte block, each with a different single writer.
  bool adjacent = false;
  for (auto it = lines.begin(); it != lines.end(); ++it) {
    auto next = std::next(it);
    if (next != lines.end() && next->first == it->first + 1 && it->first % 2 == 0 &&
        next->second != it->second) {
      adjacent = true;
    }
  }

  std::string text;
  double low = 1, high = 1;
  if (out.concurrent_writers >= 2) {
    out.slowdown = SlowdownClass::severe;
    low = 2;
    high = 20;
    text = fmt::format("{} lines shared, up to {} writers per line, {} on different CPUs at once",
                       shared, out.max_writers_per_line, out.concurrent_writers);
  } else if (adjacent && cpus >= 2 && line == 64) {
    out.slowdown = SlowdownClass::adjacent;
    low = 1;
    high = 1.5;
    text = "one writer per line, but writers in both halves of a 128-byte block";
  } else {
    text = out.max_writers_per_line >= 2
               ? fmt::format("{} writers share a line but only {} CPU runs them",
                             out.max_writers_per_line, cpus)
               : "every line has a single writer";
  }
  Explanation why{"threads share a line when their counters fall in one " + std::to_string(line) +
                      "-byte line and run on different CPUs",
                  "cache coherence (MESI), no kernel function", text};
  out.shared_lines = {"shared_lines", double(shared), "lines", why};
  out.expected_slowdown_low = {"expected_slowdown_low", low, "x", why};
  out.expected_slowdown_high = {"expected_slowdown_high", high, "x", why};
  return out;
}

}  // namespace mmtune::model
