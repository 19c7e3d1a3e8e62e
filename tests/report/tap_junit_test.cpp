// `mmtune check`'s TAP and JUnit renderings of a made-up report: plan, directives, YAML blocks and
// the closing line; JUnit counts per suite and escaping.
#include <gtest/gtest.h>

#include "compare/check.hpp"
#include "report/escape.hpp"
#include "report/junit.hpp"
#include "report/tap.hpp"

namespace mmtune::report {
namespace {

using compare::CheckReport;
using compare::CheckTest;
using compare::TestStatus;

compare::Fingerprint fingerprint(std::string dirty_ratio) {
  compare::Fingerprint f;
  f.groups["kernel"] = {{"release", "6.18.44"}, {"cmdline", "quiet # not a directive"}};
  f.groups["sysctl"] = {{"vm.dirty_ratio", std::move(dirty_ratio)}, {"vm.swappiness", "60"}};
  return f;
}

// Two drift tests (one failing), a skipped correctness test and a passing performance test.
CheckReport sample_report() {
  CheckReport report;
  report.started_at = "2026-11-22T01:00:00Z";
  report.baseline_file = "base.json";
  report.baseline.profile = "ci-smoke";
  report.baseline.scenario = "ci";
  report.repeats = 5;
  report.tests = compare::drift_tests(fingerprint("20"), fingerprint("30"));
  CheckTest skip;
  skip.suite = "correctness";
  skip.name = "numa runs";
  skip.status = TestStatus::skip;
  skip.skip_reason = "needs 2 NUMA nodes";
  report.tests.push_back(skip);
  const compare::BaselineMetric metric{
      "demand-paging", "ns_per_fault",         "ns", advisor::Direction::lower_is_better, 0.2,
      std::nullopt,    {100, 102, 98, 101, 99}};
  report.tests.push_back(
      compare::metric_test(compare::compare_metric(metric, {100, 101, 99, 100, 102})));
  return report;
}

TEST(CheckReports, TapHasPlanDirectivesYamlAndTheClosingLine) {
  CheckReport report = sample_report();
  std::string tap = render_tap(report);
  EXPECT_TRUE(tap.starts_with("TAP version 13\n1..4\n")) << tap;
  EXPECT_NE(tap.find("\nok 1 - drift: kernel: unchanged (2 settings)\n"), std::string::npos) << tap;
  EXPECT_NE(tap.find("\nnot ok 2 - drift: vm.dirty_ratio: 20 in the baseline, 30 now\n  ---\n"),
            std::string::npos)
      << tap;
  EXPECT_NE(tap.find("  baseline: \"20\"\n"), std::string::npos) << tap;
  EXPECT_NE(tap.find("\nok 3 - correctness: numa runs # SKIP needs 2 NUMA nodes\n"),
            std::string::npos)
      << tap;
  EXPECT_NE(tap.find("\nok 4 - performance: demand-paging/ns_per_fault: "), std::string::npos)
      << tap;
  EXPECT_TRUE(tap.ends_with("\n2 passed, 1 failed, 1 skipped\n")) << tap;
  EXPECT_EQ(compare::check_exit_code(report), 1);
}

TEST(CheckReports, JunitCountsAndEscapes) {
  CheckReport report = sample_report();
  report.tests[1].summary = "a <b> & \"c\"\x01";
  std::string xml = render_junit(report, "host-1");
  EXPECT_TRUE(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites "));
  EXPECT_NE(xml.find("tests=\"4\" failures=\"1\" errors=\"0\" skipped=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("<testsuite name=\"drift\" tests=\"2\" failures=\"1\""), std::string::npos);
  EXPECT_NE(xml.find("message=\"a &lt;b&gt; &amp; &quot;c&quot;\""), std::string::npos) << xml;
  EXPECT_NE(xml.find("<skipped message=\"needs 2 NUMA nodes\"/>"), std::string::npos);
  EXPECT_NE(xml.find("hostname=\"host-1\""), std::string::npos);
  EXPECT_EQ(escape_markup("x\x02y\tz'"), "xy\tz&#39;");
}

}  // namespace
}  // namespace mmtune::report
