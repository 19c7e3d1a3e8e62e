#include "report/junit.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "report/escape.hpp"

namespace mmtune::report {

std::string render_junit(const compare::CheckReport& report, std::string_view hostname) {
  const std::string timestamp =
      report.started_at.empty() ? "" : report.started_at.substr(0, report.started_at.size() - 1);
  std::string suites;
  for (const char* suite : {"drift", "correctness", "performance"}) {
    size_t tests = 0, failures = 0, skipped = 0;
    double time = 0;
    std::string cases;
    for (const compare::CheckTest& test : report.tests) {
      if (test.suite != suite) continue;
      ++tests;
      time += test.time_s;
      cases +=
          fmt::format("    <testcase classname=\"mmtune.check.{}\" name=\"{}\" time=\"{:.3f}\"",
                      suite, escape_markup(test.name), test.time_s);
      if (test.status == compare::TestStatus::pass) {
        cases += fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n",
                             escape_markup(test.summary));
        continue;
      }
      if (test.status == compare::TestStatus::skip) {
        ++skipped;
        cases += fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                             escape_markup(test.skip_reason));
        continue;
      }
      ++failures;
      std::string body;
      for (const auto& [key, value] : test.details) body += fmt::format("{}: {}\n", key, value);
      cases += fmt::format(
          ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
          escape_markup(test.summary), escape_markup(test.verdict), escape_markup(body));
    }
    suites += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
        "time=\"{:.3f}\" timestamp=\"{}\" hostname=\"{}\">\n",
        suite, tests, failures, skipped, time, escape_markup(timestamp), escape_markup(hostname));
    suites += fmt::format(
        "    <properties>\n"
        "      <property name=\"baseline\" value=\"{}\"/>\n"
        "      <property name=\"profile\" value=\"{}/{}\"/>\n"
        "      <property name=\"repeats\" value=\"{}\"/>\n"
        "    </properties>\n",
        escape_markup(report.baseline_file), escape_markup(report.baseline.profile),
        escape_markup(report.baseline.scenario), report.repeats);
    suites += cases;
    suites += "  </testsuite>\n";
  }
  std::string text = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  text += fmt::format(
      "<testsuites name=\"mmtune check\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
      "time=\"{:.3f}\">\n",
      report.tests.size(), report.count(compare::TestStatus::fail),
      report.count(compare::TestStatus::skip), report.wall_s);
  text += suites;
  text += "</testsuites>\n";
  return text;
}

}  // namespace mmtune::report
