// The Markdown report, answer first (report/answer.hpp): what to change and the evidence it stands
// on; then the scenario run, the host, and per knob the reasoning, the model's numbers, the
// measurements and the sources.
#include <fmt/format.h>

#include "advisor/sources.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"
#include "report/advice_parts.hpp"
#include "report/advice_render.hpp"
#include "report/answer.hpp"
#include "report/markdown.hpp"
#include "workloads/params.hpp"

namespace mmtune::report {

// Keeps a cell on one line and its pipes from splitting the table.
std::string markdown_cell(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '|') {
      out += "\\|";
    } else if (c == '\n') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

std::string host_section(const advisor::HostSummary& h) {
  std::string out = "## Host\n\n";
  out += fmt::format(
      "- kernel {}, {} CPUs, {} RAM{}\n", h.kernel, h.cpus, facts::format_bytes(h.mem_total_bytes),
      h.mem_available_bytes
          ? fmt::format(" ({} available)", facts::format_bytes(*h.mem_available_bytes))
          : "");
  std::string devices;
  for (const std::string& d : h.swap_devices) devices += (devices.empty() ? "" : ", ") + d;
  out += h.swap_total_bytes
             ? fmt::format("- swap {} ({})\n", facts::format_bytes(h.swap_total_bytes), devices)
             : "- no swap\n";
  out += fmt::format(
      "- {} NUMA node{}; {} LRU; memory cgroup {}\n", h.numa_nodes, h.numa_nodes == 1 ? "" : "s",
      h.mglru ? "multi-gen (MGLRU)" : "classic",
      h.cgroup_version ? fmt::format("v{}", h.cgroup_version) : std::string("controller absent"));
  out += fmt::format("- THP enabled={} defrag={}\n", h.thp_enabled.value_or("absent"),
                     h.thp_defrag.value_or("absent"));
  return out;
}

std::string run_section(const advisor::ScenarioRun& run) {
  std::string out = fmt::format("## Evidence: scenario `{}`\n\n", run.scenario);
  out += fmt::format("Bounds: {:g} s in all, each step at most {} ({}); took {:.1f} s.",
                     run.time_budget_s, facts::format_bytes(run.memory_budget_bytes),
                     run.memory_cgroup ? "memory cgroup limit and size cap"
                                       : "size cap; no memory cgroup controller",
                     run.wall_s);
  if (run.peak_cgroup_bytes) {
    out += fmt::format(" Peak memory of a step's cgroup: {}.",
                       facts::format_bytes(*run.peak_cgroup_bytes));
  }
  out += fmt::format(" Largest workload process RSS: {}.\n\n",
                     facts::format_bytes(run.peak_child_rss_bytes));
  out += "| step | workload | parameters | status | time |\n|---|---|---|---|---|\n";
  for (const advisor::StepOutcome& step : run.steps) {
    std::string params;
    for (const auto& [name, value] : step.params)
      params += fmt::format("{}--{} {}", params.empty() ? "" : " ", name, value);
    const workloads::Verdict& v = step.result.verdict;
    out += fmt::format("| {} | {} | {} | {}{} | {:.1f} s |\n", step.id, step.workload,
                       markdown_cell(params), workloads::status_name(v.status),
                       v.reason.empty() ? "" : ": " + markdown_cell(v.reason), step.result.wall_s);
  }
  if (!run.notes.empty()) out += "\n";
  for (const std::string& note : run.notes) out += fmt::format("- note: {}\n", note);
  for (const advisor::StepOutcome& step : run.steps) {
    if (step.result.explanation.empty() && step.result.notes.empty()) continue;
    out += fmt::format("\n**{}** ({}):\n\n", step.id, step.workload);
    for (const std::string& line : step.result.explanation) out += fmt::format("- {}\n", line);
    for (const std::string& line : step.result.notes) out += fmt::format("- note: {}\n", line);
  }
  return out;
}

std::string signals_table(const std::vector<advisor::Signal>& signals) {
  if (signals.empty()) return {};
  std::string out = "|";
  for (const char* column : kSignalColumns) out += fmt::format(" {} |", column);
  out += "\n|";
  for (size_t i = 0; i < kSignalColumns.size(); ++i) out += "---|";
  out += "\n";
  for (const advisor::Signal& s : signals) {
    out += "|";
    for (const std::string& cell : signal_cells(s))
      out += fmt::format(" {} |", markdown_cell(cell));
    out += "\n";
  }
  return out;
}

std::string detail(const advisor::Recommendation& r) {
  std::string out =
      fmt::format("### {} — {}\n\n", r.knob,
                  r.change ? fmt::format("{} → {}", r.current.value_or("absent"), r.recommended)
                           : fmt::format("keep {}", r.current.value_or("absent")));
  out += fmt::format("Rule `{}`: {} (confidence: {})\n\n", r.id.empty() ? "?" : r.id, r.summary,
                     to_string(r.confidence));
  if (!r.signals.empty()) {
    out += "Evidence against the rule's thresholds:\n\n" + signals_table(r.signals) + "\n";
  }
  out += "Why:\n\n";
  for (const std::string& line : r.rationale) out += fmt::format("- {}\n", line);
  if (!r.numbers.empty()) {
    out += "\nModel:\n\n";
    for (const model::Prediction& p : r.numbers) {
      out += fmt::format("- {} = {} — {}; {} (mirrors {})\n", p.name,
                         facts::format_value(p.value, p.unit), p.why.rule, p.why.text,
                         p.why.kernel_function);
    }
  }
  if (!r.evidence.empty() || r.evidence_missing) {
    out += "\nMeasured:\n\n";
    for (const advisor::EvidenceItem& e : r.evidence) {
      out += fmt::format(
          "- {} = {} ({}{}; {})\n", e.measurement, facts::format_value(e.value, e.unit),
          e.run == "host" ? "host" : "step " + e.run,
          e.workload.empty() || e.workload == e.run ? "" : ", workload " + e.workload, e.counter);
    }
    if (r.evidence_missing) out += fmt::format("- not measured: {}\n", *r.evidence_missing);
  }
  if (const std::string boot = persisted_line(r); !boot.empty())
    out += fmt::format("\nPersisted: {}\n", boot);
  out += "\nSources:\n\n";
  for (const std::string& id : r.sources) {
    auto source = advisor::find_source(id);
    out += source ? fmt::format("- {} — {}{}\n", source->title, source->where,
                                source->primary ? "" : " (secondary)")
                  : fmt::format("- {}\n", id);
  }
  return out + "\n";
}

std::string finding_detail(const advisor::Finding& f) {
  std::string out = fmt::format("### {}\n\n", finding_heading(f));
  for (const std::string& line : finding_lines(f)) out += fmt::format("- {}\n", line);
  if (!f.signals.empty()) out += "\n" + signals_table(f.signals);
  if (!f.sources.empty()) {
    out += "\nSources:\n\n";
    for (const std::string& id : f.sources) {
      auto source = advisor::find_source(id);
      out += source ? fmt::format("- {} — {}\n", source->title, source->where)
                    : fmt::format("- {}\n", id);
    }
  }
  return out + "\n";
}

}  // namespace

