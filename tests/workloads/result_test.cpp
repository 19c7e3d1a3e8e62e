#include "workloads/result.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"
#include "facts/units.hpp"

namespace mmtune::workloads {
namespace {

Result sample_result() {
  Result r;
  r.workload = "demand-paging";
  r.started_at = "2026-01-01T00:00:00Z";
  r.wall_s = 1.5;
  r.host.kernel.release = "6.18.0";
  r.host.kernel.major = 6;
  r.host.kernel.minor = 18;
  r.parameters.push_back({"size", "1GiB", "bytes", {1073741824.0}, false});
  r.parameters.push_back({"pattern", "sequential", "choice", {}, true});
  r.limits = {1ull << 30, 10ull << 30, false, 300, std::nullopt, "", {{"zone-free", 0.5}}};
  model::Prediction faults{
      "faults", 262144, "faults", {"faults = pages", "do_anonymous_page", "= 262144"}};
  r.predictions.push_back({"minor_faults", faults, 0.02, std::nullopt, std::nullopt});
  r.measurements.push_back(
      {"minor_faults", 262150, "faults", "measured", "getrusage ru_minflt", {}});
  r.measurements.push_back(
      {"fork_ms.64MiB", 0.8, "ms", "measured", "CLOCK_MONOTONIC", {{"rss", "64MiB"}}});
  r.comparisons = compare(r.predictions, r.measurements);
  Phase phase;
  phase.name = "touch";
  phase.end_s = 0.4;
  phase.vmstat_delta.values["pgfault"] = 262200;
  phase.rusage_delta.minor_faults = 262150;
  r.phases.push_back(phase);
  Series host;
  host.name = "host";
  host.t_s = {0, 0.1};
  host.columns["pgfault"] = {1, 2};
  host.units["pgfault"] = "events";
  r.series.push_back(host);
  r.verdict = {Status::ok, "", false};
  r.explanation = {"minor_faults within 2 %"};
  return r;
}

TEST(Compare, WithinToleranceAndRange) {
  model::Prediction p{"x", 100, "faults", {}};
  std::vector<Expectation> predictions = {{"a", p, 0.02, std::nullopt, std::nullopt},
                                          {"b", p, 0.02, std::nullopt, std::nullopt},
                                          {"c", p, std::nullopt, 90.0, 110.0},
                                          {"d", p, std::nullopt, std::nullopt, std::nullopt},
                                          {"", p, 0.02, std::nullopt, std::nullopt}};
  std::vector<Measurement> measured = {{"a", 101.9, "faults", "measured", "", {}},
                                       {"b", 97.9, "faults", "measured", "", {}},
                                       {"c", 111, "faults", "measured", "", {}},
                                       {"d", 50, "faults", "measured", "", {}}};
  std::vector<Comparison> c = compare(predictions, measured);
  ASSERT_EQ(c.size(), 4u);
  EXPECT_TRUE(*c[0].within);
  EXPECT_FALSE(*c[1].within);
  EXPECT_FALSE(*c[2].within);
  EXPECT_FALSE(c[3].within.has_value());
  EXPECT_NEAR(c[0].deviation, 0.019, 1e-9);
}

TEST(ResultJson, RoundTrip) {
  Result r = sample_result();
  Result back = result_from_json(to_json(r));
  EXPECT_EQ(back.workload, r.workload);
  EXPECT_EQ(back.host.kernel, r.host.kernel);
  ASSERT_EQ(back.measurements.size(), 2u);
  EXPECT_EQ(back.find("fork_ms.64MiB")->labels.at("rss"), "64MiB");
  EXPECT_EQ(back.prediction_for("minor_faults")->prediction.why.kernel_function,
            "do_anonymous_page");
  ASSERT_EQ(back.comparisons.size(), 1u);
  EXPECT_TRUE(*back.comparisons[0].within);
  EXPECT_EQ(back.phases[0].vmstat_delta.get("pgfault"), 262200u);
  EXPECT_EQ(back.phases[0].rusage_delta.minor_faults, 262150u);
  EXPECT_EQ(back.find_series("host")->columns.at("pgfault"), (std::vector<double>{1, 2}));
  // Parameters are a JSON object keyed by name, so they come back in name order.
  ASSERT_EQ(back.parameters.size(), 2u);
  EXPECT_EQ(back.parameters[0].name, "pattern");
  EXPECT_EQ(back.parameters[0].text, "sequential");
  EXPECT_TRUE(back.parameters[0].numbers.empty());
  EXPECT_EQ(back.parameters[1].numbers, (std::vector<double>{1073741824.0}));
  EXPECT_FALSE(back.parameters[1].defaulted);
  EXPECT_EQ(back.verdict.status, Status::ok);
  EXPECT_EQ(back.explanation, r.explanation);
  std::swap(back.parameters[0], back.parameters[1]);
  EXPECT_EQ(to_json(back), to_json(r));
}

TEST(ResultJson, AGovernorStopAndMovedSettingsRoundTrip) {
  Result r = sample_result();
  r.verdict = {Status::failed, "stopped by the governor: psi-memory-full at 12.30 % (…)", false};
  r.governor_stop = GovernorStop{
      "psi-memory-full", 12.3, 10, "%", "memory PSI full avg10 12.30 % > 10 %", 1.25, 1.5, 11.9};
  r.moved_settings.push_back({"proc/sys/vm/swappiness", "11", "33"});
  const std::string text = to_json(r);
  Result back = result_from_json(text);
  ASSERT_TRUE(back.governor_stop.has_value());
  EXPECT_EQ(back.governor_stop->tripwire, "psi-memory-full");
  EXPECT_EQ(back.governor_stop->at_s, 1.25);
  EXPECT_EQ(back.governor_stop->value_at_end, 11.9);
  ASSERT_EQ(back.moved_settings.size(), 1u);
  EXPECT_EQ(back.moved_settings[0].now, "33");
  EXPECT_EQ(back.limits.governor.at("zone-free"), 0.5);
  EXPECT_EQ(to_json(back).size(), text.size());
  // A result without them (every one before the governor) reads back without them.
  Result plain = result_from_json(to_json(sample_result()));
  EXPECT_FALSE(plain.governor_stop.has_value());
  EXPECT_TRUE(plain.moved_settings.empty());
  EXPECT_EQ(to_json(sample_result()).find("moved_settings"), std::string::npos);
}

// Found by hand while adding the governor's fields (the fuzz target had not got there yet): a
// field of the wrong type threw nlohmann's type_error out of `mmtune report` (exit 4).
TEST(ResultJson, AFieldOfTheWrongTypeIsBadInputNotAnInternalError) {
  for (const char* text :
       {R"({"schema": "mmtune.result/1", "workload": 1})",
        R"({"schema": "mmtune.result/1", "limits": {"forced": "yes"}})", R"({"schema": 5})"}) {
    try {
      result_from_json(text);
      FAIL() << text;
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input) << text;
    }
  }
}

TEST(ResultJson, CarriesTheSchema) {
  EXPECT_NE(to_json(sample_result()).find("\"schema\": \"mmtune.result/1\""), std::string::npos);
}

TEST(ResultJson, RejectsOtherDocuments) {
  EXPECT_THROW(result_from_json("{\"schema\": \"mmtune.result/9\"}"), Error);
  EXPECT_THROW(result_from_json("not json"), Error);
  EXPECT_THROW(
      result_from_json("{\"schema\": \"mmtune.result/1\", \"verdict\": {\"status\": \"meh\"}}"),
      Error);
}

TEST(ResultJson, NonFiniteNumbersBecomeNull) {
  Result r = sample_result();
  r.measurements.push_back({"ratio", std::nan(""), "x", "derived", "a / 0", {}});
  std::string text = to_json(r);
  EXPECT_NE(text.find("\"value\": null"), std::string::npos);
  EXPECT_TRUE(std::isnan(result_from_json(text).find("ratio")->value));
}

}  // namespace
}  // namespace mmtune::workloads
