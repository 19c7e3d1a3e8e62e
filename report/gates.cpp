// The report's sections for a sweep, a check and a search (report/sections.hpp).
#include <fmt/format.h>

#include <cmath>
#include <cstdlib>
#include <optional>

#include "compare/stats.hpp"
#include "facts/units.hpp"
#include "report/sections.hpp"
#include "workloads/result.hpp"

namespace mmtune::report {
namespace {

std::string show(double value, std::string_view unit) { return facts::format_value(value, unit); }

std::string status_text(const workloads::Verdict& v) {
  return fmt::format("{}{}", workloads::status_name(v.status),
                     v.reason.empty() ? "" : ": " + v.reason);
}

std::string knob_names(const std::vector<compare::KnobSweep>& knobs) {
  std::string names;
  for (const compare::KnobSweep& knob : knobs) names += (names.empty() ? "" : ", ") + knob.knob;
  return names;
}

ReportTable sweep_metric_table(const compare::SweepResult& sweep, const compare::MetricRow& row) {
  ReportTable table{
      "", {"setting", "n", "median", "spread (min – max)", "vs the first setting"}, {}};
  for (size_t i = 0; i < row.cells.size(); ++i) {
    const compare::MetricCell& cell = row.cells[i];
    const std::string label = compare::setting_label(sweep.settings[i].setting);
    if (!cell.summary) {
      table.rows.push_back({label, "0", "no ok run measured it", "", ""});
      continue;
    }
    const compare::Summary& s = *cell.summary;
    std::string versus = "reference";
    if (i > 0) {
      versus = cell.test
                   ? fmt::format("{:+.1f} % (p = {:.3f}){}", cell.change * 100,
                                 cell.test->p_two_sided, cell.significant ? ", significant" : "")
                   : "not compared (no samples on one side)";
    }
    table.rows.push_back({label, fmt::format("{}", s.n), show(s.median, row.unit),
                          fmt::format("{} – {} (±{:.1f} %)", show(s.min, row.unit),
                                      show(s.max, row.unit), s.range_fraction() * 50),
                          versus});
  }
  return table;
}

// A metric's values against the repeat they came from (1, 2, …), every sample marked.
Plot per_repeat_plot(std::string title, const std::string& metric, const std::string& unit) {
  Plot plot;
  plot.title = std::move(title);
  plot.y_label = metric;
  plot.y_unit = unit;
  plot.x_label = "repeat";
  plot.x_unit = "";
  plot.x_counts = true;
  return plot;
}

// Each setting's samples by repeat: drift of the host over the sweep shows as a common slope,
// a real effect as lines apart.
Plot sweep_metric_plot(const compare::SweepResult& sweep, const compare::MetricRow& row) {
  Plot plot =
      per_repeat_plot(fmt::format("{} per repeat, each setting", row.name), row.name, row.unit);
  for (const compare::SettingRuns& runs : sweep.settings) {
    PlotLine line{fmt::format("{}, observed", compare::setting_label(runs.setting)), {}, {}};
    for (size_t r = 0; r < runs.runs.size(); ++r) {
      if (runs.runs[r].verdict.status != workloads::Status::ok) continue;
      if (const workloads::Measurement* m = runs.runs[r].find(row.name)) {
        line.x.push_back(static_cast<double>(r + 1));
        line.y.push_back(m->value);
      }
    }
    plot.lines.push_back(std::move(line));
  }
  return plot;
}

Tone check_tone(const compare::CheckReport& check) {
  if (check.count(compare::TestStatus::fail) > 0 || check.interrupted) return Tone::bad;
  if (compare::check_exit_code(check) == 3) return Tone::warning;
  return Tone::good;
}

Plot check_metric_plot(const compare::MetricVerdict& v) {
  Plot plot = per_repeat_plot(fmt::format("{}: baseline and this host, per repeat", v.name), v.name,
                              v.unit);
  auto samples = [](std::string label, const std::vector<double>& values) {
    PlotLine line{std::move(label), {}, values};
    for (size_t i = 0; i < values.size(); ++i) line.x.push_back(static_cast<double>(i + 1));
    return line;
  };
  plot.lines.push_back(samples("baseline samples, observed then", v.baseline));
  plot.lines.push_back(samples("samples here, observed now", v.now));
  plot.levels.push_back({"baseline median", v.baseline_median});
  // Worse beyond the allowance (and significantly so) is a regression: the line marks where
  // "beyond the allowance" starts for a median, baseline median ± allowance.
  const bool lower_is_better = v.direction == "lower";
  plot.levels.push_back(
      {"regression limit", v.baseline_median + (lower_is_better ? v.allowance : -v.allowance)});
  return plot;
}

}  // namespace

void add_sweep(ReportDocument& doc, const compare::SweepResult& sweep) {
  const compare::SweepPlan& plan = sweep.plan;
  ReportSection section{
      2,
      fmt::format("Sweep of {} over {}", plan.options.workload, knob_names(plan.options.knobs)),
      {}};
  std::string design = fmt::format(
      "{} settings × {} repeats, interleaved (repeat r runs every setting once before repeat r + "
      "1); each setting applied through the journal{}, and restored after every run. Before the "
      "sweep: {} (restored).",
      sweep.settings.size(), plan.options.repeat,
      plan.options.settle > std::chrono::nanoseconds::zero()
          ? fmt::format(", left to settle {:g} s", facts::seconds(plan.options.settle))
          : "",
      compare::setting_label(plan.original));
  if (sweep.interrupted) design += " Interrupted: the tables hold the runs finished before.";
  section.blocks.push_back(ReportParagraph{design, sweep.interrupted ? Tone::bad : Tone::plain});
  std::string rule = fmt::format(
      "Significant: Mann-Whitney U, two-sided, p < {:g}, against the first setting ({}), and the "
      "medians differ by at least {:g} %.",
      compare::kSweepAlpha, compare::setting_label(sweep.settings.front().setting),
      compare::kSweepMinEffect * 100);
  const size_t n = static_cast<size_t>(std::max(plan.options.repeat, 0));
  if (n > 0 && compare::smallest_two_sided_p(n, n) >= compare::kSweepAlpha) {
    rule += fmt::format(
        " With {} repeats per setting no difference can reach p < {:g} (the smallest possible p "
        "is {:.2f}): use --repeat 4 or more.",
        n, compare::kSweepAlpha, compare::smallest_two_sided_p(n, n));
  }
  section.blocks.push_back(ReportParagraph{rule});
  ReportTable runs{"Every run", {"setting", "repeat", "status", "time"}, {}};
  for (const compare::SettingRuns& setting : sweep.settings) {
    for (size_t r = 0; r < setting.runs.size(); ++r) {
      runs.rows.push_back({compare::setting_label(setting.setting), fmt::format("{}", r + 1),
                           status_text(setting.runs[r].verdict),
                           fmt::format("{:.2f} s", setting.runs[r].wall_s)});
    }
  }
  section.blocks.push_back(std::move(runs));
  if (!sweep.notes.empty()) section.blocks.push_back(ReportList{"Notes:", sweep.notes});
  const std::vector<compare::MetricRow> rows = compare::analyze_sweep(sweep);
  if (rows.empty())
    section.blocks.push_back(ReportParagraph{"No run measured any of the metrics to show."});
  doc.sections.push_back(std::move(section));

  for (const compare::MetricRow& row : rows) {
    ReportSection metric{3, fmt::format("{} ({}) across settings", row.name, row.unit), {}};
    metric.blocks.push_back(sweep_metric_table(sweep, row));
    Plot plot = sweep_metric_plot(sweep, row);
    ReportTable numbers = plot_table(plot);
    metric.blocks.push_back(std::move(plot));
    metric.blocks.push_back(std::move(numbers));
    doc.sections.push_back(std::move(metric));
  }
  // One run per setting in full, with the model's thresholds for the host as that run read it
  // (under the setting): the time series behind the numbers above.
  for (const compare::SettingRuns& setting : sweep.settings) {
    if (setting.runs.empty()) continue;
    add_run(doc,
            fmt::format("Setting {}: repeat 1 of {}", compare::setting_label(setting.setting),
                        setting.runs.size()),
            {}, setting.runs.front());
  }
}

void add_check(ReportDocument& doc, const compare::CheckReport& check) {
  ReportSection section{2,
                        fmt::format("Check of {}/{} against the baseline", check.baseline.profile,
                                    check.baseline.scenario),
                        {}};
  std::string counts = fmt::format(
      "{} passed, {} failed, {} skipped (exit code {}): {} repeats here, took {:.1f} s, started "
      "{}; baseline {}, made {}.",
      check.count(compare::TestStatus::pass), check.count(compare::TestStatus::fail),
      check.count(compare::TestStatus::skip), compare::check_exit_code(check), check.repeats,
      check.wall_s, check.started_at, check.baseline_file, check.baseline.created_at);
  if (check.interrupted) counts += " Interrupted: the tests cover the repeats that finished.";
  section.blocks.push_back(ReportParagraph{counts, check_tone(check)});
  section.blocks.push_back(ReportParagraph{fmt::format(
      "A metric regressed when it is worse here, significantly (Mann-Whitney U, one-sided, p < "
      "{:g}), and by more than its allowance, max(tolerance × |baseline median|, absolute, "
      "baseline range); worse "
      "beyond the allowance but not significantly is noisy and passes; fewer than {} samples on "
      "either side skips.",
      compare::kCheckAlpha, compare::kMinRepeats)});
  ReportTable tests{"Tests", {"suite", "test", "result", "verdict", "summary"}, {}};
  for (const compare::CheckTest& test : check.tests) {
    tests.rows.push_back({test.suite, test.name, std::string(to_string(test.status)), test.verdict,
                          test.skip_reason.empty()
                              ? test.summary
                              : fmt::format("{} (skipped: {})", test.summary, test.skip_reason)});
  }
  section.blocks.push_back(std::move(tests));
  if (!check.metrics.empty()) {
    ReportTable metrics{"Performance against the baseline (medians)",
                        {"metric", "better", "baseline", "here", "change", "worse by", "allowance",
                         "p (worse)", "verdict"},
                        {}};
    for (const compare::MetricVerdict& v : check.metrics) {
      metrics.rows.push_back({v.name, v.direction, show(v.baseline_median, v.unit),
                              show(v.now_median, v.unit), fmt::format("{:+.1f} %", v.change * 100),
                              show(v.worse_by, v.unit), show(v.allowance, v.unit),
                              fmt::format("{:.3f}", v.p_worse), v.verdict});
    }
    section.blocks.push_back(std::move(metrics));
  }
  if (!check.notes.empty()) section.blocks.push_back(ReportList{"Notes:", check.notes});
  doc.sections.push_back(std::move(section));

  for (const compare::MetricVerdict& v : check.metrics) {
    if (v.baseline.empty() && v.now.empty()) continue;
    Plot plot = check_metric_plot(v);
    ReportSection metric{3, plot.title, {}};
    ReportTable numbers = plot_table(plot);
    metric.blocks.push_back(std::move(plot));
    metric.blocks.push_back(std::move(numbers));
    doc.sections.push_back(std::move(metric));
  }
}

namespace {

Plot convergence_plot(const OptimizeDocument& d) {
  Plot plot;
  plot.title = fmt::format("{} per trial, and the best so far", d.metric);
  plot.y_label = d.metric;
  plot.y_unit = d.unit;
  plot.x_label = "trial";
  plot.x_unit = "";
  plot.x_counts = true;
  PlotLine measured{fmt::format("{}, observed", d.metric), {}, {}};
  PlotLine best{"best so far (the search's estimate)", {}, {}};
  for (const OptimizeTrialRow& t : d.trials) {
    if (t.objective) {
      measured.x.push_back(t.index);
      measured.y.push_back(*t.objective);
    }
    if (t.incumbent) {
      best.x.push_back(t.index);
      best.y.push_back(*t.incumbent);
    }
  }
  plot.lines.push_back(std::move(measured));
  plot.lines.push_back(std::move(best));
  return plot;
}

// One knob's values over the trials (numeric knobs only; enumerations are in the table).
std::optional<Plot> explored_plot(const OptimizeDocument& d, const std::string& knob) {
  Plot plot;
  plot.title = fmt::format("{} tried, per trial", knob);
  plot.y_label = knob;
  plot.y_unit = knob.ends_with("_bytes") ? "bytes" : "";
  plot.x_label = "trial";
  plot.x_unit = "";
  plot.x_counts = true;
  PlotLine line{fmt::format("{}, set for the trial", knob), {}, {}};
  for (const OptimizeTrialRow& t : d.trials) {
    for (const auto& [name, value] : t.values) {
      if (name != knob) continue;
      char* end = nullptr;
      const double number = std::strtod(value.c_str(), &end);
      if (end == value.c_str() || *end != '\0') return std::nullopt;
      if (t.kind == "start") continue;  // the host's own form (0 = the other form in use)
      line.x.push_back(t.index);
      line.y.push_back(number);
    }
  }
  if (line.x.empty()) return std::nullopt;
  plot.lines.push_back(std::move(line));
  return plot;
}

std::string best_text(const OptimizeDocument& d) {
  if (!d.best) return "No setting was measured that meets every constraint.";
  std::string text = fmt::format(
      "Best: {}. Estimate {} (95 % interval {} – {}, from {}); median of its {} runs {}.", *d.best,
      show(d.estimate, d.unit), show(d.low, d.unit), show(d.high, d.unit), d.estimate_source,
      d.best_runs, show(d.best_median, d.unit));
  if (d.p && d.change) {
    text += fmt::format(
        " Against the starting settings: {:+.1f} % (Mann-Whitney U, two-sided, p = {:.3f}): {}.",
        *d.change * 100, *d.p,
        d.significant ? "significant" : "not significant (p ≥ 0.05 or under 5 %)");
  }
  return text;
}

}  // namespace

void add_optimize(ReportDocument& doc, const OptimizeDocument& d) {
  std::string knobs;
  for (const std::string& knob : d.knobs) knobs += (knobs.empty() ? "" : ", ") + knob;
  ReportSection section{2, fmt::format("Search of {} over {}", d.workload, knobs), {}};
  std::string design = fmt::format(
      "{} {} in at most {} runs (seed {}), by Bayesian optimisation (docs/optimize.md); each "
      "setting applied through the journal and restored after every run. Before the search: {} "
      "(restored). Stopped: {} after {} runs.",
      d.direction == "max" ? "Maximise" : "Minimise", d.metric, d.budget, d.seed, d.original,
      d.stopped, d.trials.size());
  if (!d.constraints.empty()) {
    std::string list;
    for (const std::string& c : d.constraints) list += (list.empty() ? "" : ", ") + c;
    design += fmt::format(" Constraints: {}.", list);
  }
  if (d.interrupted) design += " Interrupted: the trials are those finished before.";
  section.blocks.push_back(ReportParagraph{design, d.interrupted ? Tone::bad : Tone::plain});
  section.blocks.push_back(ReportParagraph{best_text(d), d.significant ? Tone::good : Tone::plain});
  if (!d.thresholds.empty())
    section.blocks.push_back(ReportList{"What the model says moved:", d.thresholds});
  if (!d.notes.empty()) section.blocks.push_back(ReportList{"Notes:", d.notes});
  Plot convergence = convergence_plot(d);
  ReportTable numbers = plot_table(convergence);
  section.blocks.push_back(std::move(convergence));
  section.blocks.push_back(std::move(numbers));
  for (const std::string& knob : d.knobs) {
    if (std::optional<Plot> plot = explored_plot(d, knob)) section.blocks.push_back(*plot);
  }
  ReportTable trials{"Every trial", {"#", "kind", "setting", d.metric, "best so far", "why"}, {}};
  for (const OptimizeTrialRow& t : d.trials) {
    std::string why = t.why;
    if (t.feasible && !*t.feasible) why += " (misses a constraint)";
    trials.rows.push_back({fmt::format("{}", t.index), t.kind, t.setting,
                           t.objective ? show(*t.objective, d.unit) : "failed",
                           t.incumbent ? show(*t.incumbent, d.unit) : "—", why});
  }
  section.blocks.push_back(std::move(trials));
  doc.sections.push_back(std::move(section));
}

}  // namespace mmtune::report
