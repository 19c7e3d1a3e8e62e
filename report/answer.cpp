#include "report/answer.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <string>

#include "facts/units.hpp"

namespace mmtune::report {
namespace {

std::string now_to_recommended(const advisor::Recommendation& r) {
  return fmt::format("{} → {}", r.current.value_or("absent"), r.recommended);
}

ReportTable change_table(const advisor::Advice& advice) {
  ReportTable table{"", {"setting", "change", "confidence", "why"}, {}};
  for (const advisor::Recommendation* r : advice.changes()) {
    table.rows.push_back(
        {r->knob, now_to_recommended(*r), std::string(to_string(r->confidence)), r->summary});
  }
  return table;
}

ReportTable keep_table(const advisor::Advice& advice, std::string caption) {
  ReportTable table{std::move(caption), {"setting", "keep", "confidence", "why"}, {}};
  for (const advisor::Recommendation& r : advice.recommendations) {
    if (r.change) continue;
    table.rows.push_back(
        {r.knob, r.current.value_or("absent"), std::string(to_string(r.confidence)), r.summary});
  }
  return table;
}

// How many recommendations stand on measurements of this host, and how many wait for one.
std::string measured_line(const advisor::Advice& advice) {
  size_t measured = 0, waiting = 0;
  for (const advisor::Recommendation& r : advice.recommendations) {
    measured += std::any_of(r.evidence.begin(), r.evidence.end(),
                            [](const advisor::EvidenceItem& e) { return e.run != "host"; });
    waiting += r.evidence_missing.has_value();
  }
  return fmt::format(
      "{} of {} recommendations cite measurements taken {}; {} name a measurement that would "
      "settle them (see Evidence).",
      measured, advice.recommendations.size(),
      advice.scenario ? fmt::format("by the {} scenario", *advice.scenario)
                      : std::string("(none: no workload was run)"),
      waiting);
}

ReportSection what_to_change(const advisor::Advice& advice) {
  ReportSection section{2, "What to change", {}};
  const size_t changes = advice.changes().size();
  if (changes == 0) {
    section.blocks.push_back(ReportParagraph{
        fmt::format("Nothing to change: each of the {} settings advised on for profile {} is "
                    "already where the profile wants it on this host, for the reasons below.",
                    advice.recommendations.size(), advice.profile),
        Tone::good});
    section.blocks.push_back(keep_table(advice, ""));
  } else {
    section.blocks.push_back(
        ReportParagraph{fmt::format("{} change{} for profile {} on this host:", changes,
                                    changes == 1 ? "" : "s", advice.profile),
                        Tone::warning});
    section.blocks.push_back(change_table(advice));
    section.blocks.push_back(keep_table(advice, "Kept as they are"));
  }
  section.blocks.push_back(ReportParagraph{measured_line(advice)});
  return section;
}

std::string where_measured(const advisor::EvidenceItem& e) {
  if (e.run == "host") return "host, since boot";
  if (e.run == "all steps") return "all steps (host-wide)";
  return "step " + e.run;
}

ReportTable evidence_table(const advisor::Advice& advice) {
  ReportTable table{
      "Measured, and cited by the advice", {"setting", "measurement", "value", "where", "how"}, {}};
  for (const advisor::Recommendation& r : advice.recommendations) {
    for (const advisor::EvidenceItem& e : r.evidence) {
      table.rows.push_back({r.knob, e.measurement, facts::format_value(e.value, e.unit),
                            where_measured(e), e.counter});
    }
  }
  return table;
}

// Each missing measurement once, with the settings waiting for it.
ReportList missing_list(const advisor::Advice& advice) {
  ReportList list{"Not measured here (what would raise the confidence, and how to measure it):",
                  {}};
  std::vector<std::pair<std::string, std::string>> seen;  // text → settings
  for (const advisor::Recommendation& r : advice.recommendations) {
    if (!r.evidence_missing) continue;
    auto it = std::find_if(seen.begin(), seen.end(),
                           [&](const auto& s) { return s.first == *r.evidence_missing; });
    if (it == seen.end()) {
      seen.emplace_back(*r.evidence_missing, r.knob);
    } else {
      it->second += ", " + r.knob;
    }
  }
  for (const auto& [text, knobs] : seen) list.items.push_back(fmt::format("{}: {}", knobs, text));
  return list;
}

ReportSection evidence(const advisor::Advice& advice) {
  ReportSection section{2, "Evidence", {}};
  ReportTable table = evidence_table(advice);
  if (table.rows.empty()) {
    section.blocks.push_back(ReportParagraph{"No recommendation cites a measurement."});
  } else {
    section.blocks.push_back(std::move(table));
  }
  ReportList missing = missing_list(advice);
  if (!missing.items.empty()) section.blocks.push_back(std::move(missing));
  if (!advice.notes.empty()) section.blocks.push_back(ReportList{"Notes:", advice.notes});
  return section;
}

}  // namespace

std::vector<ReportSection> answer_sections(const advisor::Advice& advice) {
  return {what_to_change(advice), evidence(advice)};
}

}  // namespace mmtune::report
