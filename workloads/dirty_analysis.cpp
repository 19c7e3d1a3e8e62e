#include "workloads/dirty_analysis.hpp"

#include <algorithm>
#include <vector>

namespace mmtune::workloads {
namespace {

double level(const DirtySample& s) { return double(s.dirty_pages + s.writeback_pages); }

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

bool paused(const WriteRecord& w, const OnsetRule& rule) {
  return double(w.slept_ns) >= rule.pause_ns;
}

}  // namespace

std::optional<double> dirty_at(std::span<const DirtySample> samples, int64_t t_ns) {
  if (samples.empty()) return std::nullopt;
  auto after = std::lower_bound(samples.begin(), samples.end(), t_ns,
                                [](const DirtySample& s, int64_t t) { return s.t_ns < t; });
  if (after == samples.begin()) return level(samples.front());
  if (after == samples.end()) return level(samples.back());
  const DirtySample& before = *(after - 1);
  double span = double(after->t_ns - before.t_ns);
  double f = span > 0 ? double(t_ns - before.t_ns) / span : 0;
  return level(before) + f * (level(*after) - level(before));
}

std::optional<ThrottleOnset> find_throttle_onset(std::span<const WriteRecord> records,
                                                 std::span<const DirtySample> samples,
                                                 const OnsetRule& rule) {
  for (size_t i = 0; i < records.size(); ++i) {
    if (!paused(records[i], rule)) continue;
    size_t window = 0, slow = 0;
    for (size_t j = i;
         j < records.size() && double(records[j].start_ns - records[i].start_ns) <= rule.confirm_ns;
         ++j) {
      ++window;
      slow += paused(records[j], rule);
    }
    if (2 * slow < window) continue;
    return ThrottleOnset{i, records[i].start_ns,
                         dirty_at(samples, records[i].start_ns).value_or(0)};
  }
  return std::nullopt;
}

std::optional<double> plateau_pages(std::span<const DirtySample> samples, int64_t from_ns,
                                    int64_t to_ns) {
  std::vector<double> values;
  for (const DirtySample& s : samples) {
    if (s.t_ns >= from_ns && s.t_ns <= to_ns) values.push_back(level(s));
  }
  if (values.empty()) return std::nullopt;
  return median(std::move(values));
}

std::optional<double> sustained_peak_pages(std::span<const DirtySample> samples, int64_t from_ns,
                                           int64_t to_ns, int64_t window_ns) {
  std::optional<double> best;
  const int64_t step = std::max<int64_t>(1, window_ns / 20);
  for (int64_t start = from_ns; start + window_ns <= to_ns; start += step) {
    if (auto level = plateau_pages(samples, start, start + window_ns))
      best = std::max(best.value_or(0), *level);
  }
  return best;
}

double peak_pages(std::span<const DirtySample> samples, int64_t from_ns, int64_t to_ns) {
  double peak = 0;
  for (const DirtySample& s : samples) {
    if (s.t_ns >= from_ns && s.t_ns <= to_ns) peak = std::max(peak, level(s));
  }
  return peak;
}

TracedThrottle summarize_throttle_events(std::span<const WriteRecord> records,
                                         std::span<const probes::BalanceDirtyPagesEvent> events,
                                         std::span<const pid_t> writer_tids) {
  TracedThrottle out;
  std::vector<bool> paused(records.size(), false);
  for (size_t i = 0; i < events.size(); ++i) {
    const probes::BalanceDirtyPagesEvent& e = events[i];
    auto writer = std::find(writer_tids.begin(), writer_tids.end(), e.pid);
    if (writer == writer_tids.end()) continue;
    ++out.events;
    if (!out.first) out.first = i;
    if (e.pause_ms <= 0) continue;
    ++out.pauses;
    out.pause_s += double(e.pause_ms) / 1e3;
    if (!out.first_pause) out.first_pause = i;
    // The write it happened in: that writer's last write that started before it.
    const auto w = uint32_t(writer - writer_tids.begin());
    auto after = std::upper_bound(records.begin(), records.end(), e.t_ns,
                                  [](int64_t t, const WriteRecord& r) { return t < r.start_ns; });
    for (auto r = after; r != records.begin();) {
      --r;
      if (r->writer != w) continue;
      if (r->end_ns >= e.t_ns) paused[size_t(r - records.begin())] = true;
      break;
    }
  }
  out.paused_writes = size_t(std::count(paused.begin(), paused.end(), true));
  return out;
}

ThrottleOnset onset_at_event(std::span<const WriteRecord> records,
                             const probes::BalanceDirtyPagesEvent& event) {
  auto after = std::upper_bound(records.begin(), records.end(), event.t_ns,
                                [](int64_t t, const WriteRecord& w) { return t < w.start_ns; });
  return ThrottleOnset{size_t(after - records.begin()), event.t_ns, double(event.dirty)};
}

void use_memcg_level(std::span<DirtySample> samples) {
  for (DirtySample& s : samples) {
    s.dirty_pages = s.memcg_dirty_pages;
    s.writeback_pages = s.memcg_writeback_pages;
  }
}

int64_t slept_ns(int64_t wall_ns, int64_t ran_ns, int64_t waited_ns) {
  return std::max<int64_t>(0, wall_ns - ran_ns - waited_ns);
}

}  // namespace mmtune::workloads
