// Reading what `mmtune report` renders: every schema by its own reader, and clear errors.
#include "report/input.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <sstream>

#include "advisor/advice_json.hpp"
#include "facts/error.hpp"
#include "facts/facts_json.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::report {
namespace {

using test::slurp;

std::string error_of(std::string_view text) {
  try {
    read_report_input(text);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    return e.what();
  }
  return "";
}

TEST(ReportInput, AdviceRoundTripsThroughItsJson) {
  for (const char* host : {"local-6.18", "numa2-5.15", "old-4.19", "container-v2-6.1"}) {
    const nlohmann::json golden = nlohmann::json::parse(
        slurp(test::test_data(std::string("golden/") + host + "/advise-database.json")));
    EXPECT_EQ(advisor::advice_to_json(advisor::advice_from_json(golden)), golden) << host;
  }
}

TEST(ReportInput, ReadsEachSchemaWithItsOwnReader) {
  const ReportInput advice =
      read_report_input(slurp(test::test_data("golden/numa2-5.15/advise-database.json")));
  EXPECT_TRUE(advice.advice && !advice.host && !advice.result && !advice.scenario);
  const ReportInput host = read_report_input(slurp(test::test_data("golden/numa2-5.15/host.json")));
  ASSERT_TRUE(host.host);
  EXPECT_EQ(host.host->numa.size(), 2u);

  workloads::Result r;
  r.workload = "thp";
  r.host = *host.host;
  const ReportInput run = read_report_input(workloads::to_json(r));
  ASSERT_TRUE(run.result);
  EXPECT_EQ(run.result->workload, "thp");
  EXPECT_EQ(run.host->numa.size(), 2u);

  advisor::ScenarioRun scenario;
  scenario.profile = "general";
  scenario.scenario = "quick";
  scenario.facts = *host.host;
  scenario.steps.push_back({"thp", "thp", {}, r});
  const nlohmann::json tune = {
      {"schema", "mmtune.tune/1"},
      {"advice",
       nlohmann::json::parse(slurp(test::test_data("golden/numa2-5.15/advise-database.json")))},
      {"scenario", advisor::scenario_to_json(scenario)}};
  const ReportInput both = read_report_input(tune.dump());
  ASSERT_TRUE(both.scenario && both.advice);
  EXPECT_EQ(both.scenario->steps.at(0).result.workload, "thp");
  EXPECT_EQ(both.advice->profile, "database");
}

TEST(ReportInput, SaysWhatIsWrong) {
  EXPECT_NE(error_of("{nope").find("not a JSON document"), std::string::npos);
  EXPECT_NE(error_of(R"({"schema": "mmtune.other/7"})").find("\"mmtune.other/7\" is not one"),
            std::string::npos);
  EXPECT_NE(error_of(R"({"schema": "mmtune.tune/1"})").find("needs \"advice\""), std::string::npos);
  EXPECT_NE(
      error_of(R"({"schema": "mmtune.result/1", "verdict": {"status": "great"}})").find("great"),
      std::string::npos);
}

}  // namespace
}  // namespace mmtune::report
