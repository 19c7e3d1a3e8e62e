// One writer per host and settings moved from outside, end to end with two and more processes:
// the two concurrent sweeps (the second refused naming the first, or waiting for it, and
// vm.swappiness back at its own value after both), read-only commands that never wait, and a
// sweep whose knob someone else changes during a run (the run invalidated, repeated or dropped,
// exit 1). Every test runs its mmtune processes under a host lock of its own (MMTUNE_HOST_LOCK in
// a temporary directory), so it excludes its own processes and nobody else's.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <nlohmann/json.hpp>
#include <string>
#include <thread>

#include "changes/host_lock.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Clock = std::chrono::steady_clock;

constexpr const char* kSwappiness = "/proc/sys/vm/swappiness";

std::string swappiness() { return trimmed(slurp(kSwappiness)); }

// vm.swappiness put back as it was, whatever the test did.
class SwappinessGuard {
 public:
  SwappinessGuard() : original_(swappiness()) {}
  ~SwappinessGuard() {
    if (swappiness() != original_) std::ofstream(kSwappiness) << original_;
  }
  const std::string& original() const { return original_; }

 private:
  std::string original_;
};

// MMTUNE_HOST_LOCK for this test's mmtune processes, unset again after it.
class TestLockPath {
 public:
  TestLockPath() : path_(dir_.path() / "host.lock") {
    ::setenv("MMTUNE_HOST_LOCK", path_.c_str(), 1);
  }
  ~TestLockPath() { ::unsetenv("MMTUNE_HOST_LOCK"); }
  const fs::path& path() const { return path_; }

 private:
  TempDir dir_;
  fs::path path_;
};

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

