// `mmtune sweep` end to end on this host: bad input changes nothing, every setting runs and is
// restored, and a SIGKILL anywhere in a sweep is always undone by `mmtune restore`. Tests that
// change settings hold HostSettingsLock and put every value back in a destructor.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <thread>

#include "tests/cli/dirty_settings.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// The mmtune-* memory cgroups that exist now, under our own memory cgroup.
std::set<std::string> mmtune_cgroups() {
  std::set<std::string> found;
  std::ifstream in("/proc/self/cgroup");
  std::string line, dir;
  while (std::getline(in, line)) {
    if (line.find(":memory:") != std::string::npos)
      dir = "/sys/fs/cgroup/memory" + line.substr(line.rfind(':') + 1);
  }
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) {
    if (it->path().filename().string().starts_with("mmtune-")) found.insert(it->path().string());
  }
  return found;
}

TEST(Sweep, BadKnobsExit2BeforeAnythingChanges) {
  TempDir state;
  const std::map<std::string, std::string> before = dirty_settings();
  for (std::vector<std::string> args :
       {std::vector<std::string>{"--knob", "vm.dirty_ratoi=5,10"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio=5,500"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio=5", "--knob",
                                 "vm.dirty_bytes=100000000"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio=5", "--repeat", "0"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio=5", "--sise", "16MiB"}}) {
    std::vector<std::string> all = {"sweep", "demand-paging", "--state-dir", state.path().string()};
    all.insert(all.end(), args.begin(), args.end());
    CliResult r = run_mmtune(all);
    EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find("mmtune: error: "), std::string::npos) << r.err;
  }
  EXPECT_EQ(dirty_settings(), before);
  EXPECT_EQ(journal_files(state.path()), 0u) << "no journal: nothing was about to change";
}

TEST(Sweep, RunsEverySettingAndRestores) {
  if (!is_root()) GTEST_SKIP() << "changing vm.dirty_ratio needs root";
  HostSettingsLock lock;
  DirtySettingsGuard guard;
  TempDir state, out;
  const auto start = std::chrono::steady_clock::now();
  CliResult r = run_mmtune({"sweep", "demand-paging", "--knob", "vm.dirty_ratio=15,25", "--repeat",
                            "4", "--size", "16MiB", "--json", (out.path() / "sweep.json").string(),
                            "--state-dir", state.path().string()});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(dirty_settings(), guard.original()) << "restored after the sweep";
  EXPECT_NE(r.out.find("ns_per_fault"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vm.dirty_ratio=25"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Mann-Whitney U"), std::string::npos) << r.out;
  // Every run saw its setting: the journal wrote it, the workload ran under it.
  EXPECT_NE(r.err.find("sweep [8/8] vm.dirty_ratio=25 (repeat 4/4)"), std::string::npos) << r.err;
  json j = json::parse(slurp(out.path() / "sweep.json"));
  EXPECT_EQ(j["schema"], "mmtune.sweep/1");
  ASSERT_EQ(j["settings"].size(), 2u);
  EXPECT_EQ(j["settings"][1]["settings"]["vm.dirty_ratio"], "25");
  EXPECT_EQ(j["settings"][1]["runs"].size(), 4u);
  EXPECT_EQ(j["settings"][1]["metrics"]["minor_faults"]["n"], 4);
  EXPECT_EQ(j["settings"][1]["runs"][0]["result"]["host"]["settings"]["vm.dirty_ratio"], "25")
      << "each run is planned under its own setting";
  EXPECT_EQ(journal_files(state.path()), 0u);
  std::cout << "[ sweep ] 2 settings x 4 repeats of demand-paging 16MiB: " << seconds << " s\n";
}

// ---- SIGKILL anywhere in a sweep, then `mmtune restore` ----

// Processes whose parent is pid (the sweep's workload process), from /proc/*/stat.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = slurp(it->path() / "stat");
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == pid) children.push_back(std::stoi(name));
  }
  return children;
}

// The state letter of /proc/PID/stat ('R', 'S', 'Z'…), or 0 when there is no such process.
char process_state(pid_t pid) {
  const std::string stat = slurp(fs::path("/proc") / std::to_string(pid) / "stat");
  const size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? 0 : stat[close + 2];
}

// Whether pid still runs. A zombie does not: a killed workload is reparented to init, which reaps
// it when it gets to it (this host's init is slow at that), and a zombie holds no memory, cgroup
// or lock. The kernel delivers the parent-death signal while the controller exits, but the
// workload runs its exit (unmapping its memory) afterwards, so give it a moment.
bool process_runs(pid_t pid, std::chrono::milliseconds patience = std::chrono::seconds(2)) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    const char state = process_state(pid);
    if (state == 0 || state == 'Z' || state == 'X') return false;
    if (std::chrono::steady_clock::now() >= deadline) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// What the journals of one process say: settings written and not yet undone, and whether a
// workload's journal (the runner's, which holds its memory cgroup) exists.
struct JournalView {
  size_t settings_pending = 0;
  bool runner = false;
};

