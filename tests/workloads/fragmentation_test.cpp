// fragmentation on this host: a short run restores every setting it touched and agrees with the
// kernel's own fragmentation index; a kill -9 in the middle is undone by `mmtune restore`.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <thread>

#include "changes/debugfs.hpp"
#include "probes/free_lists.hpp"
#include "tests/support/test_support.hpp"
#include "tests/workloads/run_tiny.hpp"
#include "workloads/registry.hpp"

namespace mmtune::workloads {
namespace {

namespace fs = std::filesystem;

// What the workload changes, as the host has it now.
struct Touched {
  std::string defrag, proactiveness, nr_hugepages_2m, nr_hugepages_1g, mountinfo_debugfs;
  bool operator==(const Touched&) const = default;
};

std::string read_or(const probes::HostFs& fs, const std::string& path) {
  return fs.read(path).value_or("absent");
}

Touched touched_now() {
  probes::HostFs fs("/");
  Touched t;
  t.defrag = read_or(fs, "sys/kernel/mm/transparent_hugepage/defrag");
  t.proactiveness = read_or(fs, "proc/sys/vm/compaction_proactiveness");
  t.nr_hugepages_2m = read_or(fs, probes::hugetlb_pool_file(2u << 20));
  t.nr_hugepages_1g = read_or(fs, probes::hugetlb_pool_file(1u << 30));
  t.mountinfo_debugfs =
      probes::debugfs_mount_point(read_or(fs, "proc/self/mountinfo")).value_or("none");
  return t;
}

// Why this host cannot run the workload, or "" when it can.
std::string cannot_run() {
  const facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  const Workload* w = find_workload("fragmentation");
  if (!w) return "no workload named fragmentation";
  if (auto why = w->unsupported(facts)) return *why;
  if (auto why = changes::debugfs_unsupported(probes::HostFs("/"))) return *why;
  return "";
}

// A bounded run: at most 1 GiB fragmented (the pins hold 2 MiB of it), 16 MiB per defrag mode,
// 32 MiB of hugetlb pages, no 1 GiB page, a one-second repair window.
const Params kShort = {{"span", "1GiB"},
                       {"fault-size", "16MiB"},
                       {"hugetlb", "32MiB"},
                       {"gigantic", "off"},
                       {"repair", "1s"}};

TEST(FragmentationLive, ShortRunMatchesTheKernelsIndexAndRestoresEverything) {
  if (std::string why = cannot_run(); !why.empty()) GTEST_SKIP() << why;
  test::HostSettingsLock lock;
  const Touched before = touched_now();
  Result r = run_tiny("fragmentation", kShort);
  EXPECT_EQ(touched_now(), before)
      << "defrag, proactiveness, hugetlb pools or debugfs left changed";
  if (r.verdict.status == Status::skipped) GTEST_SKIP() << r.verdict.reason;
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;

  // The kernel's extfrag_index and the model's agree on every zone and order of one buddyinfo
  // read (stages where buddyinfo never held still for a debugfs read are not reported).
  int stages = 0;
  for (const char* stage : {"before", "fragmented", "compacted", "released"}) {
    const Measurement* pairs = r.find(std::string("index_pairs.") + stage);
    if (!pairs) continue;
    ++stages;
    EXPECT_GT(pairs->value, 0) << stage;
    EXPECT_EQ(value(r, std::string("index_mismatches.") + stage), 0) << stage;
  }
  EXPECT_GT(stages, 0);

  EXPECT_GT(value(r, "fragmented_blocks"), 0);
  EXPECT_EQ(value(r, "pinned_pages"), value(r, "fragmented_blocks"));
  // defrag=never does not compact at fault time; defrag=always does, unless a free block served
  // every fault. (compact_stall is host-wide: another process's stall would show here too.)
  if (r.find("stalled.never")) {
    EXPECT_TRUE(agrees(r, "stalled.never"));
  }
  if (r.find("stalled.always")) {
    EXPECT_TRUE(agrees(r, "stalled.always") ||
                value(r, "huge_faults.always") == value(r, "fault_latency.always_count"))
        << "defrag=always neither stalled nor found free blocks for every fault";
  }
  const Series* lists = nullptr;
  for (const Series& s : r.series)
    if (s.name == "free_lists") lists = &s;
  ASSERT_NE(lists, nullptr);
  EXPECT_GE(lists->t_s.size(), 4u);
  EXPECT_EQ(lists->columns.at("order_09").size(), lists->t_s.size());
}

// Whether pid still runs (a zombie does not).
bool running(pid_t pid) {
  std::string stat = test::slurp(fs::path("/proc") / std::to_string(pid) / "stat");
  size_t paren = stat.rfind(')');
  return paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z';
}

TEST(FragmentationLive, KillNineMidRunThenRestoreLeavesNothing) {
  if (std::string why = cannot_run(); !why.empty()) GTEST_SKIP() << why;
  test::HostSettingsLock lock;
  test::TempDir state;
  const Touched before = touched_now();
  std::vector<std::string> args = {"run", "fragmentation", "--state-dir", state.path().string()};
  for (const auto& [name, value] : kShort) args.insert(args.end(), {"--" + name, value});
  args.back() = "30s";  // a long repair window: the kill lands well inside the run
  const pid_t controller = test::spawn_mmtune(args);
  // Killed once the workload has changed something: thp.defrag or the proactiveness moved.
  const auto end = std::chrono::steady_clock::now() + std::chrono::seconds(30);
  while (touched_now() == before && std::chrono::steady_clock::now() < end)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  const bool changed = touched_now() != before;
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  ::kill(controller, SIGKILL);
  ::waitpid(controller, nullptr, 0);
  ASSERT_TRUE(changed) << "the run never changed a setting";
  // The workload dies with its controller (PR_SET_PDEATHSIG); its journal stays for restore.
  std::this_thread::sleep_for(std::chrono::milliseconds(500));
  EXPECT_FALSE(running(controller));
  EXPECT_EQ(test::journal_files(state.path()), 1u);

  test::CliResult restore = test::run_mmtune({"restore", "--state-dir", state.path().string()});
  EXPECT_EQ(restore.exit_code, 0) << restore.err;
  EXPECT_EQ(touched_now(), before) << restore.out << restore.err;
  EXPECT_EQ(test::journal_files(state.path()), 0u);
  for (const auto& entry : fs::directory_iterator(state.path()))
    EXPECT_EQ(entry.path().filename().string().find("mmtune-debugfs"), std::string::npos)
        << entry.path();
}

}  // namespace
}  // namespace mmtune::workloads