// Waits until pid holds the host lock at path; false if it ended or 20 s passed first.
bool wait_until_holding(const fs::path& path, pid_t pid) {
  const auto deadline = Clock::now() + std::chrono::seconds(20);
  while (Clock::now() < deadline) {
    if (auto holder = changes::host_holder(path); holder && holder->pid == pid) return true;
    int status = 0;
    if (::waitpid(pid, &status, WNOHANG) == pid) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return false;
}

double seconds_since(Clock::time_point start) {
  return std::chrono::duration<double>(Clock::now() - start).count();
}

TEST(HostLock, TwoSweepsAtOnceTheSecondRefusesOrWaitsAndTheHostEndsAsItWas) {
  if (!is_root()) GTEST_SKIP() << "a sweep of vm.swappiness needs root";
  HostSettingsLock settings_lock;
  SwappinessGuard guard;
  TestLockPath lock;
  TempDir dir;
  const std::vector<std::string> common = {
      "--repeat", "2", "--size", "128MiB", "--state-dir", (dir.path() / "state").string()};
  auto sweep = [&](std::vector<std::string> head, const std::string& json_name) {
    head.insert(head.end(), common.begin(), common.end());
    head.insert(head.end(), {"--json", (dir.path() / json_name).string()});
    return head;
  };
  const auto start = Clock::now();
  const pid_t first =
      spawn_mmtune(sweep({"sweep", "demand-paging", "--knob", "vm.swappiness=11,12"}, "first.json"),
                   dir.path() / "first.out", dir.path() / "first.err");
  ASSERT_TRUE(wait_until_holding(lock.path(), first)) << slurp(dir.path() / "first.err");

  // Without --wait: exit 3 at once, naming the holder and what it runs.
  const auto refused_at = Clock::now();
  CliResult refused = run_mmtune(
      sweep({"sweep", "demand-paging", "--knob", "vm.swappiness=21,22"}, "refused.json"));
  const double refused_s = seconds_since(refused_at);
  EXPECT_EQ(refused.exit_code, 3) << refused.err;
  EXPECT_NE(refused.err.find("mmtune pid " + std::to_string(first) +
                             " (sweep demand-paging --knob vm.swappiness=11,12 --repeat 2"),
            std::string::npos)
      << refused.err;
  EXPECT_NE(refused.err.find("holds the host; --wait[=DURATION] waits for it"), std::string::npos)
      << refused.err;
  EXPECT_FALSE(fs::exists(dir.path() / "refused.json")) << "it ran nothing";
  EXPECT_LT(refused_s, 5.0) << "refused at once";

  // With --wait: says whom it waits for, runs after the first, and measures its own settings.
  const auto waited_at = Clock::now();
  CliResult waited = run_mmtune(
      sweep({"sweep", "demand-paging", "--knob", "vm.swappiness=21,22", "--wait"}, "second.json"));
  const double waited_s = seconds_since(waited_at);
  const int first_exit = wait_exit(first);
  const double both_s = seconds_since(start);
  EXPECT_EQ(first_exit, 0) << slurp(dir.path() / "first.err");
  EXPECT_EQ(waited.exit_code, 0) << waited.err;
  EXPECT_NE(waited.err.find("waiting for mmtune pid " + std::to_string(first)), std::string::npos)
      << waited.err;
  for (const char* name : {"first.json", "second.json"}) {
    const json j = json::parse(slurp(dir.path() / name));
    EXPECT_TRUE(j["notes"].empty()) << name << ": " << j["notes"].dump();
    EXPECT_TRUE(j["invalidated"].empty()) << name;
    for (const json& setting : j["settings"]) {
      for (const json& run : setting["runs"]) {
        // Each run measured under the setting its own sweep wrote, nobody else's.
        EXPECT_EQ(run["result"]["host"]["settings"]["vm.swappiness"],
                  setting["settings"]["vm.swappiness"])
            << name;
        EXPECT_EQ(run["result"]["verdict"]["status"], "ok") << name;
      }
    }
  }
  EXPECT_EQ(swappiness(), guard.original()) << "back at its own value after both sweeps";
  std::cout << "[ host lock ] refused in " << refused_s << " s (exit " << refused.exit_code
            << "); the waiting sweep took " << waited_s << " s (exit " << waited.exit_code
            << "); both sweeps " << both_s << " s; vm.swappiness " << guard.original() << " → "
            << swappiness() << "\n";
}

TEST(HostLock, ReadOnlyCommandsNeverWaitAndHostChangingOnesRefuse) {
  TestLockPath lock;
  TempDir dir;
  changes::HostLock held =
      changes::HostLock::acquire("sweep held-by-the-test", {}, nullptr, {}, lock.path());
  const std::string state = (dir.path() / "state").string();
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"host"}, std::vector<std::string>{"list"},
        std::vector<std::string>{"model"},
        std::vector<std::string>{"probe", "--duration", "200ms", "--interval", "100ms"},
        std::vector<std::string>{"advise", "--profile", "general"}}) {
    const auto start = Clock::now();
    CliResult r = run_mmtune(args);
    EXPECT_EQ(r.exit_code, 0) << args[0] << ": " << r.err;
    EXPECT_EQ(r.err.find("holds the host"), std::string::npos) << args[0];
    EXPECT_LT(seconds_since(start), 10.0) << args[0];
  }
  if (!is_root()) return;  // the commands below refuse a non-root user before the lock
  for (const std::vector<std::string>& args :
       {std::vector<std::string>{"run", "demand-paging", "--size", "16MiB", "--state-dir", state},
        std::vector<std::string>{"sweep", "demand-paging", "--knob", "vm.swappiness=11",
                                 "--state-dir", state},
        std::vector<std::string>{"scenario", "ci-smoke"},
        std::vector<std::string>{"tune", "-o", dir.path().string()},
        std::vector<std::string>{"baseline", "-o", (dir.path() / "b.json").string(), "--state-dir",
                                 state},
        std::vector<std::string>{"restore", "--state-dir", state, "--wait", "200ms"}}) {
    CliResult r = run_mmtune(args);
    EXPECT_EQ(r.exit_code, 3) << args[0] << ": " << r.err;
    EXPECT_NE(r.err.find("mmtune pid " + std::to_string(::getpid()) + " (sweep held-by-the-test)"),
              std::string::npos)
        << args[0] << ": " << r.err;
  }
  EXPECT_FALSE(fs::exists(dir.path() / "b.json"));
  EXPECT_EQ(journal_files(state), 0u) << "nothing changed";
}

