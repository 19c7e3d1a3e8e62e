// Reports open with the answer: what to change (or that nothing needs to, and why) with the
// confidence and one line of reason, then the evidence, then the details — in the HTML and the
// Markdown of the document, and in the advisor's own Markdown report.
#include "report/answer.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "advisor/advice_json.hpp"
#include "probes/readers.hpp"
#include "report/advice_render.hpp"
#include "report/html.hpp"
#include "report/markdown.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::report {
namespace {

advisor::Advice golden_advice(const std::string& host, const std::string& profile) {
  return advisor::advice_from_json(nlohmann::json::parse(
      test::slurp(test::test_data("golden/" + host + "/advise-" + profile + ".json"))));
}

// Positions of the headings in text, which must appear in this order.
void expect_in_order(const std::string& text, std::initializer_list<std::string> headings) {
  size_t last = 0;
  for (const std::string& heading : headings) {
    const size_t at = text.find(heading, last);
    ASSERT_NE(at, std::string::npos) << heading << " missing, or before the previous heading";
    last = at;
  }
}

TEST(Answer, ChangesComeFirstWithConfidenceAndReason) {
  const advisor::Advice advice = golden_advice("numa2-5.15", "database");
  ASSERT_FALSE(advice.changes().empty());
  const std::vector<ReportSection> sections = answer_sections(advice);
  ASSERT_EQ(sections.size(), 2u);
  EXPECT_EQ(sections[0].title, "What to change");
  EXPECT_EQ(sections[1].title, "Evidence");
  const auto& table = std::get<ReportTable>(sections[0].blocks.at(1));
  ASSERT_EQ(table.rows.size(), advice.changes().size());
  const advisor::Recommendation& first = *advice.changes()[0];
  EXPECT_EQ(table.rows[0][0], first.knob);
  EXPECT_EQ(table.rows[0][2], std::string(advisor::to_string(first.confidence)));
  EXPECT_EQ(table.rows[0][3], first.summary);

  ReportInput input;
  input.schema = "mmtune.advice/1";
  input.advice = advice;
  const ReportDocument doc = build_report(input);
  expect_in_order(render_report_html(doc), {"<h2>What to change</h2>", "<h2>Evidence</h2>",
                                            "<h2>Host</h2>", "<h2>Advice</h2>"});
  expect_in_order(render_report_markdown(doc),
                  {"## What to change", "## Evidence", "## Host", "## Advice"});
  expect_in_order(render_markdown(advice),
                  {"## What to change", "## Evidence", "## Host", "## Advice"});
}

TEST(Answer, NothingToChangeSaysSoAndWhy) {
  advisor::Advice advice = golden_advice("local-6.18", "general");
  for (advisor::Recommendation& r : advice.recommendations) {
    r.change = false;
    r.recommended = r.current.value_or("");
  }
  const std::vector<ReportSection> sections = answer_sections(advice);
  const auto& said = std::get<ReportParagraph>(sections[0].blocks.at(0));
  EXPECT_EQ(said.text.rfind("Nothing to change: each of the ", 0), 0u) << said.text;
  EXPECT_EQ(said.tone, Tone::good);
  const auto& keeps = std::get<ReportTable>(sections[0].blocks.at(1));
  EXPECT_EQ(keeps.rows.size(), advice.recommendations.size());
  EXPECT_FALSE(keeps.rows[0][3].empty()) << "each keep says why";
}

TEST(Answer, EvidenceListsWhatWasNotMeasuredOnceWithTheSettingsWaitingForIt) {
  const advisor::Advice advice = golden_advice("numa2-5.15", "database");
  const std::vector<ReportSection> sections = answer_sections(advice);
  const ReportList* missing = nullptr;
  for (const ReportBlock& block : sections[1].blocks) {
    if (const auto* list = std::get_if<ReportList>(&block);
        list && list->caption.starts_with("Not measured"))
      missing = list;
  }
  ASSERT_NE(missing, nullptr);
  bool pair = false;
  for (const std::string& item : missing->items)
    pair = pair || item.starts_with("vm.dirty_bytes, vm.dirty_background_bytes: ");
  EXPECT_TRUE(pair) << "the dirty pair waits for one measurement, listed once";
}

}  // namespace
}  // namespace mmtune::report
