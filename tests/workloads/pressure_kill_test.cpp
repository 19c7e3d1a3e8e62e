// kill -9 of `mmtune run` in the middle of dirty-flood (slow device), reclaim and oom (with swap):
// the workload and its workers die with it (PR_SET_PDEATHSIG), and what they changed — dirty
// settings, the loop device, its mount and blkio limit, swap files, cgroups, files — is undone by
// restore_leftovers(), as the next run or `mmtune restore` does.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <thread>

#include "changes/journal.hpp"
#include "changes/slow_device.hpp"
#include "changes/trace_instance.hpp"
#include "probes/readers.hpp"
#include "tests/support/recorded_hosts.hpp"
#include "tests/support/test_support.hpp"
#include "tests/workloads/pressure_support.hpp"

namespace mmtune::workloads {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

std::string journal_text(const fs::path& state) {
  std::string text;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(state, ec)) text += test::slurp(entry.path());
  return text;
}

// Waits until every line in `kinds` has appeared in the run's journal (the setup is done), then
// a little longer (the workload is at work), and kills the run with SIGKILL.
void kill_when_journaled(pid_t pid, const fs::path& state, const std::vector<std::string>& kinds,
                         std::chrono::milliseconds extra) {
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  for (;;) {
    std::string text = journal_text(state);
    bool all = true;
    for (const std::string& kind : kinds)
      all = all && text.find("\"kind\":\"" + kind + "\"") != std::string::npos;
    if (all) break;
    int status = 0;
    ASSERT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "mmtune ended before its setup was done";
    ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "setup not journaled: " << text;
    std::this_thread::sleep_for(20ms);
  }
  std::this_thread::sleep_for(extra);
  ASSERT_EQ(::kill(pid, SIGKILL), 0);
  int status = 0;
  ::waitpid(pid, &status, 0);
  EXPECT_TRUE(WIFSIGNALED(status));
}

// The journal stays locked while any process of the run is alive (the workload and its workers
// share the lock through the inherited descriptor), so restore waits for them all to be gone.
std::vector<changes::UndoOutcome> restore_when_dead(const fs::path& state) {
  std::vector<changes::UndoOutcome> all;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  while (!fs::is_empty(state) && std::chrono::steady_clock::now() < deadline) {
    std::vector<changes::UndoOutcome> outcomes = changes::restore_leftovers(state);
    all.insert(all.end(), outcomes.begin(), outcomes.end());
    std::this_thread::sleep_for(50ms);
  }
  return all;
}

class KillNine : public testing::Test {
 protected:
  void SetUp() override {
    if (!test::is_root()) GTEST_SKIP() << "needs root";
    facts_ = probes::read_host_facts(probes::HostFs("/"));
    test::wait_for_quiet_io();  // the run is spawned with the governor's defaults
  }
  void expect_restored(const HostSnapshot& before,
                       const std::vector<changes::UndoOutcome>& outcomes) {
    EXPECT_TRUE(fs::is_empty(state_.path())) << "every journal was undone and removed";
    for (const changes::UndoOutcome& o : outcomes)
      EXPECT_EQ(o.status, changes::UndoStatus::restored) << o.message;
    EXPECT_TRUE(fs::is_empty(dir_.path())) << "files, images and swap files are gone";
    EXPECT_EQ(snapshot_host(), before);
  }
  facts::HostFacts facts_;
  test::TempDir state_, dir_;
};

TEST_F(KillNine, DirtyFloodOnASlowDevice) {
  if (auto why = changes::slow_device_unsupported(probes::HostFs("/"))) GTEST_SKIP() << *why;
  test::HostSettingsLock lock;
  HostSnapshot before = snapshot_host();
  pid_t pid =
      test::spawn_mmtune({"run", "dirty-flood", "--state-dir", state_.path().string(), "--dir",
                          dir_.path().string(), "--device-bps", "16MiB", "--dirty-bytes", "64MiB",
                          "--dirty-background-bytes", "32MiB", "--size", "512MiB"});
  // Where the tracepoint can be read, the run's trace instance (and a tracefs mounted for it) is
  // undone too.
  const bool traced =
      !changes::tracing_unsupported(probes::HostFs("/"), "writeback/balance_dirty_pages");
  std::vector<std::string> kinds = {"dirty_pair", "loop_device", "mount", "io_limit"};
  if (traced) kinds.push_back("trace_instance");
  kill_when_journaled(pid, state_.path(), kinds, 1500ms);
  EXPECT_NE(snapshot_host(), before) << "the run had changed the host when it was killed";
  std::vector<changes::UndoOutcome> outcomes = restore_when_dead(state_.path());
  EXPECT_GE(outcomes.size(), 5u);
  expect_restored(before, outcomes);
  // The loop device was made for the run: detached and removed, not left idle.
  EXPECT_TRUE(std::any_of(outcomes.begin(), outcomes.end(), [](const changes::UndoOutcome& o) {
    return o.message.starts_with("detached and removed /dev/loop");
  })) << testing::PrintToString(outcomes.size());
  EXPECT_EQ(std::any_of(outcomes.begin(), outcomes.end(),
                        [](const changes::UndoOutcome& o) {
                          return o.message.starts_with("removed trace instance");
                        }),
            traced);
}

TEST_F(KillNine, ReclaimWithASwapFile) {
  if (facts_.cgroup.version == 0) GTEST_SKIP() << "needs a memory cgroup controller";
  if (facts_.has_swap()) GTEST_SKIP() << "the host has swap: no temporary swap file is made";
  test::HostSettingsLock lock;
  HostSnapshot before = snapshot_host();
  pid_t pid = test::spawn_mmtune({"run", "reclaim", "--state-dir", state_.path().string(), "--dir",
                                  dir_.path().string(), "--swap", "256MiB", "--limit", "128MiB",
                                  "--anon", "96MiB", "--file", "128MiB", "--duration", "30s"});
  kill_when_journaled(pid, state_.path(), {"swap_file", "temp_file", "cgroup"}, 1000ms);
  EXPECT_NE(snapshot_host(), before);
  expect_restored(before, restore_when_dead(state_.path()));
}

TEST_F(KillNine, OomWithASwapFile) {
  if (facts_.cgroup.version == 0) GTEST_SKIP() << "needs a memory cgroup controller";
  if (facts_.has_swap()) GTEST_SKIP() << "the host has swap: no temporary swap file is made";
  test::HostSettingsLock lock;
  HostSnapshot before = snapshot_host();
  pid_t pid = test::spawn_mmtune({"run", "oom", "--state-dir", state_.path().string(), "--dir",
                                  dir_.path().string(), "--swap", "128MiB", "--limit", "64MiB",
                                  "--repeat", "20"});
  kill_when_journaled(pid, state_.path(), {"swap_file", "cgroup"}, 300ms);
  EXPECT_NE(snapshot_host(), before);
  expect_restored(before, restore_when_dead(state_.path()));
}

}  // namespace
}  // namespace mmtune::workloads
