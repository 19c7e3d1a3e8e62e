#include "report/junit.hpp"

#include <fmt/format.h>

#include <algorithm>

namespace mmtune::report {

std::string xml_escape(std::string_view text) {
  std::string out;
  for (char c : text) {
    switch (c) {
      case '&':
        out += "&amp;";
        break;
      case '<':
        out += "&lt;";
        break;
      case '>':
        out += "&gt;";
        break;
      case '"':
        out += "&quot;";
        break;
      case '\'':
        out += "&apos;";
        break;
      default:
        // XML 1.0 allows no control characters but tab, newline and carriage return.
        if (static_cast<unsigned char>(c) >= 0x20 || c == '\t' || c == '\n' || c == '\r') out += c;
    }
  }
  return out;
}

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
                      suite, xml_escape(test.name), test.time_s);
      if (test.status == compare::TestStatus::pass) {
        cases += fmt::format(">\n      <system-out>{}</system-out>\n    </testcase>\n",
                             xml_escape(test.summary));
        continue;
      }
      if (test.status == compare::TestStatus::skip) {
        ++skipped;
        cases += fmt::format(">\n      <skipped message=\"{}\"/>\n    </testcase>\n",
                             xml_escape(test.skip_reason));
        continue;
      }
      ++failures;
      std::string body;
      for (const auto& [key, value] : test.details) body += fmt::format("{}: {}\n", key, value);
      cases += fmt::format(
          ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>\n",
          xml_escape(test.summary), xml_escape(test.verdict), xml_escape(body));
    }
    suites += fmt::format(
        "  <testsuite name=\"{}\" tests=\"{}\" failures=\"{}\" errors=\"0\" skipped=\"{}\" "
        "time=\"{:.3f}\" timestamp=\"{}\" hostname=\"{}\">\n",
        suite, tests, failures, skipped, time, xml_escape(timestamp), xml_escape(hostname));
    suites += fmt::format(
        "    <properties>\n"
        "      <property name=\"baseline\" value=\"{}\"/>\n"
        "      <property name=\"profile\" value=\"{}/{}\"/>\n"
        "      <property name=\"repeats\" value=\"{}\"/>\n"
        "    </properties>\n",
        xml_escape(report.baseline_file), xml_escape(report.baseline.profile),
        xml_escape(report.baseline.scenario), report.repeats);
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
