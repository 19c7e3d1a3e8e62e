#include "workloads/latency.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "workloads/session.hpp"

namespace mmtune::workloads {
namespace {

double nearest_rank(const std::vector<double>& sorted, double percentile) {
  size_t rank = static_cast<size_t>(std::ceil(percentile / 100.0 * double(sorted.size())));
  return sorted[std::clamp<size_t>(rank, 1, sorted.size()) - 1];
}

std::string bound_text(double upper_us) {
  if (upper_us >= 1e6) return fmt::format("{:g}s", upper_us / 1e6);
  if (upper_us >= 1e3) return fmt::format("{:g}ms", upper_us / 1e3);
  return fmt::format("{:g}us", upper_us);
}

}  // namespace

LatencySummary summarize_latencies(std::span<const double> samples_ns) {
  LatencySummary out;
  out.count = samples_ns.size();
  if (samples_ns.empty()) return out;
  std::vector<double> sorted(samples_ns.begin(), samples_ns.end());
  std::sort(sorted.begin(), sorted.end());
  out.p50_ns = nearest_rank(sorted, 50);
  out.p90_ns = nearest_rank(sorted, 90);
  out.p99_ns = nearest_rank(sorted, 99);
  out.max_ns = sorted.back();
  out.mean_ns = std::accumulate(sorted.begin(), sorted.end(), 0.0) / double(sorted.size());
  return out;
}

std::vector<LatencyBucket> latency_histogram(std::span<const double> samples_ns) {
  std::vector<LatencyBucket> buckets;
  for (double ns : samples_ns) {
    double us = ns / 1e3;
    size_t index = us < 1 ? 0 : static_cast<size_t>(std::floor(std::log2(us))) + 1;
    if (buckets.size() <= index) {
      size_t from = buckets.size();
      buckets.resize(index + 1);
      for (size_t i = from; i <= index; ++i) buckets[i].upper_us = std::ldexp(1.0, int(i));
    }
    ++buckets[index].count;
  }
  return buckets;
}

void report_latencies(Session& session, const std::string& name, std::span<const double> samples_ns,
                      const std::string& clock, bool with_histogram) {
  LatencySummary s = summarize_latencies(samples_ns);
  session.measured(name + "_count", double(s.count), "samples", clock);
  if (s.count == 0) return;
  std::string of = fmt::format("nearest-rank percentile of {} samples ({})", s.count, clock);
  session.derived(name + "_p50_ms", s.p50_ns / 1e6, "ms", "p50, " + of);
  session.derived(name + "_p90_ms", s.p90_ns / 1e6, "ms", "p90, " + of);
  session.derived(name + "_p99_ms", s.p99_ns / 1e6, "ms", "p99, " + of);
  session.derived(name + "_max_ms", s.max_ns / 1e6, "ms", "largest of the samples (" + clock + ")");
  session.derived(name + "_mean_ms", s.mean_ns / 1e6, "ms", "mean of the samples (" + clock + ")");
  if (!with_histogram) return;
  for (const LatencyBucket& b : latency_histogram(samples_ns)) {
    if (b.count == 0) continue;
    std::string bound = bound_text(b.upper_us);
    session.measured(fmt::format("{}_hist.lt_{}", name, bound), double(b.count), "samples",
                     fmt::format("samples below {} and at least half that ({})", bound, clock),
                     {{"below", bound}});
  }
}

}  // namespace mmtune::workloads
