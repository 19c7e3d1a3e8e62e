#include "report/tap.hpp"

#include <fmt/format.h>

#include <nlohmann/json.hpp>

namespace mmtune::report {
namespace {

// A TAP description is one line, and '#' would start a directive.
std::string description(std::string_view text) {
  std::string out;
  for (char c : text) {
    if (c == '\n' || c == '\r') {
      out += ' ';
    } else if (c == '#') {
      out += "\\#";
    } else {
      out += c;
    }
  }
  return out;
}

// A YAML double-quoted scalar: JSON string escaping is valid YAML.
std::string quoted(const std::string& text) { return nlohmann::json(text).dump(); }

}  // namespace

std::string closing_line(const compare::CheckReport& report) {
  return fmt::format("{} passed, {} failed, {} skipped", report.count(compare::TestStatus::pass),
                     report.count(compare::TestStatus::fail),
                     report.count(compare::TestStatus::skip));
}

std::string render_tap(const compare::CheckReport& report) {
  std::string text = "TAP version 13\n";
  text += fmt::format("1..{}\n", report.tests.size());
  text += fmt::format("# mmtune check: {}/{} against {} (recorded {}), {} repeats\n",
                      report.baseline.profile, report.baseline.scenario, report.baseline_file,
                      report.baseline.created_at, report.repeats);
  size_t number = 0;
  for (const compare::CheckTest& test : report.tests) {
    ++number;
    const std::string head = fmt::format("{}: {}", test.suite, test.name);
    if (test.status == compare::TestStatus::skip) {
      text += fmt::format("ok {} - {} # SKIP {}\n", number, description(head),
                          description(test.skip_reason));
      continue;
    }
    text +=
        fmt::format("{} {} - {}: {}\n", test.status == compare::TestStatus::fail ? "not ok" : "ok",
                    number, description(head), description(test.summary));
    if (test.status != compare::TestStatus::fail) continue;
    text += "  ---\n";
    text += fmt::format("  message: {}\n", quoted(test.summary));
    for (const auto& [key, value] : test.details)
      text += fmt::format("  {}: {}\n", key, quoted(value));
    text += "  ...\n";
  }
  for (const std::string& note : report.notes)
    text += fmt::format("# note: {}\n", description(note));
  if (report.interrupted)
    text += "# interrupted: the tests above cover the repeats finished before\n";
  text += fmt::format("# finished in {:.1f} s\n", report.wall_s);
  text += closing_line(report) + "\n";
  return text;
}

}  // namespace mmtune::report
