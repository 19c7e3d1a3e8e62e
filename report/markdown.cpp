#include "report/markdown.hpp"

#include <fmt/format.h>

#include "report/advice_render.hpp"

namespace mmtune::report {
namespace {

struct BlockMarkdown {
  std::string& out;
  void operator()(const ReportParagraph& p) const { out += p.text + "\n\n"; }
  void operator()(const ReportList& l) const {
    if (!l.caption.empty()) out += l.caption + "\n\n";
    for (const std::string& item : l.items) out += "- " + item + "\n";
    out += "\n";
  }
  void operator()(const ReportTable& t) const {
    if (!t.caption.empty()) out += t.caption + ":\n\n";
    out += "|";
    for (const std::string& h : t.header) out += " " + markdown_cell(h) + " |";
    out += "\n|";
    for (size_t i = 0; i < t.header.size(); ++i) out += "---|";
    out += "\n";
    for (const std::vector<std::string>& row : t.rows) {
      out += "|";
      for (const std::string& c : row) out += " " + markdown_cell(c) + " |";
      out += "\n";
    }
    out += "\n";
  }
  void operator()(const Plot&) const {}  // the HTML report draws it; its table follows
  void operator()(const ReportFigure& f) const { out += "*" + f.caption + "*\n\n"; }
};

}  // namespace

std::string render_report_markdown(const ReportDocument& doc) {
  std::string out = fmt::format("# {}\n\n{}\n\n", doc.title, doc.summary);
  for (const ReportSection& section : doc.sections) {
    out += fmt::format("{} {}\n\n", std::string(static_cast<size_t>(section.level), '#'),
                       section.title);
    for (const ReportBlock& block : section.blocks) std::visit(BlockMarkdown{out}, block);
  }
  if (doc.advice) out += render_markdown_advice(*doc.advice);
  return out;
}

}  // namespace mmtune::report
