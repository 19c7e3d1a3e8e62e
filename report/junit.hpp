#pragma once
// JUnit XML for `mmtune check` (what Jenkins, GitLab and GitHub test reporters read): one
// <testsuite> per result class (drift, correctness, performance) inside <testsuites>, one
// <testcase> per test with <failure> or <skipped>, counts in the attributes.
#include <string>
#include <string_view>

#include "compare/check.hpp"

namespace mmtune::report {

// hostname goes into each <testsuite hostname="…"> (the caller reads it; rendering does no I/O).
std::string render_junit(const compare::CheckReport& report, std::string_view hostname);

}  // namespace mmtune::report
