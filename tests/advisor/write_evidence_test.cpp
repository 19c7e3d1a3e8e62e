// The write-bandwidth measurement as evidence for the dirty limits of a profile that writes: the
// hard limit must drain within the profile's dirty_drain_s at the measured rate. Without it the
// profile's fallback applies with low confidence; with it the advice cites it and its confidence
// rises.
#include <gtest/gtest.h>

#include "advisor/advice.hpp"
#include "advisor/evidence.hpp"
#include "advisor/profile.hpp"
#include "probes/readers.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::advisor {
namespace {

constexpr double kMiB = 1 << 20;

facts::HostFacts recorded(const std::string& host) {
  return probes::read_host_facts(probes::HostFs(test::test_data("hosts/" + host)));
}

ScenarioRun bandwidth_run(const facts::HostFacts& facts, double mib_per_s) {
  StepOutcome step;
  step.id = step.workload = step.result.workload = "write-bandwidth";
  step.result.measurements = {{"sustained_mib_per_s",
                               mib_per_s,
                               "MiB/s",
                               "derived",
                               "written_bytes / (write_s + drain_s)",
                               {}}};
  ScenarioRun run;
  run.profile = "database";
  run.scenario = "quick";
  run.facts = facts;
  run.data_dir = DataDir{"/srv/pg", "ext4", "/dev/sdb1", false, true};
  run.steps = {step};
  return run;
}

const Recommendation& rec(const Advice& advice, std::string_view knob) {
  const Recommendation* r = advice.find(knob);
  if (!r) throw std::runtime_error("no recommendation for " + std::string(knob));
  return *r;
}

TEST(WriteEvidence, ASlowDeviceGetsLimitsSizedToItWithMediumConfidence) {
  const facts::HostFacts facts = recorded("local-6.18");
  const Profile database = load_profile("database");
  const Advice without = advise(facts, database, nullptr);
  EXPECT_EQ(rec(without, "vm.dirty_bytes").confidence, Confidence::low);

  const ScenarioRun run = bandwidth_run(facts, 40);  // 40 MiB/s, a drain time of 1 s
  const Advice with = advise(facts, database, &run);
  const Recommendation& hard = rec(with, "vm.dirty_bytes");
  EXPECT_TRUE(hard.change);
  EXPECT_EQ(hard.recommended, std::to_string(uint64_t(40 * kMiB)));
  EXPECT_EQ(hard.confidence, Confidence::medium);
  ASSERT_FALSE(hard.evidence.empty());
  EXPECT_EQ(hard.evidence[0].measurement, "sustained_mib_per_s");
  bool cites_where = false;
  for (const std::string& line : hard.rationale)
    cites_where = cites_where || line.find("/srv/pg (ext4 on /dev/sdb1)") != std::string::npos;
  EXPECT_TRUE(cites_where);
}

TEST(WriteEvidence, ADeviceThatDrainsTheLimitInTimeKeepsItWithHighConfidence) {
  const facts::HostFacts facts = recorded("local-6.18");
  const ScenarioRun run = bandwidth_run(facts, 1e6);  // ~1 TiB/s: any limit drains at once
  const Advice with = advise(facts, load_profile("database"), &run);
  const Recommendation& hard = rec(with, "vm.dirty_ratio");
  EXPECT_FALSE(hard.change);
  EXPECT_EQ(hard.confidence, Confidence::high);
  EXPECT_EQ(with.find("vm.dirty_bytes"), nullptr);
}

TEST(WriteEvidence, TheNoteSaysWhereNothingWasMeasuredAndHowToMeasureIt) {
  const DataDir there{"/srv/pg", "ext4", "/dev/sdb1", false, true};
  const Profile database = load_profile("database");
  EXPECT_EQ(data_dir_note(there, database, nullptr).value_or(""),
            "no write bandwidth was measured in /srv/pg (ext4 on /dev/sdb1): `mmtune tune "
            "--profile database --data-dir /srv/pg` measures it (about 2 s)");
  const ScenarioRun run = bandwidth_run(recorded("local-6.18"), 100);
  EXPECT_FALSE(data_dir_note(there, database, &run).has_value());
  const DataDir elsewhere{"/var/lib/pg", "xfs", "/dev/sdc1", false, true};
  EXPECT_EQ(data_dir_note(elsewhere, database, &run).value_or(""),
            "the run measured writes in /srv/pg (ext4 on /dev/sdb1), not in /var/lib/pg (xfs on "
            "/dev/sdc1): `mmtune tune --profile database --data-dir /var/lib/pg` measures there");
  EXPECT_FALSE(data_dir_note(there, load_profile("general"), nullptr).has_value());
}

}  // namespace
}  // namespace mmtune::advisor
