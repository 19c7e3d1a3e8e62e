#pragma once
// `mmtune check`: re-runs a baseline's scenario here and compares. Three result classes
// (docs/checks.md):
//
//   drift        each fingerprint group that is unchanged passes as one test; each setting that
//                differs (or exists on one side only) fails as its own test, named after it
//   correctness  always fails on: a step that failed in any repeat (crash, OOM kill of the
//                workload, time limit), data lost in dio-fork-race (any variant, any repeat), an
//                oom step whose controller did not survive; a step this host cannot run is a SKIP
//                with its reason
//   performance  one test per baseline metric, classified against the baseline's samples:
//                  regressed  worse, significantly (Mann-Whitney U one-sided, α = 0.05) AND by
//                             more than the allowance, max(tolerance × |baseline median|,
//                             absolute, the baseline's own range max − min): fails
//                  noisy      worse beyond the allowance but not significant: passes (noise
//                             must not fail CI)
//                  improved   better, significantly and beyond the allowance: passes
//                  ok         anything else: passes
//                fewer than kMinRepeats samples on either side: SKIP (insufficient samples)
//
// Exit (check_exit_code): 1 when any test failed, 3 when nothing could run here (every
// correctness and performance test skipped) and nothing failed, else 0. The CLI maps bad input
// to 2.
#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/scenario.hpp"
#include "compare/baseline.hpp"
#include "compare/fingerprint.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::compare {

inline constexpr std::string_view kCheckSchema = "mmtune.check/1";
inline constexpr double kCheckAlpha = 0.05;

enum class TestStatus { pass, fail, skip };
std::string_view to_string(TestStatus status);

struct CheckTest {
  std::string suite;  // "drift", "correctness", "performance"
  std::string name;   // "vm.dirty_ratio", "demand-paging/ns_per_fault"
  TestStatus status = TestStatus::pass;
  std::string verdict;  // finer class: unchanged/changed, ok/regressed/noisy/improved, pass/fail
  std::string summary;  // one line, what TAP prints after the name
  std::vector<std::pair<std::string, std::string>> details;  // key → value, for YAML and JUnit
  std::string skip_reason;
  double time_s = 0;
};

// One performance comparison, also kept whole for the JSON.
struct MetricVerdict {
  std::string name, unit, direction;
  std::vector<double> baseline, now;
  double baseline_median = 0, now_median = 0;
  double change = 0;     // (now − baseline) / |baseline| (medians); 0 when baseline is 0
  double worse_by = 0;   // in the metric's unit, positive when now is worse
  double allowance = 0;  // max(tolerance × |baseline median|, absolute, baseline_range)
  double baseline_range =
      0;  // max − min of the baseline's samples: noise seen with nothing changed
  double p_worse = 1, p_better = 1;
  std::string verdict;  // ok, regressed, noisy, improved, insufficient
};

MetricVerdict compare_metric(const BaselineMetric& baseline, const std::vector<double>& now);
CheckTest metric_test(const MetricVerdict& verdict);

std::vector<CheckTest> drift_tests(const Fingerprint& baseline, const Fingerprint& now);
std::vector<CheckTest> correctness_tests(const Baseline& baseline, const RepeatedRuns& runs);
std::vector<CheckTest> performance_tests(const Baseline& baseline, const RepeatedRuns& runs,
                                         std::vector<MetricVerdict>* verdicts = nullptr);

struct CheckReport {
  std::string started_at;
  std::string baseline_file;
  Baseline baseline;
  Fingerprint fingerprint;  // this host now
  int repeats = 0;
  double wall_s = 0;
  std::vector<CheckTest> tests;  // drift, then correctness, then performance
  std::vector<MetricVerdict> metrics;
  std::vector<std::string> notes;
  bool interrupted = false;

  size_t count(TestStatus status) const;
};

// Reads this host's fingerprint, runs the baseline's scenario `repeats` times (baseline_profile:
// the same steps and parameters) and builds every test. Throws Error{bad_input} when the
// baseline's steps cannot be planned here (a workload or parameter this build does not know).
CheckReport run_check(const Baseline& baseline, std::string baseline_file, int repeats,
                      const advisor::ScenarioOptions& options, const probes::HostFs& fs);

int check_exit_code(const CheckReport& report);

nlohmann::json check_to_json(const CheckReport& report);

}  // namespace mmtune::compare
