// The report of a sweep, of a check and of a search (`mmtune optimize --json`), from files `mmtune
// sweep --json` and `mmtune check --json` wrote on this machine (tests/data/reports/): the tables
// hold the saved numbers, the plots the saved samples and thresholds, and the Markdown the same
// sections and numbers as the HTML.
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "facts/error.hpp"
#include "facts/units.hpp"
#include "report/document.hpp"
#include "report/html.hpp"
#include "report/input.hpp"
#include "report/markdown.hpp"
#include "tests/report/report_text.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::report {
namespace {

using nlohmann::json;
using test::slurp;

// The <svg> element of the plot with this title (its aria-label), or "".
std::string plot_svg(const std::string& html, const std::string& title) {
  const size_t label = html.find("aria-label=\"" + title + "\"");
  if (label == std::string::npos) return "";
  const size_t start = html.rfind("<svg", label);
  return html.substr(start, html.find("</svg>", label) + 6 - start);
}

void expect_same_sections_and_numbers(const ReportDocument& doc) {
  const test::ReportText md = test::markdown_text(render_report_markdown(doc));
  const test::ReportText web = test::html_text(render_report_html(doc));
  EXPECT_EQ(md.headings, web.headings);
  EXPECT_EQ(md.numbers, web.numbers);
  EXPECT_GT(md.numbers.size(), 50u);
}

TEST(ReportOfASweep, TablesAndPlotsHoldTheSavedSamples) {
  const std::string text = slurp(test::test_data("reports/sweep-demand-paging.json"));
  const json saved = json::parse(text);
  const ReportInput input = read_report_input(text);
  ASSERT_TRUE(input.sweep.has_value());
  const ReportDocument doc = build_report(input);
  EXPECT_EQ(doc.title, "mmtune report: sweep of demand-paging");
  const std::string html = render_report_html(doc);

  // Per key metric: the plot's points are each setting's samples by repeat, and the table's
  // median is the one the sweep saved.
  const json& settings = saved["settings"];
  ASSERT_EQ(settings.size(), 2u);
  for (const json& metric : saved["key_metrics"]) {
    const std::string name = metric.get<std::string>();
    const std::string svg = plot_svg(html, name + " per repeat, each setting");
    ASSERT_FALSE(svg.empty()) << name;
    const test::Drawn drawn = test::read_svg(svg);
    const double pixel = (drawn.y1 - drawn.y0) / drawn.height;
    for (const json& setting : settings) {
      const std::string label =
          "vm.dirty_ratio=" + setting["settings"]["vm.dirty_ratio"].get<std::string>();
      const json& samples = setting["metrics"][name]["samples"];
      ASSERT_EQ(drawn.series.count(label + ", observed"), 1u) << name << " " << label;
      const auto& points = drawn.series.at(label + ", observed");
      ASSERT_EQ(points.size(), samples.size()) << name << " " << label;
      for (size_t r = 0; r < points.size(); ++r) {
        EXPECT_NEAR(points[r].first, double(r + 1), 0.01) << "repeat " << r + 1;
        EXPECT_NEAR(points[r].second, samples[r].get<double>(), 0.06 * pixel) << name;
      }
      const std::string median =
          facts::format_value(setting["metrics"][name]["median"].get<double>(),
                              setting["metrics"][name]["unit"].get<std::string>());
      EXPECT_NE(
          html.find("<td>" + label + "</td><td class=\"num\">" + std::to_string(samples.size()) +
                    "</td><td class=\"num\">" + median + "</td>"),
          std::string::npos)
          << name << " " << label << " median " << median;
    }
  }
  // Each setting's first run in full: its free memory against the watermarks the model derives
  // for the host as that run read it.
  for (const char* heading : {"<h2>Setting vm.dirty_ratio=10: repeat 1 of 2</h2>",
                              "<h2>Setting vm.dirty_ratio=20: repeat 1 of 2</h2>"})
    EXPECT_NE(html.find(heading), std::string::npos) << heading;
  const std::string free = plot_svg(html, "Free memory against the watermarks");
  ASSERT_FALSE(free.empty());
  EXPECT_EQ(test::read_svg(free).levels.count("predicted low watermark"), 1u);
  expect_same_sections_and_numbers(doc);
}

TEST(ReportOfACheck, SamplesAgainstTheBaselineMedianAndTheRegressionLimit) {
  const std::string text = slurp(test::test_data("reports/check-ci-smoke.json"));
  const json saved = json::parse(text);
  const ReportDocument doc = build_report(read_report_input(text));
  EXPECT_EQ(doc.title, "mmtune report: check of ci-smoke/ci");
  const std::string html = render_report_html(doc);
  const json& counts = saved["counts"];
  EXPECT_NE(html.find(fmt::format("{} passed, {} failed, {} skipped (exit code {})",
                                  counts["passed"].get<int>(), counts["failed"].get<int>(),
                                  counts["skipped"].get<int>(), saved["exit_code"].get<int>())),
            std::string::npos);
  ASSERT_FALSE(saved["metrics"].empty());
  for (const json& m : saved["metrics"]) {
    const std::string name = m["name"].get<std::string>();
    const std::string svg = plot_svg(html, name + ": baseline and this host, per repeat");
    ASSERT_FALSE(svg.empty()) << name;
    const test::Drawn drawn = test::read_svg(svg);
    const double pixel = (drawn.y1 - drawn.y0) / drawn.height;
    for (const auto& [label, key] :
         {std::pair{"baseline samples, observed then", "baseline_samples"},
          std::pair{"samples here, observed now", "now_samples"}}) {
      ASSERT_EQ(drawn.series.count(label), 1u) << name;
      const auto& points = drawn.series.at(label);
      ASSERT_EQ(points.size(), m[key].size()) << name << " " << label;
      for (size_t i = 0; i < points.size(); ++i)
        EXPECT_NEAR(points[i].second, m[key][i].get<double>(), 0.06 * pixel) << name << " " << i;
    }
    const double median = m["baseline_median"].get<double>();
    const double allowance = m["allowance"].get<double>();
    EXPECT_DOUBLE_EQ(drawn.levels.at("baseline median"), median) << name;
    EXPECT_DOUBLE_EQ(drawn.levels.at("regression limit"),
                     m["direction"] == "lower" ? median + allowance : median - allowance)
        << name;
  }
  expect_same_sections_and_numbers(doc);
}

TEST(ReportOfACheck, CountsThatDisagreeWithTheTestsAreRejected) {
  json saved = json::parse(slurp(test::test_data("reports/check-ci-smoke.json")));
  saved["counts"]["failed"] = 0;
  try {
    read_report_input(saved.dump());
    FAIL() << "accepted counts that do not match the tests";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("do not match"), std::string::npos) << e.what();
  }
  saved = json::parse(slurp(test::test_data("reports/sweep-demand-paging.json")));
  saved["settings"][0].erase("runs");
  try {
    read_report_input(saved.dump());
    FAIL() << "accepted a sweep setting without runs";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("mmtune.sweep/1"), std::string::npos) << e.what();
  }
  // A schema tag that is not a string escaped as nlohmann's type_error ("internal error").
  try {
    read_report_input(R"({"schema": 1})");
    FAIL() << "accepted a document whose schema is a number";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_EQ(std::string(e.what()).rfind("schema \"\" is not one this build reports on", 0), 0u)
        << e.what();
  }
}

