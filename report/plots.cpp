#include "report/plots.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>

#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/host_model.hpp"

namespace mmtune::report {
namespace {

constexpr double kPage = static_cast<double>(model::kPageSize);

// How a column of the host series becomes a line.
enum class Shape {
  pages,       // a gauge in pages → bytes
  bytes,       // a gauge in bytes
  rate,        // a cumulative count → per second between consecutive samples
  psi_percent  // cumulative stall µs → % of wall time between samples
};

struct LineSpec {
  std::vector<std::string_view> columns;  // summed when more than one
  std::string_view label;
};

enum class Levels { none, watermarks, dirty, cgroup_limit };

struct PlotSpec {
  std::string_view title, y_label, y_unit;
  Shape shape;
  std::vector<LineSpec> lines;
  Levels levels = Levels::none;
};

// The host series' plots, in report order. The labels say what was observed, and where.
const std::vector<PlotSpec>& host_plots() {
  static const std::vector<PlotSpec> kPlots = {
      {"Free memory against the watermarks",
       "free memory",
       "bytes",
       Shape::pages,
       {{{"zone_free"}, "free pages of all zones, observed (/proc/zoneinfo)"}},
       Levels::watermarks},
      {"Dirty and writeback pages against the dirty thresholds",
       "page cache",
       "bytes",
       Shape::pages,
       {{{"nr_dirty", "nr_writeback"}, "dirty + writeback, observed"},
        {{"nr_dirty"}, "dirty, observed (nr_dirty)"},
        {{"nr_writeback"}, "under writeback, observed (nr_writeback)"}},
       Levels::dirty},
      {"Page-fault rates",
       "faults",
       "faults/s",
       Shape::rate,
       {{{"pgfault"}, "all faults, host (pgfault)"},
        {{"pgmajfault"}, "major faults, host (pgmajfault)"},
        {{"proc_minflt"}, "minor faults, workload process"},
        {{"proc_majflt"}, "major faults, workload process"}}},
      {"Reclaim: pages scanned and reclaimed",
       "pages",
       "pages/s",
       Shape::rate,
       {{{"pgscan_kswapd"}, "scanned by kswapd"},
        {{"pgscan_direct"}, "scanned in direct reclaim"},
        {{"pgsteal_kswapd"}, "reclaimed by kswapd"},
        {{"pgsteal_direct"}, "reclaimed in direct reclaim"}}},
      {"Allocation stalls and direct compaction",
       "events",
       "events/s",
       Shape::rate,
       {{{"allocstall"}, "allocation stalls (allocstall)"},
        {{"compact_stall"}, "direct compaction (compact_stall)"}}},
      {"Swap and refaults",
       "pages",
       "pages/s",
       Shape::rate,
       {{{"pswpin"}, "swapped in (pswpin)"},
        {{"pswpout"}, "swapped out (pswpout)"},
        {{"workingset_refault"}, "refaults (workingset_refault)"}}},
      {"Transparent huge page faults",
       "faults",
       "faults/s",
       Shape::rate,
       {{{"thp_fault_alloc"}, "huge page allocated (thp_fault_alloc)"},
        {{"thp_fault_fallback"}, "fell back to 4 KiB (thp_fault_fallback)"}}},
      {"Memory pressure stall information (PSI)",
       "stalled",
       "% of time",
       Shape::psi_percent,
       {{{"psi_some_us"}, "some task stalled on memory, host"},
        {{"psi_full_us"}, "all tasks stalled on memory, host"},
        {{"cg_psi_some_us"}, "some task stalled, workload cgroup"},
        {{"cg_psi_full_us"}, "all tasks stalled, workload cgroup"}}},
      {"Resident memory of the workload process",
       "resident",
       "bytes",
       Shape::pages,
       {{{"proc_rss_pages"}, "RSS, observed (/proc/PID/stat)"}}},
      {"Memory of the workload's cgroup",
       "charged",
       "bytes",
       Shape::bytes,
       {{{"cg_current_bytes"}, "charged to the cgroup, observed"},
        {{"cg_dirty_bytes"}, "dirty in the cgroup"},
        {{"cg_writeback_bytes"}, "under writeback in the cgroup"}},
       Levels::cgroup_limit},
      {"Faults, reclaim and refaults in the workload's cgroup",
       "events",
       "events/s",
       Shape::rate,
       {{{"cg_pgfault"}, "faults (cgroup pgfault)"},
        {{"cg_pgmajfault"}, "major faults (cgroup pgmajfault)"},
        {{"cg_pgscan"}, "pages scanned (cgroup pgscan)"},
        {{"cg_pgsteal"}, "pages reclaimed (cgroup pgsteal)"},
        {{"cg_refault"}, "refaults (cgroup)"}}},
  };
  return kPlots;
}

bool varies(const PlotLine& line) {
  double low = INFINITY, high = -INFINITY;
  for (double v : line.y) {
    if (!std::isfinite(v)) continue;
    low = std::min(low, v);
    high = std::max(high, v);
  }
  return std::isfinite(low) && high > low;
}

// The line of one spec, or nullopt when the series lacks one of its columns.
std::optional<PlotLine> host_line(const workloads::Series& series, const LineSpec& spec,
                                  Shape shape) {
  std::vector<double> sum(series.t_s.size(), 0.0);
  for (std::string_view column : spec.columns) {
    auto found = series.columns.find(std::string(column));
    if (found == series.columns.end() || found->second.size() != series.t_s.size())
      return std::nullopt;
    for (size_t i = 0; i < sum.size(); ++i) sum[i] += found->second[i];
  }
  PlotLine line{std::string(spec.label), {}, {}};
  if (shape == Shape::pages || shape == Shape::bytes) {
    line.x = series.t_s;
    for (double v : sum) line.y.push_back(shape == Shape::pages ? v * kPage : v);
    return line;
  }
  // A counter: what happened between two samples, per second; a counter that went backwards (a
  // reset) is a gap, not a negative rate.
  for (size_t i = 1; i < sum.size(); ++i) {
    const double dt = series.t_s[i] - series.t_s[i - 1];
    const double dv = sum[i] - sum[i - 1];
    double rate = dt > 0 && dv >= 0 ? dv / dt : NAN;
    if (shape == Shape::psi_percent) rate = rate / 1e6 * 100;
    line.x.push_back(series.t_s[i]);
    line.y.push_back(rate);
  }
  return line;
}

std::vector<PlotLevel> levels_for(Levels kind, const ModelThresholds* thresholds,
                                  const workloads::Result& result) {
  std::vector<PlotLevel> levels;
  const std::vector<model::Prediction>* from = nullptr;
  if (thresholds && kind == Levels::watermarks) from = &thresholds->watermarks;
  if (thresholds && kind == Levels::dirty) from = &thresholds->dirty;
  if (from) {
    for (const model::Prediction& p : *from) levels.push_back({"predicted " + p.name, p.value});
  }
  if (kind == Levels::cgroup_limit && result.limits.memory_limit_bytes) {
    levels.push_back(
        {"memory limit (set for the run)", static_cast<double>(*result.limits.memory_limit_bytes)});
  }
  return levels;
}

// "model_background_bytes" → "background"; "nr_dirty_bytes" → "nr_dirty".
std::string column_words(std::string_view column) {
  if (column.starts_with("model_")) column.remove_prefix(6);
  for (std::string_view suffix : {"_bytes", "_pages"}) {
    if (column.ends_with(suffix)) column.remove_suffix(suffix.size());
  }
  std::string words(column);
  std::replace(words.begin(), words.end(), '_', ' ');
  return words;
}

// A workload's own series: one plot per unit, its model_… columns as thresholds.
std::vector<Plot> workload_plots(const workloads::Series& series) {
  std::map<std::string, Plot> by_unit;
  for (const auto& [column, values] : series.columns) {
    if (values.size() != series.t_s.size() || values.empty()) continue;
    auto unit_of = series.units.find(column);
    std::string unit = unit_of == series.units.end() ? "" : unit_of->second;
    if (unit == "index") continue;  // which writer, which node: labels, not quantities
    double scale = 1;
    if (unit == "pages") {
      unit = "bytes";
      scale = kPage;
    }
    Plot& plot = by_unit[unit];
    if (plot.title.empty()) {
      plot.title = fmt::format("Workload series \"{}\"{}", series.name,
                               unit.empty() ? "" : fmt::format(" ({})", unit));
      plot.y_label = series.name;
      plot.y_unit = unit;
    }
    const bool model_value = column.starts_with("model_");
    const bool constant =
        std::all_of(values.begin(), values.end(), [first = values.front()](double v) {
          return v == first;  // by value: clang 14 cannot capture a structured binding
        });
    if (model_value && constant) {
      plot.levels.push_back({"predicted " + column_words(column), values.front() * scale});
      continue;
    }
    PlotLine line{
        model_value ? "predicted " + column_words(column) : column + ", observed", series.t_s, {}};
    for (double v : values) line.y.push_back(v * scale);
    plot.lines.push_back(std::move(line));
  }
  std::vector<Plot> plots;
  for (auto& [unit, plot] : by_unit) {
    const bool any = std::any_of(plot.lines.begin(), plot.lines.end(), varies);
    if (any || (!plot.lines.empty() && !plot.levels.empty())) plots.push_back(std::move(plot));
  }
  return plots;
}

model::Prediction bytes_prediction(std::string name, double bytes, model::Explanation why) {
  return {std::move(name), bytes, "bytes", std::move(why)};
}

}  // namespace

std::optional<ModelThresholds> model_thresholds(const facts::HostFacts& facts) {
  if (facts.zones.empty()) return std::nullopt;
  model::HostModel m;
  try {
    m = model::model_host(facts);
  } catch (const Error&) {
    return std::nullopt;  // facts the model cannot use (no managed zone, no min_free_kbytes)
  }
  ModelThresholds t;
  double min = 0, low = 0, high = 0;
  std::string min_terms, low_terms, high_terms;
  for (size_t i = 0; i < m.bands.size() && i < m.zones.size(); ++i) {
    const model::ReclaimBands& b = m.bands[i];
    min += static_cast<double>(b.direct_reclaim_below_bytes);
    low += static_cast<double>(b.kswapd_wakes_below_bytes);
    high += static_cast<double>(b.kswapd_sleeps_at_bytes);
    const std::string zone = fmt::format("{}{}", m.zones[i].zone,
                                         m.zones.size() > 1 && m.zones[i].node != m.zones[0].node
                                             ? fmt::format(" (node {})", m.zones[i].node)
                                             : "");
    auto term = [&](uint64_t bytes) {
      return fmt::format("{} {}", zone, facts::format_bytes(bytes));
    };
    min_terms += (min_terms.empty() ? "" : " + ") + term(b.direct_reclaim_below_bytes);
    low_terms += (low_terms.empty() ? "" : " + ") + term(b.kswapd_wakes_below_bytes);
    high_terms += (high_terms.empty() ? "" : " + ") + term(b.kswapd_sleeps_at_bytes);
  }
  const std::string function =
      m.zones.empty() ? std::string() : m.zones.front().why.kernel_function;
  t.watermarks = {
      bytes_prediction(
          "min watermark", min,
          {"below min, allocations enter direct reclaim; sum over zones, boost included", function,
           min_terms}),
      bytes_prediction(
          "low watermark", low,
          {"below low, kswapd wakes; sum over zones, boost included", function, low_terms}),
      bytes_prediction(
          "high watermark", high,
          {"kswapd sleeps again at high; sum over zones, boost included", function, high_terms})};
  auto dirty = [&](std::string name, const model::Prediction& p) {
    return bytes_prediction(std::move(name), p.value * kPage, p.why);
  };
  t.dirty = {dirty("background writeback threshold", m.dirty.background),
             dirty("free-run ceiling", m.dirty.freerun),
             dirty("hard dirty threshold", m.dirty.threshold)};
  return t;
}

std::vector<Plot> plots_for(const workloads::Result& result, const ModelThresholds* thresholds) {
  std::vector<Plot> plots;
  if (const workloads::Series* host = result.find_series("host")) {
    for (const PlotSpec& spec : host_plots()) {
      Plot plot;
      plot.title = spec.title;
      plot.y_label = spec.y_label;
      plot.y_unit = spec.y_unit;
      for (const LineSpec& line_spec : spec.lines) {
        if (auto line = host_line(*host, line_spec, spec.shape)) plot.lines.push_back(*line);
      }
      plot.levels = levels_for(spec.levels, thresholds, result);
      const bool any = std::any_of(plot.lines.begin(), plot.lines.end(), varies);
      if (plot.lines.empty() || (!any && plot.levels.empty())) continue;
      // Lines that stay flat at zero next to ones that move only crowd the legend.
      std::erase_if(plot.lines, [](const PlotLine& l) {
        return !varies(l) && std::all_of(l.y.begin(), l.y.end(), [](double v) { return v == 0; });
      });
      if (!plot.lines.empty()) plots.push_back(std::move(plot));
    }
  }
  for (const workloads::Series& series : result.series) {
    if (series.name == "host") continue;
    for (Plot& plot : workload_plots(series)) plots.push_back(std::move(plot));
  }
  return plots;
}

}  // namespace mmtune::report
