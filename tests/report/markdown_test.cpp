// The Markdown and the HTML report carry the same sections and the same numbers: one document
// behind both, and the advice (the advisor's Markdown, the report's HTML) held together here.
#include "report/markdown.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "advisor/advice_json.hpp"
#include "probes/host_fs.hpp"
#include "probes/readers.hpp"
#include "report/advice_render.hpp"
#include "report/document.hpp"
#include "report/html.hpp"
#include "tests/report/report_text.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::report {
namespace {

using test::slurp;

// A run as the runner writes it: measurements with and without a prediction, a range, a phase,
// a host series and a workload series with the model's thresholds, text that needs escaping.
workloads::Result sample_result(const facts::HostFacts& facts) {
  workloads::Result r;
  r.workload = "dirty-flood";
  r.started_at = "2025-01-02T03:04:05Z";
  r.wall_s = 12.5;
  r.host = facts;
  r.parameters = {{"size", "256MiB", "bytes", {268435456}, false}};
  r.limits.footprint_bytes = 268435456;
  r.limits.size_cap_bytes = 1ull << 33;
  r.limits.time_limit_s = 300;
  r.limits.memory_limit_bytes = 1ull << 30;
  r.measurements = {
      {"write_p99_ms", 41.25, "ms", "measured", "CLOCK_MONOTONIC | per write", {}},
      {"throttle_onset_bytes", 3221225472, "bytes", "derived", "nr_dirty at <first>", {}},
      {"bystander_stalls", 3, "events", "measured", "allocstall delta", {}}};
  workloads::Expectation onset;
  onset.metric = "throttle_onset_bytes";
  onset.prediction = {"freerun",
                      3.0e9,
                      "bytes",
                      {"freerun = (thresh + bg) / 2", "dirty_freerun_ceiling", "= 3 GB"}};
  onset.tolerance = 0.2;
  workloads::Expectation stalls;
  stalls.metric = "bystander_stalls";
  stalls.prediction = {"stalls", 0, "events", {"no stall below the low watermark", "", ""}};
  stalls.low = 0;
  stalls.high = 10;
  workloads::Expectation age;
  age.prediction = {"worst_age_seconds",
                    35,
                    "seconds",
                    {"age ≤ expire + interval", "wb_check_old_data_flush", "= 35 s"}};
  r.predictions = {onset, stalls, age};
  r.comparisons = workloads::compare(r.predictions, r.measurements);
  workloads::Phase phase;
  phase.name = "flood";
  phase.start_s = 0.25;
  phase.end_s = 12.0;
  phase.rusage_delta.minor_faults = 1234;
  r.phases.push_back(phase);
  workloads::Series host;
  host.name = "host";
  host.t_s = {0, 0.1, 0.2, 0.3};
  host.columns["zone_free"] = {5000000, 4900000, 4800000, 4850000};
  host.columns["nr_dirty"] = {10, 50000, 120000, 90000};
  host.columns["nr_writeback"] = {0, 100, 5000, 20000};
  host.columns["pgfault"] = {1000, 2000, 4000, 4500};
  for (const auto& [name, _] : host.columns) host.units[name] = "pages";
  host.units["pgfault"] = "events";
  r.series.push_back(host);
  workloads::Series own;
  own.name = "dirty";
  own.t_s = {0, 0.05, 0.1};
  own.columns["nr_dirty_bytes"] = {0, 1e8, 2e8};
  own.columns["model_background_bytes"] = {1.5e9, 1.5e9, 1.5e9};
  own.columns["model_threshold_bytes"] = {3e9, 3e9, 3e9};
  for (const auto& [name, _] : own.columns) own.units[name] = "bytes";
  r.series.push_back(own);
  r.explanation = {"writers were throttled at 3.0 GiB, the model's free-run ceiling 2.8 GiB"};
  r.notes = {"memory was <cold> & refaulted"};
  return r;
}

void expect_same_content(const ReportDocument& doc) {
  const std::string markdown = render_report_markdown(doc);
  const std::string html = render_report_html(doc);
  const test::ReportText md = test::markdown_text(markdown);
  const test::ReportText web = test::html_text(html);
  EXPECT_EQ(md.headings, web.headings);
  EXPECT_EQ(md.numbers, web.numbers);
  EXPECT_GT(md.numbers.size(), 20u);
  EXPECT_EQ(markdown.find("<svg"), std::string::npos) << "Markdown has no plots";
}

TEST(ReportMarkdown, RunHasTheSameSectionsAndNumbersAsTheHtml) {
  const facts::HostFacts facts =
      probes::read_host_facts(probes::HostFs(test::test_data("hosts/local-6.18")));
  ReportInput input;
  input.schema = "mmtune.result/1";
  input.result = sample_result(facts);
  input.host = facts;
  const ReportDocument doc = build_report(input);
  expect_same_content(doc);
  const std::string html = render_report_html(doc);
  EXPECT_NE(html.find("<svg"), std::string::npos);
  EXPECT_NE(html.find("predicted hard dirty threshold"), std::string::npos);
  EXPECT_NE(html.find("memory was &lt;cold&gt; &amp; refaulted"), std::string::npos);
  EXPECT_EQ(html.find("<cold>"), std::string::npos) << "data is escaped";
  const std::string markdown = render_report_markdown(doc);
  EXPECT_NE(markdown.find("| measurement | measured here | predicted by the model |"),
            std::string::npos)
      << "which number is which";
  EXPECT_NE(markdown.find("### Free memory against the watermarks"), std::string::npos);
  EXPECT_NE(markdown.find("nr_dirty at <first>"), std::string::npos);
}

TEST(ReportMarkdown, AdviceOfEveryRecordedHostMatchesTheAdvisorsMarkdown) {
  for (const char* host : {"local-6.18", "numa2-5.15", "old-4.19", "container-v2-6.1"}) {
    for (const char* profile : {"database", "general", "mongodb8"}) {
      SCOPED_TRACE(std::string(host) + " " + profile);
      const std::filesystem::path file =
          test::test_data(std::string("golden/") + host + "/advise-" + profile + ".json");
      ReportInput input = read_report_input(slurp(file));
      ASSERT_TRUE(input.advice);
      const ReportDocument doc = build_report(input);
      expect_same_content(doc);
      const std::string markdown = render_report_markdown(doc);
      EXPECT_NE(markdown.find(render_markdown_advice(*input.advice)), std::string::npos)
          << "the advice part is the advisor's own Markdown";
    }
  }
}

TEST(ReportMarkdown, ScenarioWithAdviceKeepsStepsAndAdvice) {
  const facts::HostFacts facts =
      probes::read_host_facts(probes::HostFs(test::test_data("hosts/numa2-5.15")));
  advisor::ScenarioRun run;
  run.profile = "general";
  run.scenario = "quick";
  run.facts = facts;
  run.time_budget_s = 60;
  run.memory_budget_bytes = 1ull << 30;
  run.wall_s = 21.5;
  run.steps.push_back({"flood", "dirty-flood", {{"size", "256MiB"}}, sample_result(facts)});
  workloads::Result skipped;
  skipped.workload = "numa-misplacement";
  skipped.verdict = {workloads::Status::skipped, "needs 2 NUMA nodes", false};
  run.steps.push_back({"numa", "numa-misplacement", {}, skipped});
  ReportInput input;
  input.schema = "mmtune.tune/1";
  input.scenario = run;
  input.host = facts;
  input.advice = advisor::advice_from_json(
      nlohmann::json::parse(slurp(test::test_data("golden/numa2-5.15/advise-general.json"))));
  const ReportDocument doc = build_report(input);
  expect_same_content(doc);
  const std::string html = render_report_html(doc);
  EXPECT_NE(html.find("<h2>Step numa: numa-misplacement</h2>"), std::string::npos);
  EXPECT_NE(html.find("tone-warning"), std::string::npos) << "a skipped step stands out";
  EXPECT_NE(html.find("<h2>Advice</h2>"), std::string::npos);
}

}  // namespace
}  // namespace mmtune::report
