#pragma once
// The advice for people: a terminal summary and a Markdown report (the files that apply it are
// advisor/sysctl_files.hpp).
#include <string>

#include "advisor/advice.hpp"
#include "advisor/scenario.hpp"

namespace mmtune::report {

// A table of every recommendation, then the changes with their reasons and evidence.
std::string render_text(const advisor::Advice& advice);
// The whole report; with run, also the scenario's steps, bounds and what each measured.
std::string render_markdown(const advisor::Advice& advice,
                            const advisor::ScenarioRun* run = nullptr);
// Its advice part alone (the table, each recommendation's reasoning, model numbers, measurements
// and sources, how to apply and revert, notes), for reports that show the host and runs their way.
std::string render_markdown_advice(const advisor::Advice& advice);

// Text for one Markdown table cell: on one line, its pipes escaped so they cannot split the row.
std::string markdown_cell(std::string_view text);

}  // namespace mmtune::report
