// The advice in HTML. It follows render_markdown_advice (report/advice_markdown.cpp) heading for
// heading and number for number; tests/report/markdown_test.cpp holds the two together.
#include <fmt/format.h>

#include "advisor/sources.hpp"
#include "facts/units.hpp"
#include "report/advice_parts.hpp"
#include "report/advice_render.hpp"
#include "report/escape.hpp"
#include "report/html.hpp"

namespace mmtune::report {
namespace {

std::string code(std::string_view text) { return "<code>" + escape_markup(text) + "</code>"; }

std::string list(const std::vector<std::string>& escaped_items) {
  std::string out = "<ul>\n";
  for (const std::string& item : escaped_items) out += "<li>" + item + "</li>\n";
  return out + "</ul>\n";
}

std::string source_item(const std::string& id) {
  auto source = advisor::find_source(id);
  if (!source) return escape_markup(id);
  const std::string where(source->where);
  const std::string shown = where.starts_with("https://") || where.starts_with("http://")
                                ? fmt::format("<a href=\"{0}\">{0}</a>", escape_markup(where))
                                : escape_markup(where);
  return fmt::format("{} — {}{}", escape_markup(source->title), shown,
                     source->primary ? "" : " (secondary)");
}

// `code` spans of a plain line as <code>, the rest escaped.
std::string with_code(std::string_view text) {
  std::string out;
  bool in_code = false;
  size_t start = 0;
  for (size_t i = 0; i <= text.size(); ++i) {
    if (i < text.size() && text[i] != '`') continue;
    const std::string_view part = text.substr(start, i - start);
    out += in_code ? code(part) : escape_markup(part);
    in_code = !in_code;
    start = i + 1;
  }
  return out;
}

std::string signals_table(const std::vector<advisor::Signal>& signals) {
  if (signals.empty()) return {};
  std::string out = "<table>\n<thead><tr>";
  for (const char* column : kSignalColumns) out += fmt::format("<th>{}</th>", column);
  out += "</tr></thead>\n<tbody>\n";
  for (const advisor::Signal& s : signals) {
    out += "<tr>";
    for (const std::string& cell : signal_cells(s)) out += "<td>" + escape_markup(cell) + "</td>";
    out += "</tr>\n";
  }
  return out + "</tbody>\n</table>\n";
}

std::string detail(const advisor::Recommendation& r) {
  std::string out = fmt::format(
      "<h3>{} — {}</h3>\n", escape_markup(r.knob),
      escape_markup(r.change ? fmt::format("{} → {}", r.current.value_or("absent"), r.recommended)
                             : fmt::format("keep {}", r.current.value_or("absent"))));
  out += fmt::format("<p>Rule {}: {} (confidence: {})</p>\n", code(r.id.empty() ? "?" : r.id),
                     escape_markup(r.summary), to_string(r.confidence));
  if (!r.signals.empty())
    out += "<p>Evidence against the rule's thresholds:</p>\n" + signals_table(r.signals);
  std::vector<std::string> items;
  for (const std::string& line : r.rationale) items.push_back(escape_markup(line));
  out += "<p>Why:</p>\n" + list(items);
  if (!r.numbers.empty()) {
    items.clear();
    for (const model::Prediction& p : r.numbers) {
      items.push_back(escape_markup(fmt::format("{} = {} — {}; {} (mirrors {})", p.name,
                                                facts::format_value(p.value, p.unit), p.why.rule,
                                                p.why.text, p.why.kernel_function)));
    }
    out += "<p>Model:</p>\n" + list(items);
  }
  if (!r.evidence.empty() || r.evidence_missing) {
    items.clear();
    for (const advisor::EvidenceItem& e : r.evidence) {
      items.push_back(escape_markup(fmt::format(
          "{} = {} ({}{}; {})", e.measurement, facts::format_value(e.value, e.unit),
          e.run == "host" ? "host" : "step " + e.run,
          e.workload.empty() || e.workload == e.run ? "" : ", workload " + e.workload, e.counter)));
    }
    if (r.evidence_missing) items.push_back(escape_markup("not measured: " + *r.evidence_missing));
    out += "<p>Measured:</p>\n" + list(items);
  }
  if (const std::string boot = persisted_line(r); !boot.empty())
    out += "<p>Persisted: " + escape_markup(boot) + "</p>\n";
  items.clear();
  for (const std::string& id : r.sources) items.push_back(source_item(id));
  out += "<p>Sources:</p>\n" + list(items);
  return out;
}

std::string finding_detail(const advisor::Finding& f) {
  std::string out = "<h3>" + escape_markup(finding_heading(f)) + "</h3>\n";
  std::vector<std::string> items;
  for (const std::string& line : finding_lines(f)) items.push_back(escape_markup(line));
  out += list(items) + signals_table(f.signals);
  if (!f.sources.empty()) {
    items.clear();
    for (const std::string& id : f.sources) {
      auto source = advisor::find_source(id);
      items.push_back(source ? escape_markup(fmt::format("{} — {}", source->title, source->where))
                             : escape_markup(id));
    }
    out += "<p>Sources:</p>\n" + list(items);
  }
  return out;
}

}  // namespace

std::string render_advice_html(const advisor::Advice& advice) {
  std::string out =
      "<section>\n<h2>Advice</h2>\n<table>\n<thead><tr><th>knob</th><th>now</th>"
      "<th>recommended</th><th>confidence</th><th>rule</th><th>why</th></tr></thead>\n<tbody>\n";
  for (const advisor::Recommendation& r : advice.recommendations) {
    out +=
        fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    code(r.knob), escape_markup(r.current.value_or("absent")),
                    r.change ? "<span class=\"change\">" + escape_markup(r.recommended) + "</span>"
                             : std::string("keep"),
                    to_string(r.confidence), code(r.id), escape_markup(r.summary));
  }
  out += "</tbody>\n</table>\n";
  if (advice.changes().empty()) out += "<p>Nothing to change for this profile.</p>\n";
  for (const advisor::Recommendation& r : advice.recommendations) out += detail(r);
  out += "</section>\n";
  if (!advice.findings.empty()) {
    out += "<section>\n<h2>Findings</h2>\n";
    for (const advisor::Finding& f : advice.findings) out += finding_detail(f);
    out += "</section>\n";
  }
  if (!advice.changes().empty()) {
    out += "<section>\n<h2>Apply and revert</h2>\n";
    std::vector<std::string> items;
    for (const std::string& line : apply_lines(advice)) items.push_back(with_code(line));
    out += list(items) + "</section>\n";
  }
  if (!advice.notes.empty()) {
    std::vector<std::string> items;
    for (const std::string& note : advice.notes) items.push_back(escape_markup(note));
    out += "<section>\n<h2>Notes</h2>\n" + list(items) + "</section>\n";
  }
  return out;
}

}  // namespace mmtune::report