std::string render_markdown(const advisor::Advice& advice, const advisor::ScenarioRun* run) {
  std::string out = fmt::format("# mmtune advice: profile `{}`\n\n{} (`{}`)\n\n", advice.profile,
                                advice.profile_summary, advice.profile_file);
  out += render_markdown_sections(answer_sections(advice));
  if (run) {
    out += run_section(*run) + "\n";
  } else {
    out += fmt::format(
        "No workload was run: the advice stands on the host facts, the model and the profile. "
        "`mmtune tune --profile {}` adds measurements from this host.\n\n",
        advice.profile);
  }
  out += host_section(advice.host) + "\n";
  return out + render_markdown_advice(advice);
}

std::string render_markdown_advice(const advisor::Advice& advice) {
  std::string out =
      "## Advice\n\n| knob | now | recommended | confidence | rule | why |\n"
      "|---|---|---|---|---|---|\n";
  for (const advisor::Recommendation& r : advice.recommendations) {
    out += fmt::format("| `{}` | {} | {} | {} | `{}` | {} |\n", r.knob,
                       markdown_cell(r.current.value_or("absent")),
                       r.change ? "**" + markdown_cell(r.recommended) + "**" : std::string("keep"),
                       to_string(r.confidence), r.id, markdown_cell(r.summary));
  }
  out += advice.changes().empty() ? "\nNothing to change for this profile.\n\n" : "\n";
  for (const advisor::Recommendation& r : advice.recommendations) out += detail(r);
  if (!advice.findings.empty()) {
    out += "## Findings\n\n";
    for (const advisor::Finding& f : advice.findings) out += finding_detail(f);
  }
  if (!advice.changes().empty()) {
    out += "## Apply and revert\n\n";
    for (const std::string& line : apply_lines(advice)) out += fmt::format("- {}\n", line);
    out += "\n";
  }
  if (!advice.notes.empty()) {
    out += "## Notes\n\n";
    for (const std::string& note : advice.notes) out += fmt::format("- {}\n", note);
  }
  return out;
}

}  // namespace mmtune::report
