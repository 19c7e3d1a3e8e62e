#pragma once
// The pieces of the advice that the Markdown (advice_markdown.cpp) and the HTML (html_advice.cpp)
// show alike, as plain text: so that both carry the same words and numbers, in the same order.
#include <array>
#include <string>
#include <vector>

#include "advisor/advice.hpp"

namespace mmtune::report {

inline constexpr std::array<const char*, 6> kSignalColumns = {
    "signal", "value", "normalisation", "threshold", "met", "why this threshold"};
// One row of the signals table, a cell per column above.
std::array<std::string, 6> signal_cells(const advisor::Signal& signal);

// "Rule `wsf-direct-reclaim`" line's text without markup: the rule id and what it decided.
std::string rule_line(const advisor::Recommendation& r);
// "at boot /etc/sysctl.d/99-db.conf:3 sets 10 (systemd-sysctl)"; empty when nothing sets it.
std::string persisted_line(const advisor::Recommendation& r);

// "cgroup-at-limit — /kubepods.slice" for a finding's heading.
std::string finding_heading(const advisor::Finding& f);
// Its lines: the summary with severity, the details, the lever.
std::vector<std::string> finding_lines(const advisor::Finding& f);

// How to make the advice stick on this host: one line each (with `code` spans as backquotes).
std::vector<std::string> apply_lines(const advisor::Advice& advice);

}  // namespace mmtune::report
