// kill -9 of mmtune at 20 random moments across the commands that change the host — sweep, run
// reclaim (swap file, memory cgroup), run oom, run dirty-flood on a slow loop device, apply
// --persist — each followed by `mmtune restore`: nothing may be left (settings, mounts, loop
// devices, swap, blkio rules, cgroups, trace instances, files, journals, the host lock).
// The moments are drawn from a seeded generator (MMTUNE_KILL_SEED overrides it) over the span a
// command takes here, so the kills land in start-up, set-up, the workload and clean-up.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <functional>
#include <map>
#include <random>
#include <sstream>
#include <thread>

#include "changes/slow_device.hpp"
#include "probes/readers.hpp"
#include "tests/cli/dirty_settings.hpp"
#include "tests/support/test_support.hpp"
#include "tests/workloads/pressure_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using workloads::HostSnapshot;
using workloads::snapshot_host;

// One command to kill: its arguments (given the state and data directories) and the span of
// time the kill is drawn from.
struct Target {
  std::string name;
  std::function<std::vector<std::string>(const fs::path& state, const fs::path& dir)> args;
  std::chrono::milliseconds span;
};

// Journal entries of changes made and not undone yet, over every journal in dir.
int pending_changes(const fs::path& dir) {
  int made = 0, undone = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) {
    std::istringstream lines(slurp(it->path()));
    std::string line;
    std::getline(lines, line);  // the header
    while (std::getline(lines, line)) {
      made += line.find("\"id\":") != std::string::npos;
      undone += line.find("\"undone\":") != std::string::npos;
    }
  }
  return made - undone;
}

// `mmtune restore` until the state directory is empty: the killed run's workers hold its journal
// until the kernel has ended them all (PR_SET_PDEATHSIG), which can take a moment.
CliResult restore_until_clean(const fs::path& state) {
  CliResult last;
  const auto deadline = std::chrono::steady_clock::now() + 30s;
  do {
    CliResult now = run_mmtune({"restore", "--state-dir", state.string()});
    last.exit_code = now.exit_code;
    last.out += now.out;
    last.err += now.err;
    // A finished apply's journal stays (`restore --applied` takes it back): nothing to wait for.
    const bool only_kept = now.out.find("kept by `mmtune apply`") != std::string::npos &&
                           now.out.find("nothing to restore") != std::string::npos;
    if (now.exit_code != 0 || fs::is_empty(state) || only_kept) break;
    std::this_thread::sleep_for(100ms);
  } while (std::chrono::steady_clock::now() < deadline);
  return last;
}

// Puts vm.swappiness back however the test ends (a finished apply keeps its value).
class SwappinessGuard {
 public:
  SwappinessGuard() : original_(trimmed(slurp(kPath))) {}
  ~SwappinessGuard() {
    if (trimmed(slurp(kPath)) != original_) write_text(kPath, original_ + "\n");
  }
  const std::string& original() const { return original_; }

 private:
  static constexpr const char* kPath = "/proc/sys/vm/swappiness";
  std::string original_;
};

std::vector<Target> targets(const facts::HostFacts& facts, const fs::path& sysctl_file,
                            const fs::path& changes_file) {
  std::vector<Target> all;
  all.push_back({"sweep",
                 [](const fs::path& state, const fs::path&) {
                   return std::vector<std::string>{"sweep",          "demand-paging",
                                                   "--knob",         "vm.dirty_ratio=15,25",
                                                   "--repeat",       "2",
                                                   "--settle",       "200ms",
                                                   "--size",         "128MiB",
                                                   "--memory-limit", "512MiB",
                                                   "--time-limit",   "20s",
                                                   "--state-dir",    state.string()};
                 },
                 3000ms});
  const bool memcg = facts.cgroup.version != 0, swapless = !facts.has_swap();
  if (memcg && swapless) {
    all.push_back({"reclaim",
                   [](const fs::path& state, const fs::path& dir) {
                     return std::vector<std::string>{
                         "run",    "reclaim", "--state-dir", state.string(), "--dir",  dir.string(),
                         "--swap", "256MiB",  "--limit",     "128MiB",       "--anon", "96MiB",
                         "--file", "128MiB",  "--duration",  "10s"};
                   },
                   4000ms});
    all.push_back({"oom",
                   [](const fs::path& state, const fs::path& dir) {
                     return std::vector<std::string>{"run",          "oom",      "--state-dir",
                                                     state.string(), "--dir",    dir.string(),
                                                     "--swap",       "128MiB",   "--limit",
                                                     "64MiB",        "--repeat", "20"};
                   },
                   3000ms});
  }
  if (!changes::slow_device_unsupported(probes::HostFs("/"))) {
    all.push_back({"dirty-flood",
                   [](const fs::path& state, const fs::path& dir) {
                     return std::vector<std::string>{"run",
                                                     "dirty-flood",
                                                     "--state-dir",
                                                     state.string(),
                                                     "--dir",
                                                     dir.string(),
                                                     "--device-bps",
                                                     "16MiB",
                                                     "--dirty-bytes",
                                                     "64MiB",
                                                     "--dirty-background-bytes",
                                                     "32MiB",
                                                     "--size",
                                                     "256MiB"};
                   },
                   4000ms});
  }
  all.push_back({"apply",
                 [sysctl_file, changes_file](const fs::path& state, const fs::path&) {
                   return std::vector<std::string>{
                       "apply",         changes_file.string(), "--yes",       "--persist",
                       "--sysctl-file", sysctl_file.string(),  "--state-dir", state.string()};
                 },
                 400ms});
  return all;
}

