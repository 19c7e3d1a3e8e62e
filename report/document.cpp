#include "report/document.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "facts/units.hpp"
#include "model/prediction.hpp"
#include "report/answer.hpp"
#include "report/plots.hpp"
#include "report/sections.hpp"

namespace mmtune::report {
namespace {

std::string show(double value, std::string_view unit) { return facts::format_value(value, unit); }

Tone tone_of(workloads::Status status) {
  switch (status) {
    case workloads::Status::ok:
      return Tone::good;
    case workloads::Status::skipped:
      return Tone::warning;
    case workloads::Status::failed:
      return Tone::bad;
  }
  return Tone::bad;
}

std::string params_text(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string text;
  for (const auto& [name, value] : params)
    text += fmt::format("{}--{} {}", text.empty() ? "" : " ", name, value);
  return text;
}

// The same lines as the advisor's Markdown host section, so a reader of both sees one host.
ReportList host_list(const advisor::HostSummary& h) {
  ReportList list;
  list.items.push_back(
      fmt::format("kernel {}, {} CPUs, {} RAM{}", h.kernel.empty() ? "unknown" : h.kernel, h.cpus,
                  facts::format_bytes(h.mem_total_bytes),
                  h.mem_available_bytes
                      ? fmt::format(" ({} available)", facts::format_bytes(*h.mem_available_bytes))
                      : ""));
  std::string devices;
  for (const std::string& d : h.swap_devices) devices += (devices.empty() ? "" : ", ") + d;
  list.items.push_back(
      h.swap_total_bytes
          ? fmt::format("swap {} ({})", facts::format_bytes(h.swap_total_bytes), devices)
          : "no swap");
  list.items.push_back(fmt::format(
      "{} NUMA node{}; {} LRU; memory cgroup {}", h.numa_nodes, h.numa_nodes == 1 ? "" : "s",
      h.mglru ? "multi-gen (MGLRU)" : "classic",
      h.cgroup_version ? fmt::format("v{}", h.cgroup_version) : std::string("controller absent")));
  list.items.push_back(fmt::format("THP enabled={} defrag={}", h.thp_enabled.value_or("absent"),
                                   h.thp_defrag.value_or("absent")));
  return list;
}

// What the kernel itself reported in the same snapshot, beside the model's thresholds.
std::vector<std::optional<double>> kernel_watermarks(const facts::HostFacts& facts) {
  double min = 0, low = 0, high = 0;
  bool any = false;
  for (const facts::Zone& z : facts.zones) {
    if (z.managed_pages == 0) continue;
    any = true;
    min += static_cast<double>(z.min_pages);
    low += static_cast<double>(z.low_pages);
    high += static_cast<double>(z.high_pages);
  }
  const double page = static_cast<double>(model::kPageSize);
  if (!any) return {std::nullopt, std::nullopt, std::nullopt};
  return {min * page, low * page, high * page};
}

std::vector<std::optional<double>> kernel_dirty(const facts::HostFacts& facts) {
  const double page = static_cast<double>(model::kPageSize);
  auto pages = [&](const char* key) -> std::optional<double> {
    if (auto v = facts.vmstat.get(key)) return static_cast<double>(*v) * page;
    return std::nullopt;
  };
  return {pages("nr_dirty_background_threshold"), std::nullopt, pages("nr_dirty_threshold")};
}

ReportSection host_section(const advisor::HostSummary& summary, const facts::HostFacts* facts) {
  ReportSection section{2, "Host", {host_list(summary)}};
  if (!facts) return section;
  const std::optional<ModelThresholds> t = model_thresholds(*facts);
  if (!t) {
    section.blocks.push_back(ReportParagraph{
        "The model derives no thresholds from these facts (no zone with managed pages)."});
    return section;
  }
  ReportTable table{
      "Thresholds the model derives for these settings (drawn as dashed lines on "
      "the plots), beside what the kernel reported when the facts were read",
      {"threshold", "predicted by the model", "the kernel reports", "how"},
      {}};
  auto add = [&](const std::vector<model::Prediction>& predictions,
                 const std::vector<std::optional<double>>& kernel) {
    for (size_t i = 0; i < predictions.size(); ++i) {
      const model::Prediction& p = predictions[i];
      std::string reported = "not reported";
      if (i < kernel.size() && kernel[i].has_value()) reported = show(kernel[i].value(), "bytes");
      table.rows.push_back(
          {p.name, show(p.value, p.unit), reported,
           fmt::format("{}: {}{}", p.why.rule, p.why.text,
                       p.why.kernel_function.empty()
                           ? ""
                           : fmt::format(" (mirrors {})", p.why.kernel_function))});
    }
  };
  add(t->watermarks, kernel_watermarks(*facts));
  add(t->dirty, kernel_dirty(*facts));
  section.blocks.push_back(std::move(table));
  return section;
}

ReportSection scenario_section(const advisor::ScenarioRun& run) {
  ReportSection section{2, fmt::format("Scenario {} of profile {}", run.scenario, run.profile), {}};
  std::string bounds =
      fmt::format("Bounds: {:g} s in all, each step at most {} ({}); took {:.1f} s.",
                  run.time_budget_s, facts::format_bytes(run.memory_budget_bytes),
                  run.memory_cgroup ? "memory cgroup limit and size cap"
                                    : "size cap; no memory cgroup controller",
                  run.wall_s);
  if (run.peak_cgroup_bytes) {
    bounds += fmt::format(" Peak memory of a step's cgroup: {}.",
                          facts::format_bytes(*run.peak_cgroup_bytes));
  }
  bounds += fmt::format(" Largest workload process RSS: {}.",
                        facts::format_bytes(run.peak_child_rss_bytes));
  if (run.interrupted) bounds += " Interrupted: the steps after the last one shown did not run.";
  section.blocks.push_back(ReportParagraph{bounds, run.interrupted ? Tone::bad : Tone::plain});
  ReportTable steps{"", {"step", "workload", "parameters", "status", "time"}, {}};
  for (const advisor::StepOutcome& step : run.steps) {
    const workloads::Verdict& v = step.result.verdict;
    steps.rows.push_back({step.id, step.workload, params_text(step.params),
                          fmt::format("{}{}", workloads::status_name(v.status),
                                      v.reason.empty() ? "" : ": " + v.reason),
                          fmt::format("{:.1f} s", step.result.wall_s)});
  }
  section.blocks.push_back(std::move(steps));
  if (!run.notes.empty()) section.blocks.push_back(ReportList{"Notes:", run.notes});
  return section;
}

std::string predicted_text(const workloads::Expectation& e) {
  if (e.low && e.high && *e.low != *e.high) {
    return fmt::format("{} – {}", show(*e.low, e.prediction.unit),
                       show(*e.high, e.prediction.unit));
  }
  return show(e.prediction.value, e.prediction.unit);
}

ReportTable measurement_table(const workloads::Result& r) {
  ReportTable table{"Measured on this host, beside the model's prediction for it",
                    {"measurement", "measured here", "predicted by the model", "deviation",
                     "verdict", "how it was measured"},
                    {}};
  for (const workloads::Measurement& m : r.measurements) {
    std::vector<std::string> row{
        m.name, show(m.value, m.unit), "", "", "", fmt::format("{}: {}", m.source, m.counter)};
    if (const workloads::Expectation* e = r.prediction_for(m.name)) {
      row[2] = predicted_text(*e);
      for (const workloads::Comparison& c : r.comparisons) {
        if (c.metric != m.name) continue;
        if (c.predicted != 0 && std::isfinite(c.deviation))
          row[3] = fmt::format("{:+.2f} %", c.deviation * 100);
        std::string verdict = !c.within ? "informational" : (*c.within ? "within" : "OUTSIDE");
        if (c.tolerance) verdict += fmt::format(" ±{:g} %", *c.tolerance * 100);
        if (e->low && e->high && c.within) verdict += " the model's range";
        row[4] = verdict;
      }
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

std::optional<ReportList> other_predictions(const workloads::Result& r) {
  ReportList list{"The model also predicts (nothing here measures these directly):", {}};
  for (const workloads::Expectation& e : r.predictions) {
    if (!e.metric.empty() && r.find(e.metric)) continue;
    const model::Prediction& p = e.prediction;
    list.items.push_back(fmt::format(
        "{} = {} — {}; {}{}", e.metric.empty() ? p.name : e.metric, predicted_text(e), p.why.rule,
        p.why.text,
        p.why.kernel_function.empty() ? "" : fmt::format(" (mirrors {})", p.why.kernel_function)));
  }
  if (list.items.empty()) return std::nullopt;
  return list;
}

std::optional<ReportTable> phase_table(const workloads::Result& r) {
  if (r.phases.empty()) return std::nullopt;
  ReportTable table{
      "Phases (getrusage of the workload process over each phase)",
      {"phase", "from", "to", "minor faults", "major faults", "user CPU", "system CPU"},
      {}};
  for (const workloads::Phase& p : r.phases) {
    const workloads::Rusage& u = p.rusage_delta;
    table.rows.push_back({p.name, fmt::format("{:.3f} s", p.start_s),
                          fmt::format("{:.3f} s", p.end_s),
                          show(static_cast<double>(u.minor_faults), "faults"),
                          show(static_cast<double>(u.major_faults), "faults"),
                          fmt::format("{:.3f} s", u.user_s), fmt::format("{:.3f} s", u.system_s)});
  }
  return table;
}

}  // namespace

ReportTable plot_table(const Plot& plot) {
  ReportTable table{"", {"line", "kind", "values"}, {}};
  for (const PlotLine& line : plot.lines) {
    double low = INFINITY, high = -INFINITY, first = NAN, last = NAN;
    size_t n = 0;
    for (double v : line.y) {
      if (!std::isfinite(v)) continue;
      if (n++ == 0) first = v;
      last = v;
      low = std::min(low, v);
      high = std::max(high, v);
    }
    const bool predicted = line.label.starts_with("predicted");
    table.rows.push_back({line.label, predicted ? "predicted by the model" : "observed",
                          n == 0
                              ? std::string("no samples")
                              : fmt::format("{} samples: first {}, lowest {}, highest {}, last {}",
                                            n, show(first, plot.y_unit), show(low, plot.y_unit),
                                            show(high, plot.y_unit), show(last, plot.y_unit))});
  }
  for (const PlotLevel& level : plot.levels) {
    const bool predicted = level.label.starts_with("predicted");
    table.rows.push_back({level.label, predicted ? "predicted by the model" : "reference line",
                          show(level.y, plot.y_unit)});
  }
  return table;
}

void add_run(ReportDocument& doc, const std::string& title,
             const std::vector<std::pair<std::string, std::string>>& params,
             const workloads::Result& r) {
  ReportSection section{2, title, {}};
  const workloads::Verdict& v = r.verdict;
  section.blocks.push_back(ReportParagraph{
      fmt::format("Verdict: {}{}{} — {} took {:.2f} s{}.", workloads::status_name(v.status),
                  v.reason.empty() ? "" : ": ", v.reason, r.workload, r.wall_s,
                  r.started_at.empty() ? "" : fmt::format(", started {}", r.started_at)),
      tone_of(v.status)});
  // By name: the result's JSON keeps its parameters as an object, whose keys come back sorted, and
  // a report rendered from the saved file must read the same as one rendered from the run itself.
  std::vector<const workloads::ParamRecord*> by_name;
  for (const workloads::ParamRecord& p : r.parameters) by_name.push_back(&p);
  std::ranges::sort(by_name, {}, &workloads::ParamRecord::name);
  std::string parameters;
  for (const workloads::ParamRecord* p : by_name)
    parameters += fmt::format("{}--{} {}", parameters.empty() ? "" : " ", p->name, p->text);
  if (parameters.empty()) parameters = params_text(params);
  if (!parameters.empty()) section.blocks.push_back(ReportParagraph{"Parameters: " + parameters});
  if (r.limits.memory_limit_bytes || r.limits.size_cap_bytes) {
    section.blocks.push_back(ReportParagraph{fmt::format(
        "Bounds: maps at most {} (size cap {}{}){}; time limit {:g} s.",
        facts::format_bytes(r.limits.footprint_bytes), facts::format_bytes(r.limits.size_cap_bytes),
        r.limits.forced ? ", lifted by --force" : "",
        r.limits.memory_limit_bytes ? fmt::format(", in a memory cgroup limited to {}",
                                                  facts::format_bytes(*r.limits.memory_limit_bytes))
                                    : "",
        r.limits.time_limit_s)});
  }
  if (!r.measurements.empty()) section.blocks.push_back(measurement_table(r));
  if (auto others = other_predictions(r)) section.blocks.push_back(std::move(*others));
  if (auto phases = phase_table(r)) section.blocks.push_back(std::move(*phases));
  if (!r.explanation.empty()) section.blocks.push_back(ReportList{"Explanation:", r.explanation});
  if (!r.notes.empty()) section.blocks.push_back(ReportList{"Notes:", r.notes});
  doc.sections.push_back(std::move(section));

  const std::optional<ModelThresholds> thresholds = model_thresholds(r.host);
  for (Plot& plot : plots_for(r, thresholds ? &*thresholds : nullptr)) {
    ReportSection plot_section{3, plot.title, {}};
    ReportTable numbers = plot_table(plot);
    plot_section.blocks.push_back(std::move(plot));
    plot_section.blocks.push_back(std::move(numbers));
    doc.sections.push_back(std::move(plot_section));
  }
}

ReportDocument build_report(const ReportInput& input) {
  ReportDocument doc;
  if (input.result) {
    doc.title = fmt::format("mmtune report: run of {}", input.result->workload);
  } else if (input.scenario && input.advice && !input.advice_from_scenario) {
    doc.title = fmt::format("mmtune report: tune for profile {}", input.advice->profile);
  } else if (input.scenario) {
    doc.title = fmt::format("mmtune report: scenario {} of profile {}", input.scenario->scenario,
                            input.scenario->profile);
  } else if (input.sweep) {
    doc.title = fmt::format("mmtune report: sweep of {}", input.sweep->plan.options.workload);
  } else if (input.optimize) {
    doc.title = fmt::format("mmtune report: search of {}", input.optimize->workload);
  } else if (input.check) {
    doc.title = fmt::format("mmtune report: check of {}/{}", input.check->baseline.profile,
                            input.check->baseline.scenario);
  } else if (input.advice) {
    doc.title = fmt::format("mmtune report: advice for profile {}", input.advice->profile);
  } else {
    doc.title = "mmtune report: host";
  }
  doc.summary = fmt::format("Rendered from a {} document.", input.schema);
  if (input.advice_from_scenario) {
    doc.summary += fmt::format(
        " The advice is profile {}'s for this scenario's measurements (as `mmtune advise --from` "
        "gives it).",
        input.advice->profile);
  }
  if (input.advice && !input.advice->profile_summary.empty()) {
    doc.summary += fmt::format(" Profile {}: {} ({}).", input.advice->profile,
                               input.advice->profile_summary, input.advice->profile_file);
  }

  // The answer first: what to change and what it stands on; then the details.
  if (input.advice) {
    for (ReportSection& section : answer_sections(*input.advice))
      doc.sections.push_back(std::move(section));
  }
  if (input.scenario) doc.sections.push_back(scenario_section(*input.scenario));
  if (input.host) {
    doc.sections.push_back(host_section(advisor::summarize_host(*input.host), &*input.host));
  } else if (input.advice) {
    doc.sections.push_back(host_section(input.advice->host, nullptr));
  }
  if (input.scenario) {
    for (const advisor::StepOutcome& step : input.scenario->steps) {
      add_run(doc, fmt::format("Step {}: {}", step.id, step.workload), step.params, step.result);
    }
  }
  if (input.result) add_run(doc, fmt::format("Run: {}", input.result->workload), {}, *input.result);
  if (input.sweep) add_sweep(doc, *input.sweep);
  if (input.check) add_check(doc, *input.check);
  if (input.optimize) add_optimize(doc, *input.optimize);
  doc.advice = input.advice;
  return doc;
}

}  // namespace mmtune::report