TEST(GovernorOptions, BadValuesExit2NamingTheOptionBeforeAnythingRuns) {
  TestLockPath lock;
  TempDir dir;
  const std::string state = (dir.path() / "state").string();
  struct Case {
    std::vector<std::string> args;
    std::string says;
  };
  for (const Case& c : {
           Case{{"--governor", "lenient"},
                "--governor: \"lenient\" is not off, strict or defaults"},
           Case{{"--stop-at-psi-memory", "150%"}, "--stop-at-psi-memory: \"150%\""},
           Case{{"--stop-at-psi-io", "ten"}, "--stop-at-psi-io: \"ten\""},
           Case{{"--stop-at-zone-margin", "-1"}, "--stop-at-zone-margin: \"-1\""},
           Case{{"--stop-at-swap-fill", "2"}, "--stop-at-swap-fill: \"2\""},
           Case{{"--stop-at-foreign-oom", "maybe"}, "--stop-at-foreign-oom: \"maybe\""},
           Case{{"--stop-at-foreign-cpu", "x"}, "--stop-at-foreign-cpu: \"x\""},
           Case{{"--wait=soon"}, "--wait: \"soon\" is not a duration"},
       }) {
    std::vector<std::string> args = {"run",   "demand-paging", "--size",
                                     "16MiB", "--state-dir",   state};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliResult r = run_mmtune(args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(c.says), std::string::npos) << r.err;
  }
  EXPECT_EQ(journal_files(state), 0u) << "nothing ran";
  EXPECT_FALSE(changes::host_holder(lock.path()).has_value());
}

// Writes value into vm.swappiness each time it finds it at `when`, `times` times in all (another
// writer on the host), until stopped.
class OutsideWriter {
 public:
  OutsideWriter(std::string when, std::string value, int times)
      : thread_([this, when, value, times] {
          while (!stop_ && writes_ < times) {
            if (swappiness() == when) {
              std::ofstream(kSwappiness) << value;
              ++writes_;
            }
            std::this_thread::sleep_for(std::chrono::milliseconds(2));
          }
        }) {}
  ~OutsideWriter() {
    stop_ = true;
    thread_.join();
  }
  int writes() const { return writes_; }

 private:
  std::atomic<bool> stop_{false};
  std::atomic<int> writes_{0};
  std::thread thread_;
};

TEST(MovedSettings, AKnobChangedFromOutsideInvalidatesTheRunWhichIsRepeatedThenDropped) {
  if (!is_root()) GTEST_SKIP() << "a sweep of vm.swappiness needs root";
  HostSettingsLock settings_lock;
  SwappinessGuard guard;
  TestLockPath lock;
  TempDir dir;
  const auto start = Clock::now();
  CliResult r;
  int writes = 0;
  {
    // Twice: the first run of vm.swappiness=11 and the run that repeats it.
    OutsideWriter writer("11", "33", 2);
    r = run_mmtune({"sweep", "demand-paging", "--knob", "vm.swappiness=11,12", "--repeat", "2",
                    "--size", "256MiB", "--json", (dir.path() / "sweep.json").string(),
                    "--state-dir", (dir.path() / "state").string()});
    writes = writer.writes();
  }
  const double seconds = seconds_since(start);
  EXPECT_EQ(writes, 2);
  EXPECT_EQ(r.exit_code, 1) << r.err;
  EXPECT_NE(r.out.find("invalid: 2 runs stood on a setting someone else changed (1 repeated, 1 "
                       "dropped)"),
            std::string::npos)
      << r.out;
  EXPECT_NE(r.err.find("proc/sys/vm/swappiness was 33, not the 11 mmtune wrote"), std::string::npos)
      << r.err;
  const json j = json::parse(slurp(dir.path() / "sweep.json"));
  ASSERT_EQ(j["invalidated"].size(), 2u) << j["invalidated"].dump();
  EXPECT_EQ(j["invalidated"][0]["then"], "repeated");
  EXPECT_EQ(j["invalidated"][1]["then"], "dropped");
  EXPECT_EQ(j["invalidated"][0]["repeat"], 1);
  EXPECT_EQ(j["invalidated"][0]["moved_settings"][0]["now"], "33");
  // vm.swappiness=11 keeps only its second repeat; 12 keeps both, none of them stands on a move.
  ASSERT_EQ(j["settings"].size(), 2u);
  ASSERT_EQ(j["settings"][0]["runs"].size(), 1u);
  EXPECT_EQ(j["settings"][0]["runs"][0]["repeat"], 2);
  EXPECT_EQ(j["settings"][1]["runs"].size(), 2u);
  for (const json& setting : j["settings"]) {
    for (const json& run : setting["runs"])
      EXPECT_FALSE(run["result"]["verdict"].contains("moved_settings")) << run["repeat"];
  }
  EXPECT_EQ(swappiness(), guard.original())
      << "the journal knew the value from before its first write";
  std::cout << "[ moved setting ] sweep with 2 outside writes: exit " << r.exit_code << " in "
            << seconds << " s; vm.swappiness " << guard.original() << " → " << swappiness() << "\n";
}

}  // namespace
}  // namespace mmtune::test
