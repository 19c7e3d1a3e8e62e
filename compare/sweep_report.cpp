// The sweep's numbers: which metrics to show, their summaries per setting, the tests against the
// first setting, and the table and JSON that carry them.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "compare/sweep.hpp"
#include "facts/facts_json.hpp"
#include "facts/units.hpp"

namespace mmtune::compare {
namespace {

using nlohmann::json;

json summary_json(const MetricCell& cell, const std::string& unit) {
  json j = {{"unit", unit}, {"samples", cell.samples}, {"n", cell.samples.size()}};
  if (cell.summary) {
    const Summary& s = *cell.summary;
    j.update({{"median", s.median},
              {"mean", s.mean},
              {"stddev", s.stddev},
              {"min", s.min},
              {"max", s.max},
              {"q1", s.q1},
              {"q3", s.q3}});
  }
  j["vs_reference"] = cell.test ? json{{"u", cell.test->u},
                                       {"p", cell.test->p_two_sided},
                                       {"exact", cell.test->exact},
                                       {"change", cell.change},
                                       {"significant", cell.significant}}
                                : json(nullptr);
  return j;
}

json setting_json(const Setting& setting) {
  json j = json::object();
  for (const auto& [knob, value] : setting) j[knob] = value;
  return j;
}

std::string show(double value, const std::string& unit) { return facts::format_value(value, unit); }

}  // namespace

std::vector<MetricRow> analyze_sweep(const SweepResult& result) {
  // Every measurement name the ok runs reported, in the order first seen.
  std::vector<std::pair<std::string, std::string>> seen;  // name, unit
  for (const SettingRuns& runs : result.settings) {
    for (const workloads::Result& run : runs.runs) {
      if (run.verdict.status != workloads::Status::ok) continue;
      for (const workloads::Measurement& m : run.measurements) {
        auto same = [&](const auto& entry) { return entry.first == m.name; };
        if (std::none_of(seen.begin(), seen.end(), same)) seen.emplace_back(m.name, m.unit);
      }
    }
  }
  std::vector<std::pair<std::string, std::string>> chosen;
  if (result.plan.metrics.empty()) {
    chosen = seen;
  } else {
    for (const std::string& pattern : result.plan.metrics) {
      for (const auto& entry : seen) {
        auto same = [&](const auto& c) { return c.first == entry.first; };
        if (metric_matches(pattern, entry.first) &&
            std::none_of(chosen.begin(), chosen.end(), same))
          chosen.push_back(entry);
      }
    }
  }

  std::vector<MetricRow> rows;
  for (const auto& [name, unit] : chosen) {
    MetricRow row{name, unit, {}};
    for (const SettingRuns& runs : result.settings) {
      MetricCell cell;
      for (const workloads::Result& run : runs.runs) {
        if (run.verdict.status != workloads::Status::ok) continue;
        if (const workloads::Measurement* m = run.find(name)) cell.samples.push_back(m->value);
      }
      if (!cell.samples.empty()) cell.summary = summarize(cell.samples);
      row.cells.push_back(std::move(cell));
    }
    const MetricCell& reference = row.cells.front();
    for (size_t i = 1; i < row.cells.size(); ++i) {
      MetricCell& cell = row.cells[i];
      if (!cell.summary || !reference.summary) continue;
      cell.test = mann_whitney_u(cell.samples, reference.samples);
      const double base = reference.summary->median;
      const double diff = cell.summary->median - base;
      cell.change = base != 0 ? diff / std::fabs(base) : (diff == 0 ? 0 : INFINITY);
      cell.significant =
          cell.test->p_two_sided < kSweepAlpha && std::fabs(cell.change) >= kSweepMinEffect;
    }
    rows.push_back(std::move(row));
  }
  return rows;
}

json sweep_to_json(const SweepResult& result) {
  const SweepPlan& plan = result.plan;
  json parameters = json::object();
  for (const auto& [name, value] : plan.run_plan.params.values) parameters[name] = value.text;
  json knobs = json::array();
  for (const KnobSweep& knob : plan.options.knobs)
    knobs.push_back({{"knob", knob.knob}, {"values", knob.values}});

  const std::vector<MetricRow> rows = analyze_sweep(result);
  json settings = json::array();
  for (size_t i = 0; i < result.settings.size(); ++i) {
    const SettingRuns& runs = result.settings[i];
    json run_list = json::array();
    for (size_t r = 0; r < runs.runs.size(); ++r) {
      run_list.push_back({{"repeat", r < runs.repeats.size() ? runs.repeats[r] : int(r) + 1},
                          {"result", json::parse(workloads::to_json(runs.runs[r], -1))}});
    }
    json metrics = json::object();
    for (const MetricRow& row : rows) metrics[row.name] = summary_json(row.cells[i], row.unit);
    settings.push_back(
        {{"settings", setting_json(runs.setting)}, {"runs", run_list}, {"metrics", metrics}});
  }
  json key_metrics = json::array();
  for (const MetricRow& row : rows) key_metrics.push_back(row.name);
  json invalidated = json::array();
  for (const InvalidatedRun& run : result.invalidated) {
    json moved = json::array();
    for (const workloads::MovedSettingRecord& m : run.moved)
      moved.push_back({{"path", m.path}, {"wrote", m.wrote}, {"now", m.now}});
    invalidated.push_back({{"settings", setting_json(run.setting)},
                           {"repeat", run.repeat},
                           {"moved_settings", moved},
                           {"then", run.dropped ? "dropped" : "repeated"}});
  }
  json governor_stop = nullptr;
  if (const std::optional<GovernorHalt>& halt = result.governor_stop) {
    governor_stop = {{"settings", setting_json(halt->setting)},
                     {"repeat", halt->repeat},
                     {"reason", halt->reason}};
  }
  return {{"schema", kSweepSchema},
          {"workload", plan.options.workload},
          {"parameters", parameters},
          {"host", facts::host_facts_to_json(plan.run_plan.facts)},
          {"knobs", knobs},
          {"original", setting_json(plan.original)},
          {"repeat", plan.options.repeat},
          {"order", "interleaved"},
          {"settle_s", facts::seconds(plan.options.settle)},
          {"significance",
           {{"test", "mann-whitney-u"},
            {"alternative", "two-sided"},
            {"alpha", kSweepAlpha},
            {"min_effect", kSweepMinEffect},
            {"reference", setting_label(plan.settings.front())}}},
          {"key_metrics", key_metrics},
          {"settings", settings},
          {"invalidated", invalidated},
          {"governor_stop", governor_stop},
          {"interrupted", result.interrupted},
          {"notes", result.notes}};
}

std::string render_sweep(const SweepResult& result) {
  const SweepPlan& plan = result.plan;
  std::string text = fmt::format(
      "sweep {}: {} settings × {} repeats, interleaved; each setting applied through the journal "
      "and restored after every run\n",
      plan.options.workload, plan.settings.size(), plan.options.repeat);
  text += fmt::format("before the sweep: {} (restored)\n", setting_label(plan.original));
  const std::vector<MetricRow> rows = analyze_sweep(result);
  if (rows.empty()) text += "\nno run measured any of the metrics to show\n";
  size_t width = 7;
  for (const Setting& setting : plan.settings)
    width = std::max(width, setting_label(setting).size());
  for (const MetricRow& row : rows) {
    text += fmt::format("\n{} ({})\n", row.name, row.unit);
    text += fmt::format("  {:<{}}  {:>14}  {:>31}  {:>2}  {}\n", "setting", width, "median",
                        "spread (min – max)", "n", "vs first");
    for (size_t i = 0; i < row.cells.size(); ++i) {
      const MetricCell& cell = row.cells[i];
      std::string label = setting_label(result.settings[i].setting);
      if (!cell.summary) {
        text += fmt::format("  {:<{}}  {:>14}  {:>31}  {:>2}\n", label, width, "—", "", 0);
        continue;
      }
      const Summary& s = *cell.summary;
      std::string spread = fmt::format("{} – {} (±{:.1f} %)", show(s.min, row.unit),
                                       show(s.max, row.unit), s.range_fraction() * 50);
      std::string versus = "reference";
      if (i > 0) {
        versus = cell.test ? fmt::format("{:+.1f} % (p={:.3f}){}", cell.change * 100,
                                         cell.test->p_two_sided, cell.significant ? " *" : "")
                           : "—";
      }
      text += fmt::format("  {:<{}}  {:>14}  {:>31}  {:>2}  {}\n", label, width,
                          show(s.median, row.unit), spread, s.n, versus);
    }
  }
  text += fmt::format(
      "\n* significant: Mann-Whitney U, two-sided, p < {:g}, against the first setting, and the "
      "medians differ by at least {:g} %\n",
      kSweepAlpha, kSweepMinEffect * 100);
  const size_t n = size_t(plan.options.repeat);
  if (smallest_two_sided_p(n, n) >= kSweepAlpha) {
    text += fmt::format(
        "  with {} repeats per setting no difference can reach p < {:g} (the smallest possible p "
        "is {:.2f}): use --repeat 4 or more\n",
        n, kSweepAlpha, smallest_two_sided_p(n, n));
  }
  for (const std::string& note : result.notes) text += fmt::format("note: {}\n", note);
  if (!result.invalidated.empty()) {
    const auto dropped = std::count_if(result.invalidated.begin(), result.invalidated.end(),
                                       [](const InvalidatedRun& run) { return run.dropped; });
    text += fmt::format(
        "invalid: {} runs stood on a setting someone else changed ({} repeated, {} dropped); the "
        "table holds the runs under which nothing moved\n",
        result.invalidated.size(), result.invalidated.size() - size_t(dropped), dropped);
  }
  if (result.governor_stop) {
    text +=
        fmt::format("stopped by the governor at {} repeat {}: the table holds the runs before\n",
                    setting_label(result.governor_stop->setting), result.governor_stop->repeat);
  }
  if (result.interrupted) text += "interrupted: the table holds the runs finished before\n";
  return text;
}

}  // namespace mmtune::compare
