#pragma once
// The report as one self-contained HTML page: inline CSS with the system's fonts, the plots as
// inline SVG (report/svg_plot.hpp), no script, and a Content-Security-Policy that forbids loading
// anything, so the page renders the same offline, from a mail attachment or a CI artefact. Every
// string that comes from data is escaped.
#include <string>

#include "advisor/advice.hpp"
#include "report/document.hpp"

namespace mmtune::report {

std::string render_report_html(const ReportDocument& doc);

// The advice as HTML sections, in the layout and with the numbers of the advisor's Markdown
// (render_markdown_advice): the table, each recommendation, how to apply and revert, notes.
std::string render_advice_html(const advisor::Advice& advice);

}  // namespace mmtune::report