JournalView journals_of(const fs::path& dir, pid_t pid) {
  JournalView view;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) {
    std::istringstream lines(slurp(it->path()));
    std::string line;
    if (!std::getline(lines, line)) continue;
    json header = json::parse(line, nullptr, false);
    if (!header.is_object() || header.value("pid", 0) != pid) continue;
    std::set<uint64_t> undone;
    std::vector<std::pair<uint64_t, std::string>> entries;
    while (std::getline(lines, line)) {
      json entry = json::parse(line, nullptr, false);
      if (!entry.is_object()) continue;
      if (entry.contains("undone")) undone.insert(entry["undone"].get<uint64_t>());
      if (entry.contains("id"))
        entries.emplace_back(entry["id"].get<uint64_t>(), entry.value("kind", ""));
    }
    for (const auto& [id, kind] : entries) {
      view.runner |= kind == "cgroup";
      if ((kind == "setting" || kind == "dirty_pair") && !undone.contains(id))
        ++view.settings_pending;
    }
  }
  return view;
}

enum class KillPoint { before_first_write, between_writes, during_workload };
constexpr const char* kKillPointNames[] = {"before the first write", "between writes",
                                           "during a workload"};

TEST(Restore, SigkillAnywhereInASweepIsAlwaysRestored) {
  if (!is_root()) GTEST_SKIP() << "a sweep changes vm.dirty_ratio: needs root";
  HostSettingsLock lock;
  DirtySettingsGuard guard;
  const std::set<std::string> cgroups_before = mmtune_cgroups();
  TempDir state;
  const auto start = std::chrono::steady_clock::now();
  std::map<KillPoint, int> hits;
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE("kill " + std::to_string(i + 1));
    const auto target = static_cast<KillPoint>(i % 3);
    // --settle keeps the sweep between its writes (a setting applied, no workload yet) for a
    // while, so that point can be hit on purpose; the memory limit makes each run leave a cgroup.
    const pid_t pid = spawn_mmtune(
        {"sweep", "demand-paging", "--knob", "vm.dirty_ratio=15,25", "--knob",
         "vm.dirty_background_ratio=5,8", "--repeat", "2", "--settle", "300ms", "--size", "128MiB",
         "--memory-limit", "512MiB", "--time-limit", "20s", "--state-dir", state.path().string()});
    ASSERT_GT(pid, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    if (target == KillPoint::before_first_write) {
      std::this_thread::sleep_for(std::chrono::milliseconds(i % 9));
    } else {
      for (;;) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the sweep never got there";
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "the sweep ended before the kill";
        const bool running_workload = !children_of(pid).empty();
        if (target == KillPoint::during_workload && running_workload) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          break;
        }
        if (target == KillPoint::between_writes && !running_workload &&
            journals_of(state.path(), pid).settings_pending > 0)
          break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    // Stop it to see where it really is, then kill it there.
    ::kill(pid, SIGSTOP);
    int status = 0;
    ::waitpid(pid, &status, WUNTRACED);
    const std::vector<pid_t> workload = children_of(pid);
    const JournalView view = journals_of(state.path(), pid);
    const KillPoint where = !workload.empty()           ? KillPoint::during_workload
                            : view.settings_pending > 0 ? KillPoint::between_writes
                                                        : KillPoint::before_first_write;
    ++hits[where];
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    CliResult restore = run_mmtune({"restore", "--state-dir", state.path().string()});
    ASSERT_EQ(restore.exit_code, 0) << kKillPointNames[int(where)] << "\n"
                                    << restore.out << restore.err;
    if (view.settings_pending > 0) {
      EXPECT_NE(restore.out.find("restored (killed run): proc/sys/vm/dirty"), std::string::npos)
          << kKillPointNames[int(where)] << "\n"
          << restore.out;
    }
    if (where == KillPoint::during_workload) {
      EXPECT_NE(restore.out.find("removed cgroup"), std::string::npos) << restore.out;
      for (pid_t child : workload)
        EXPECT_FALSE(process_runs(child))
            << "workload " << child << " state " << process_state(child);
    }
    EXPECT_EQ(dirty_settings(), guard.original()) << kKillPointNames[int(where)];
    EXPECT_EQ(mmtune_cgroups(), cgroups_before) << kKillPointNames[int(where)];
    EXPECT_EQ(journal_files(state.path()), 0u) << kKillPointNames[int(where)] << "\n"
                                               << restore.out;
  }
  EXPECT_GE(hits[KillPoint::before_first_write], 1);
  EXPECT_GE(hits[KillPoint::between_writes], 1);
  EXPECT_GE(hits[KillPoint::during_workload], 1);
  // After all of them: nothing is left changed.
  EXPECT_EQ(dirty_settings(), guard.original());
  EXPECT_EQ(mmtune_cgroups(), cgroups_before);
  std::cout << "[ kills ] before the first write " << hits[KillPoint::before_first_write]
            << ", between writes " << hits[KillPoint::between_writes] << ", during a workload "
            << hits[KillPoint::during_workload] << "; "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            << " s\n";
}

}  // namespace
}  // namespace mmtune::test