TEST(KillNine, TwentyRandomMomentsAcrossTheCommandsThatChangeTheHostAreAllRestored) {
  if (!is_root()) GTEST_SKIP() << "the commands change host settings: needs root";
  HostSettingsLock lock;
  DirtySettingsGuard dirty_guard;
  SwappinessGuard swappiness_guard;
  const facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  TempDir state, dir, etc;
  const fs::path sysctl_file = etc.path() / "90-mmtune.conf";
  const fs::path changes_file = etc.path() / "changes.conf";
  const HostSnapshot before = snapshot_host();
  const std::string& swappiness_before = swappiness_guard.original();
  // apply sets values unlike the host's own, so a finished apply can be told from a restored one.
  const std::string applied_swappiness = swappiness_before == "37" ? "38" : "37";
  write_text(changes_file, "vm.swappiness = " + applied_swappiness +
                               "\nvm.dirty_background_ratio = 7\nvm.dirty_ratio = 17\n");
  const std::vector<Target> all = targets(facts, sysctl_file, changes_file);

  const char* seed_text = std::getenv("MMTUNE_KILL_SEED");
  const unsigned seed = seed_text ? static_cast<unsigned>(std::stoul(seed_text)) : 20261207u;
  std::mt19937 random(seed);
  std::map<std::string, int> finished_first;
  int pending_total = 0;
  for (int i = 0; i < 20; ++i) {
    const Target& target = all[i % all.size()];
    const auto at = std::chrono::milliseconds(
        std::uniform_int_distribution<long>(0, target.span.count())(random));
    SCOPED_TRACE(fmt::format("kill {} of {}: {} after {} ms (seed {})", i + 1, 20, target.name,
                             at.count(), seed));
    wait_for_quiet_io();  // the last kill's flood can leave io PSI over the governor's limit
    const pid_t pid = spawn_mmtune(target.args(state.path(), dir.path()));
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(at);
    int status = 0;
    const bool ended = ::waitpid(pid, &status, WNOHANG) == pid;
    int pending = 0;
    if (!ended) {
      ::kill(pid, SIGSTOP);
      ::waitpid(pid, &status, WUNTRACED);
      pending = pending_changes(state.path());
      ::kill(pid, SIGKILL);
      ::waitpid(pid, &status, 0);
    } else {
      ++finished_first[target.name];
    }
    pending_total += pending;

    const CliResult restore = restore_until_clean(state.path());
    ASSERT_EQ(restore.exit_code, 0) << "the host lock is free and restore worked\n"
                                    << restore.out << restore.err;
    // Whole or nothing: an apply that got as far as keeping its changes (it may still be killed
    // on its way out) holds all three settings and its file; `mmtune restore --applied` takes
    // them back, file included.
    const bool apply_finished =
        target.name == "apply" && restore.out.find("kept by `mmtune apply`") != std::string::npos;
    if (apply_finished) {
      EXPECT_EQ(trimmed(slurp("/proc/sys/vm/swappiness")), applied_swappiness);
      EXPECT_EQ(dirty_settings().at("dirty_ratio"), "17");
      EXPECT_TRUE(fs::exists(sysctl_file));
      const CliResult back =
          run_mmtune({"restore", "--applied", "--state-dir", state.path().string()});
      ASSERT_EQ(back.exit_code, 0) << back.out << back.err;
    }
    EXPECT_TRUE(fs::is_empty(state.path())) << "every journal undone and removed\n" << restore.out;
    EXPECT_TRUE(fs::is_empty(dir.path())) << "files, images and swap files are gone";
    EXPECT_FALSE(fs::exists(sysctl_file)) << "no persisted file is left";
    EXPECT_EQ(snapshot_host(), before) << restore.out;
    std::cout << fmt::format(
        "[ kill {:2} ] {:<11} at {:4} ms: {}; {} change(s) pending; {}\n", i + 1, target.name,
        at.count(),
        ended ? fmt::format("had already ended (exit {})",
                            WIFEXITED(status) ? WEXITSTATUS(status) : -1)
              : std::string("killed"),
        pending,
        apply_finished ? "apply had finished: taken back with restore --applied" : "restored");
  }
  EXPECT_GT(pending_total, 0) << "some kills landed while the host was changed";
}

}  // namespace
}  // namespace mmtune::test
