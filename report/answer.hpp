#pragma once
// The answer a report opens with: what to change (or that nothing needs to, and why), each with
// its confidence and one line of reason; then the evidence it stands on — the measurements the
// recommendations cite, what was not measured and why, with the command that would measure it.
// The details (the host, every step, each recommendation's reasoning) follow in the report.
// Built once as document sections, rendered by the HTML and the Markdown reports alike.
#include <vector>

#include "advisor/advice.hpp"
#include "advisor/scenario.hpp"
#include "report/document.hpp"

namespace mmtune::report {

// "What to change" and "Evidence", in that order.
std::vector<ReportSection> answer_sections(const advisor::Advice& advice);

}  // namespace mmtune::report