TEST(ReportOfASearch, ConvergencePlotAndTrialsHoldTheSavedTrials) {
  const std::string text = slurp(test::test_data("reports/optimize-dirty-flood.json"));
  const json saved = json::parse(text);
  const ReportInput input = read_report_input(text);
  ASSERT_TRUE(input.optimize.has_value());
  ASSERT_TRUE(input.host.has_value());
  const ReportDocument doc = build_report(input);
  EXPECT_EQ(doc.title, "mmtune report: search of dirty-flood");
  const std::string html = render_report_html(doc);
  const std::string svg = plot_svg(html, "bystander_stall_p99_ms per trial, and the best so far");
  ASSERT_FALSE(svg.empty());
  const test::Drawn drawn = test::read_svg(svg);
  const double pixel = (drawn.y1 - drawn.y0) / drawn.height;
  const auto& measured = drawn.series.at("bystander_stall_p99_ms, observed");
  const auto& best = drawn.series.at("best so far (the search's estimate)");
  size_t m = 0, b = 0;
  for (const json& trial : saved["trials"]) {
    const double index = trial["index"].get<double>();
    if (!trial["objective"].is_null()) {
      ASSERT_LT(m, measured.size());
      EXPECT_NEAR(measured[m].first, index, 0.01);
      EXPECT_NEAR(measured[m++].second, trial["objective"].get<double>(), 0.06 * pixel);
    }
    if (!trial["incumbent"].is_null()) {
      ASSERT_LT(b, best.size());
      EXPECT_NEAR(best[b++].second, trial["incumbent"].get<double>(), 0.06 * pixel);
    }
  }
  EXPECT_EQ(m, measured.size());
  EXPECT_EQ(b, best.size());
  EXPECT_FALSE(plot_svg(html, "vm.dirty_bytes tried, per trial").empty());
  EXPECT_FALSE(plot_svg(html, "vm.dirty_background_bytes tried, per trial").empty());
  EXPECT_NE(html.find("Against the starting settings: -12.2 %"), std::string::npos);
  EXPECT_NE(html.find("misses a constraint"), std::string::npos);
  expect_same_sections_and_numbers(doc);
}

}  // namespace
}  // namespace mmtune::report
