// The terminal summary: one table line per knob, then the changes with their reasons.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "advisor/signals.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"
#include "report/advice_parts.hpp"
#include "report/advice_render.hpp"

namespace mmtune::report {
namespace {

std::string shorten(std::string_view text, size_t width) {
  if (text.size() <= width) return std::string(text);
  size_t cut = width - 1;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80)
    --cut;  // UTF-8 boundary
  return std::string(text.substr(0, cut)) + "…";
}

std::string evidence_line(const advisor::EvidenceItem& e) {
  return fmt::format("{} = {} ({}{})", e.measurement, facts::format_value(e.value, e.unit),
                     e.run == "host" ? "since boot" : e.run,
                     e.workload.empty() || e.workload == e.run ? "" : ", " + e.workload);
}

}  // namespace

std::string render_text(const advisor::Advice& advice) {
  std::string out =
      fmt::format("mmtune advice for profile {} — {}\n", advice.profile, advice.profile_summary);
  const advisor::HostSummary& h = advice.host;
  out += fmt::format("host: kernel {}, {} CPUs, {} RAM, {}, {} NUMA node{}, THP {}{}\n", h.kernel,
                     h.cpus, facts::format_bytes(h.mem_total_bytes),
                     h.swap_total_bytes ? "swap " + facts::format_bytes(h.swap_total_bytes)
                                        : std::string("no swap"),
                     h.numa_nodes, h.numa_nodes == 1 ? "" : "s", h.thp_enabled.value_or("absent"),
                     h.mglru ? ", MGLRU" : "");
  if (advice.scenario) {
    int ok = 0;
    for (const advisor::RunRecord& run : advice.runs) ok += run.status == "ok";
    out += fmt::format("evidence: scenario {} ({} of {} steps ran)\n", *advice.scenario, ok,
                       advice.runs.size());
  } else {
    out += "evidence: none measured (host facts and the model only; `mmtune tune` measures)\n";
  }
  out += "\n";
  size_t knob_width = 4, now_width = 3, rec_width = 11, rule_width = 4;
  for (const advisor::Recommendation& r : advice.recommendations) {
    knob_width = std::max(knob_width, r.knob.size());
    now_width = std::max(now_width, r.current.value_or("-").size());
    rec_width = std::max(rec_width, (r.change ? r.recommended : std::string("keep")).size());
    rule_width = std::max(rule_width, r.id.size());
  }
  out += fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<10}  {:<{}}  {}\n", "knob", knob_width, "now",
                     now_width, "recommended", rec_width, "confidence", "rule", rule_width, "why");
  for (const advisor::Recommendation& r : advice.recommendations) {
    out +=
        fmt::format("{:<{}}  {:<{}}  {:<{}}  {:<10}  {:<{}}  {}\n", r.knob, knob_width,
                    r.current.value_or("-"), now_width, r.change ? r.recommended : "keep",
                    rec_width, to_string(r.confidence), r.id, rule_width, shorten(r.summary, 90));
  }
  const auto changes = advice.changes();
  for (const advisor::Recommendation* r : changes) {
    out +=
        fmt::format("\n{}: {} → {} ({} confidence, rule {})\n", r->knob,
                    r->current.value_or("absent"), r->recommended, to_string(r->confidence), r->id);
    for (const advisor::Signal& s : r->signals)
      out += fmt::format("  {} {}\n", s.met ? "▲" : "·", advisor::describe(s));
    for (const std::string& line : r->rationale) out += fmt::format("  - {}\n", line);
    for (const advisor::EvidenceItem& e : r->evidence)
      out += fmt::format("  measured: {}\n", evidence_line(e));
    if (r->evidence_missing) out += fmt::format("  not measured: {}\n", *r->evidence_missing);
    if (const std::string boot = report::persisted_line(*r); !boot.empty())
      out += fmt::format("  persisted: {}\n", boot);
    std::string ids;
    for (const std::string& id : r->sources) ids += (ids.empty() ? "" : ", ") + id;
    out += fmt::format("  sources: {}\n", ids);
  }
  if (!advice.findings.empty()) out += "\nfindings:\n";
  for (const advisor::Finding& f : advice.findings) {
    out += fmt::format("  [{}] {} — {}: {}\n", to_string(f.severity), f.id, f.subject, f.summary);
    if (!f.lever.empty()) out += fmt::format("      lever: {}\n", f.lever);
  }
  for (const std::string& note : advice.notes) out += fmt::format("\nnote: {}\n", note);
  out += changes.empty()
             ? "\nnothing to change for this profile\n"
             : fmt::format(
                   "\napply with --emit auto FILE ({}); --format md for the full "
                   "reasoning\n",
                   advice.persist.tuned_profiles.empty()
                       ? "a sysctl.d file to install as /etc/sysctl.d/" + advice.persist.sysctl_file
                       : std::string("a tuned profile including the active one"));
  return out;
}

}  // namespace mmtune::report
