#pragma once
// Latency samples of a workload (write() calls, allocations, reads): percentiles and a power-of-two
// histogram, and the measurements that report them.
#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace mmtune::workloads {

class Session;

struct LatencySummary {
  size_t count = 0;
  double p50_ns = 0, p90_ns = 0, p99_ns = 0, max_ns = 0, mean_ns = 0;
};

// Nearest-rank percentiles (p99 of 100 samples is the 99th smallest). Empty input: all zero.
LatencySummary summarize_latencies(std::span<const double> samples_ns);

// Counts per power-of-two bucket of microseconds: bucket i holds [2^(i-1), 2^i) µs, bucket 0
// everything below 1 µs. Trailing empty buckets are dropped.
struct LatencyBucket {
  double upper_us = 0;  // exclusive upper bound
  uint64_t count = 0;
};
std::vector<LatencyBucket> latency_histogram(std::span<const double> samples_ns);

// Reports <name>_p50_ms, _p99_ms, _max_ms, _mean_ms and _count as measurements, and the histogram
// as <name>_hist.lt_<bound> (a count per bucket, labelled with its bound). clock names what was
// timed ("CLOCK_MONOTONIC around each write()").
void report_latencies(Session& session, const std::string& name, std::span<const double> samples_ns,
                      const std::string& clock, bool with_histogram);

}  // namespace mmtune::workloads
