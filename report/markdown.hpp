#pragma once
// The report as Markdown (GitHub's dialect: pipe tables): the same sections, tables and numbers as
// the HTML report, without the plots (each plot's section keeps the table of its lines). The
// advice is the advisor's own Markdown (render_markdown_advice in report/advice_render.hpp).
#include <string>

#include "report/document.hpp"

namespace mmtune::report {

std::string render_report_markdown(const ReportDocument& doc);

}  // namespace mmtune::report
