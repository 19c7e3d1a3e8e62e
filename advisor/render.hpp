#pragma once
// Renderings of the advice: a terminal summary, a Markdown report, a sysctl.d file and a tuned
// profile. The two files carry a comment before every setting saying what it was and why it
// changes, so whoever reads /etc/sysctl.d later knows where each line came from.
#include <string>

#include "advisor/advice.hpp"
#include "advisor/scenario.hpp"

namespace mmtune::advisor {

// A table of every recommendation, then the changes with their reasons and evidence.
std::string render_text(const Advice& advice);
// The whole report; with run, also the scenario's steps, bounds and what each measured.
std::string render_markdown(const Advice& advice, const ScenarioRun* run = nullptr);
// Its advice part alone (the table, each recommendation's reasoning, model numbers, measurements
// and sources, how to apply and revert, notes), for reports that show the host and runs their way.
std::string render_markdown_advice(const Advice& advice);
// A file for /etc/sysctl.d (`sysctl -p FILE` reads it): one "name = value" line per sysctl that
// changes, each after a comment with the old value and the reason. THP is not a sysctl: its
// changes appear as comments saying how to make them.
std::string render_sysctl(const Advice& advice);
// A tuned profile (tuned.conf): [main] summary, [sysctl] for the sysctls, [vm]
// transparent_hugepages for thp.enabled, [sysfs] for the other THP files; a comment per line.
std::string render_tuned(const Advice& advice);

// Text for one Markdown table cell: on one line, its pipes escaped so they cannot split the row.
std::string markdown_cell(std::string_view text);

// "60 GiB", "1.25x", "0.93 ratio": a value in its unit, for reports.
std::string format_value(double value, std::string_view unit);

}  // namespace mmtune::advisor
