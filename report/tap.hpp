#pragma once
// TAP version 13 for `mmtune check` (what kselftest, KernelCI and LAVA read): a plan line, one
// "ok N - suite: name: summary" or "not ok …" per test, "# SKIP reason" directives, a YAML block
// after each failure, and the closing "N passed, N failed, N skipped" line this workplace's CI
// reads.
#include <string>

#include "compare/check.hpp"

namespace mmtune::report {

std::string render_tap(const compare::CheckReport& report);
// "12 passed, 1 failed, 2 skipped"
std::string closing_line(const compare::CheckReport& report);

}  // namespace mmtune::report
