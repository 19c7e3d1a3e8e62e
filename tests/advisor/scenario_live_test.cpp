// Scenarios on this host: every shipped profile's every scenario plans here, the database's full
// scenario runs (each step cut to two seconds: what is checked is that every step starts under the
// probes, writes where the data lives and ends cleanly — done, skipped with its reason, or stopped
// at its time limit — not what it measures), and the write-bandwidth
// measurement tune relies on reports the device's bandwidth in the data directory.
#include <gtest/gtest.h>
#include <sys/statfs.h>

#include <algorithm>
#include <string>

#include "advisor/evidence.hpp"
#include "advisor/profile.hpp"
#include "advisor/scenario.hpp"
#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "tests/support/test_support.hpp"
#include "workloads/runner.hpp"

namespace mmtune::advisor {
namespace {

facts::HostFacts live_facts() { return probes::read_host_facts(probes::HostFs("/")); }

TEST(ScenarioLive, EveryProfileAndScenarioPlansHere) {
  const test::TempDir dir;
  const DataDir data = describe_data_dir(dir.path(), true);
  const facts::HostFacts facts = live_facts();
  for (const std::string& name : profile_names()) {
    const Profile profile = load_profile(name);
    for (const auto& [scenario, s] : profile.scenarios) {
      try {
        const ScenarioPlan plan = plan_scenario(profile, scenario, facts, &data);
        EXPECT_FALSE(plan.steps.empty());
      } catch (const Error& e) {
        ADD_FAILURE() << name << " --scenario " << scenario << ": " << e.what();
      }
    }
  }
}

TEST(ScenarioLive, DatabaseFullRunsEveryStepBrieflyHere) {
  if (!test::is_root()) GTEST_SKIP() << "the steps run in memory cgroups: needs root";
  const test::TempDir dir;
  const DataDir data = describe_data_dir(dir.path(), true);
  ScenarioPlan plan = plan_scenario(load_profile("database"), "full", live_facts(), &data);
  for (PlannedStep& step : plan.steps) step.step.time_limit_s = 2;
  const ScenarioRun run = run_scenario(plan, {});
  ASSERT_EQ(run.steps.size(), plan.steps.size());
  int ran = 0;
  for (const StepOutcome& step : run.steps) {
    const workloads::Verdict& v = step.result.verdict;
    if (v.status == workloads::Status::skipped) continue;
    ++ran;
    if (v.status == workloads::Status::failed) {
      EXPECT_EQ(v.reason, "time limit of 2 s reached") << step.id;
    }
    const workloads::Series* host = step.result.find_series("host");
    ASSERT_NE(host, nullptr) << step.id << " ran without the host sampler";
    EXPECT_FALSE(host->t_s.empty()) << step.id;
  }
  EXPECT_GE(ran, 3) << "demand-paging, thp and dirty-flood run on any host";
  const StepOutcome* flood = run.find_step("dirty-flood");
  ASSERT_NE(flood, nullptr);
  EXPECT_NE(std::find(flood->params.begin(), flood->params.end(),
                      std::pair<std::string, std::string>{"dir", data.path.string()}),
            flood->params.end())
      << "dirty-flood does not write in the data directory";
  ASSERT_TRUE(run.data_dir.has_value());
  EXPECT_EQ(run.data_dir->path, data.path);
}

TEST(ScenarioLive, WriteBandwidthMeasuresTheDataDirectory) {
  const test::TempDir dir;
  workloads::RunOptions options;
  options.params = {{"dir", dir.path().string()},
                    {"size", uint64_t(64) << 20},
                    {"chunk", uint64_t(16) << 20},
                    {"duration", std::chrono::nanoseconds(std::chrono::seconds(1))}};
  options.time_limit = std::chrono::seconds(20);
  options.state_dir = dir.path() / "state";
  const workloads::Result result =
      workloads::execute(workloads::plan_run("write-bandwidth", options, live_facts()), options);
  ASSERT_EQ(result.verdict.status, workloads::Status::ok) << result.verdict.reason;
  const workloads::Measurement* written = result.find("written_bytes");
  ASSERT_NE(written, nullptr);
  EXPECT_GE(written->value, 16.0 * (1 << 20));
  EXPECT_EQ(uint64_t(written->value) % (16u << 20), 0u) << "whole chunks, each synced";
  const workloads::Measurement* sustained = result.find("sustained_mib_per_s");
  ASSERT_NE(sustained, nullptr);
  EXPECT_GT(sustained->value, 0);
  const workloads::Measurement* drain = result.find("hard_limit_drain_s");
  ASSERT_NE(drain, nullptr);
  EXPECT_GT(drain->value, 0);
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()) ||
              (std::distance(std::filesystem::directory_iterator(dir.path()),
                             std::filesystem::directory_iterator()) == 1 &&
               std::filesystem::exists(dir.path() / "state")))
      << "the file was left behind";
}

TEST(ScenarioLive, AMemoryBackedDataDirectoryIsNeverMeasured) {
  struct statfs info {};
  if (::statfs("/dev/shm", &info) != 0 || info.f_type != 0x01021994)
    GTEST_SKIP() << "no tmpfs at /dev/shm";
  const DataDir data = describe_data_dir("/dev/shm", true);
  EXPECT_TRUE(data.memory_backed);
  EXPECT_EQ(data.filesystem, "tmpfs");
  const ScenarioPlan plan = plan_scenario(load_profile("database"), "quick", live_facts(), &data);
  const auto step = std::find_if(plan.steps.begin(), plan.steps.end(), [](const PlannedStep& s) {
    return s.step.id == "write-bandwidth";
  });
  ASSERT_NE(step, plan.steps.end());
  ASSERT_TRUE(step->plan.unsupported.has_value());
  EXPECT_NE(step->plan.unsupported->find("is in memory"), std::string::npos)
      << *step->plan.unsupported;
  EXPECT_NE(step->plan.unsupported->find("`mmtune tune --profile database --data-dir DIR`"),
            std::string::npos)
      << *step->plan.unsupported;
  const auto note = data_dir_note(data, load_profile("database"), nullptr);
  ASSERT_TRUE(note.has_value());
  EXPECT_EQ(*note, *step->plan.unsupported);
}

}  // namespace
}  // namespace mmtune::advisor
