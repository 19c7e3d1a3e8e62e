// The advice in HTML. It follows render_markdown_advice (report/advice_markdown.cpp) heading for
// heading and number for number; tests/report/markdown_test.cpp holds the two together.
#include <fmt/format.h>

#include "advisor/sources.hpp"
#include "facts/units.hpp"
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

std::string detail(const advisor::Recommendation& r) {
  std::string out = fmt::format(
      "<h3>{} — {}</h3>\n", escape_markup(r.knob),
      escape_markup(r.change ? fmt::format("{} → {}", r.current.value_or("absent"), r.recommended)
                             : fmt::format("keep {}", r.current.value_or("absent"))));
  out += fmt::format("<p>{} (confidence: {})</p>\n", escape_markup(r.summary),
                     to_string(r.confidence));
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
  items.clear();
  for (const std::string& id : r.sources) items.push_back(source_item(id));
  out += "<p>Sources:</p>\n" + list(items);
  return out;
}

}  // namespace

std::string render_advice_html(const advisor::Advice& advice) {
  std::string out =
      "<section>\n<h2>Advice</h2>\n<table>\n<thead><tr><th>knob</th><th>now</th>"
      "<th>recommended</th><th>confidence</th><th>why</th></tr></thead>\n<tbody>\n";
  for (const advisor::Recommendation& r : advice.recommendations) {
    out +=
        fmt::format("<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>\n",
                    code(r.knob), escape_markup(r.current.value_or("absent")),
                    r.change ? "<span class=\"change\">" + escape_markup(r.recommended) + "</span>"
                             : std::string("keep"),
                    to_string(r.confidence), escape_markup(r.summary));
  }
  out += "</tbody>\n</table>\n";
  for (const advisor::Recommendation& r : advice.recommendations) out += detail(r);
  out += "</section>\n";
  if (!advice.changes().empty()) {
    out += "<section>\n<h2>Apply and revert</h2>\n";
    out += list(
        {fmt::format("{} writes a sysctl.d file (each line after its old value and reason); {} "
                     "applies it.",
                     code(fmt::format("mmtune advise --profile {} --emit sysctl 90-mmtune.conf",
                                      advice.profile)),
                     code("sysctl -p 90-mmtune.conf")),
         fmt::format("{} writes the same as a tuned profile, including THP.",
                     code(fmt::format("mmtune advise --profile {} --emit tuned tuned.conf",
                                      advice.profile))),
         "To revert, remove the file and write back the old values listed in it."});
    out += "</section>\n";
  }
  if (!advice.notes.empty()) {
    std::vector<std::string> items;
    for (const std::string& note : advice.notes) items.push_back(escape_markup(note));
    out += "<section>\n<h2>Notes</h2>\n" + list(items) + "</section>\n";
  }
  return out;
}

}  // namespace mmtune::report
