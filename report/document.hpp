#pragma once
// The report as a document: sections of paragraphs, lists, tables and plots, built once from what
// `mmtune report` read (report/input.hpp) and rendered twice, as self-contained HTML
// (report/html.hpp) and as Markdown without the plots (report/markdown.hpp). One
// document behind both is what keeps their sections and numbers the same.
//
// What it holds, in order: the host (facts and the thresholds the model derives from them); for a
// scenario its bounds and steps; for each run its verdict, the measurements beside the model's
// predictions (which is which in the column headings), the phases, the explanation, and per plot
// a table of the plotted lines (observed: first, lowest, highest, last; predicted: the value);
// the sweep's tables; and the advice, which each renderer takes from the advisor's own Advice.
#include <optional>
#include <string>
#include <variant>
#include <vector>

#include "advisor/advice.hpp"
#include "report/input.hpp"
#include "report/svg_plot.hpp"

namespace mmtune::report {

// How a paragraph reads at a glance: a verdict that passed, was skipped or failed.
enum class Tone { plain, good, warning, bad };

struct ReportParagraph {
  std::string text;
  Tone tone = Tone::plain;
};

struct ReportList {
  std::string caption;  // "Explanation:"; may be empty
  std::vector<std::string> items;
};

struct ReportTable {
  std::string caption;
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

// A drawing made elsewhere as inline SVG (the fleet's heat table): HTML shows it, Markdown only the
// caption, since the numbers are in a table beside it.
struct ReportFigure {
  std::string caption;
  std::string svg;
};

using ReportBlock = std::variant<ReportParagraph, ReportList, ReportTable, Plot, ReportFigure>;

struct ReportSection {
  int level = 2;  // 2 or 3 (the title is level 1)
  std::string title;
  std::vector<ReportBlock> blocks;
};

struct ReportDocument {
  std::string title;
  std::string summary;  // one line under the title: what was read
  std::vector<ReportSection> sections;
  std::optional<advisor::Advice> advice;  // rendered after the sections
};

ReportDocument build_report(const ReportInput& input);

}  // namespace mmtune::report
