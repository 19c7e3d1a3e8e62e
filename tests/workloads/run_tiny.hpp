#pragma once
// Runs a workload on this host the way `mmtune run` does, with a private state directory.
#include <gtest/gtest.h>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "probes/readers.hpp"
#include "tests/support/test_support.hpp"
#include "workloads/runner.hpp"

namespace mmtune::workloads {

using Params = std::vector<std::pair<std::string, std::string>>;

// The runner's defaults, but for the governor's foreign-CPU tripwire: the test host is shared, and
// another engineer's build starting is no reason to stop a test's workload. The governor's own
// tests switch on what they provoke.
inline RunOptions test_options() {
  RunOptions options;
  options.governor.foreign_cpu_rise.reset();
  return options;
}

inline Result run_tiny(std::string_view name, Params params, RunOptions options = test_options()) {
  test::wait_for_quiet_io();  // an earlier test's flood would trip the governor's io tripwire
  test::TempDir state;
  options.state_dir = state.path();
  options.params = text_inputs(params);
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  RunPlan plan = plan_run(name, options, facts);
  return execute(plan, options);
}

inline const Comparison* comparison(const Result& result, std::string_view metric) {
  for (const Comparison& c : result.comparisons) {
    if (c.metric == metric) return &c;
  }
  return nullptr;
}

// The measurement is there and, where the model gave a tolerance or range, agrees with it.
inline testing::AssertionResult agrees(const Result& result, std::string_view metric) {
  const Comparison* c = comparison(result, metric);
  if (!c) return testing::AssertionFailure() << "no comparison for " << metric;
  if (!c->within || !*c->within) {
    return testing::AssertionFailure()
           << metric << ": measured " << c->measured << ", model " << c->predicted;
  }
  return testing::AssertionSuccess();
}

inline double value(const Result& result, std::string_view name) {
  const Measurement* m = result.find(name);
  EXPECT_NE(m, nullptr) << name;
  return m ? m->value : 0;
}

}  // namespace mmtune::workloads
