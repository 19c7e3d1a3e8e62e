#include "report/html.hpp"

#include <fmt/format.h>

#include <cctype>

#include "report/escape.hpp"
#include "report/svg_plot.hpp"

namespace mmtune::report {
namespace {

constexpr std::string_view kStyle = R"css(
:root { color-scheme: light; }
body { margin: 0; background: #f6f7f9; color: #1d2125;
  font: 15px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial,
    "Noto Sans", "Liberation Sans", sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 24px 28px 64px; background: #fff;
  min-height: 100vh; box-shadow: 0 0 0 1px #e4e6ea; }
h1 { font-size: 26px; margin: 0 0 4px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 4px; border-bottom: 2px solid #e4e6ea; }
h3 { font-size: 16px; margin: 24px 0 8px; }
p.summary { color: #555; margin-top: 0; }
p.tone-good, p.tone-warning, p.tone-bad { padding: 6px 10px; border-left: 4px solid; }
p.tone-good { border-color: #2e7d32; background: #edf7ee; }
p.tone-warning { border-color: #b26a00; background: #fff5e5; }
p.tone-bad { border-color: #c62828; background: #fdecea; }
table { border-collapse: collapse; margin: 6px 0 14px; font-size: 13.5px; width: 100%; }
caption { text-align: left; color: #444; padding: 4px 0; font-size: 13.5px; }
th, td { border: 1px solid #dde0e4; padding: 4px 8px; text-align: left; vertical-align: top; }
th { background: #f0f2f5; font-weight: 600; }
tbody tr:nth-child(even) { background: #fafbfc; }
td.num { white-space: nowrap; font-variant-numeric: tabular-nums; }
code { font-family: ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
  font-size: 0.92em; background: #f0f2f5; padding: 0 3px; border-radius: 3px; }
figure { margin: 8px 0 4px; }
figcaption { color: #555; font-size: 13px; }
svg.plot { width: 100%; height: auto; max-width: 980px; background: #fff; font-family: inherit; }
ul { margin: 4px 0 12px; padding-left: 22px; }
.change { font-weight: 600; }
)css";

// Cells that hold a number with its unit read better unbroken and aligned; a sentence that happens
// to start with a number ("65,536 faults now vs …") must still wrap.
bool numeric(std::string_view text) {
  constexpr size_t kLongestNumber = 32;  // "5 samples: first …" is a sentence, "4.1 GiB" a number
  return !text.empty() && text.size() <= kLongestNumber &&
         (std::isdigit(static_cast<unsigned char>(text[0])) ||
          ((text[0] == '-' || text[0] == '+') && text.size() > 1 &&
           std::isdigit(static_cast<unsigned char>(text[1]))));
}

std::string_view tone_class(Tone tone) {
  switch (tone) {
    case Tone::plain:
      return "";
    case Tone::good:
      return " class=\"tone-good\"";
    case Tone::warning:
      return " class=\"tone-warning\"";
    case Tone::bad:
      return " class=\"tone-bad\"";
  }
  return "";
}

struct BlockHtml {
  std::string& out;
  void operator()(const ReportParagraph& p) const {
    out += fmt::format("<p{}>{}</p>\n", tone_class(p.tone), escape_markup(p.text));
  }
  void operator()(const ReportList& l) const {
    if (!l.caption.empty()) out += fmt::format("<p>{}</p>\n", escape_markup(l.caption));
    out += "<ul>\n";
    for (const std::string& item : l.items)
      out += fmt::format("<li>{}</li>\n", escape_markup(item));
    out += "</ul>\n";
  }
  void operator()(const ReportTable& t) const {
    out += "<table>\n";
    if (!t.caption.empty()) out += fmt::format("<caption>{}</caption>\n", escape_markup(t.caption));
    out += "<thead><tr>";
    for (const std::string& h : t.header) out += fmt::format("<th>{}</th>", escape_markup(h));
    out += "</tr></thead>\n<tbody>\n";
    for (const std::vector<std::string>& row : t.rows) {
      out += "<tr>";
      for (const std::string& c : row) {
        out += fmt::format("<td{}>{}</td>", numeric(c) ? " class=\"num\"" : "", escape_markup(c));
      }
      out += "</tr>\n";
    }
    out += "</tbody>\n</table>\n";
  }
  void operator()(const Plot& plot) const {
    out += "<figure>\n" + svg_line_plot(plot) + "</figure>\n";
  }
  void operator()(const ReportFigure& f) const {
    out += fmt::format("<figure>\n{}<figcaption>{}</figcaption>\n</figure>\n", f.svg,
                       escape_markup(f.caption));
  }
};

}  // namespace

std::string render_report_html(const ReportDocument& doc) {
  std::string out = fmt::format(
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
      "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src "
      "'unsafe-inline'\">\n"
      "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
      "<meta name=\"generator\" content=\"mmtune\">\n<title>{}</title>\n<style>{}</style>\n"
      "</head>\n<body>\n<main>\n<h1>{}</h1>\n<p class=\"summary\">{}</p>\n",
      escape_markup(doc.title), kStyle, escape_markup(doc.title), escape_markup(doc.summary));
  bool open = false;
  for (const ReportSection& section : doc.sections) {
    if (section.level <= 2) {
      if (open) out += "</section>\n";
      out += "<section>\n";
      open = true;
    }
    out += fmt::format("<h{0}>{1}</h{0}>\n", section.level, escape_markup(section.title));
    for (const ReportBlock& block : section.blocks) std::visit(BlockHtml{out}, block);
  }
  if (open) out += "</section>\n";
  if (doc.advice) out += render_advice_html(*doc.advice);
  out += "</main>\n</body>\n</html>\n";
  return out;
}

}  // namespace mmtune::report
