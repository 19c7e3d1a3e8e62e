// Where a run's cgroups go (changes/cgroup.hpp), decided on fake host trees for each layout: v1,
// hybrid, pure v2 in the root cgroup, v2 under systemd, and the cases that are not supported (a
// read-only cgroupfs, a controller not delegated, a cgroup with processes and no systemd). And
// the journal's undo of the controllers a run enabled.
#include "changes/cgroup.hpp"

#include <gtest/gtest.h>

#include "changes/journal.hpp"
#include "tests/support/fake_host.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::changes {
namespace {

namespace fs = std::filesystem;
using test::FakeHost;
using test::TempDir;
using test::write_text;

constexpr const char* kV2Mount =
    "35 24 0:30 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:9 - cgroup2 cgroup2 "
    "rw,nsdelegate,memory_recursiveprot\n";
constexpr const char* kV2ReadOnly =
    "612 600 0:30 / /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime - cgroup2 cgroup2 rw\n";
constexpr const char* kV1Memory =
    "40 35 0:35 / /sys/fs/cgroup/memory rw,nosuid,nodev,noexec,relatime shared:16 - cgroup cgroup "
    "rw,memory\n";
constexpr const char* kHybridUnified =
    "36 35 0:31 / /sys/fs/cgroup/unified rw,nosuid,nodev,noexec,relatime shared:10 - cgroup2 "
    "cgroup2 rw,nsdelegate\n";

struct Tree {
  TempDir root;
  probes::HostFs fs() const { return probes::HostFs(root.path()); }
  void file(const std::string& rel, const std::string& text) const {
    write_text(root.path() / rel, text);
  }
  // A v2 cgroup directory with its controllers (the root has no cgroup.type).
  void v2_cgroup(const std::string& rel, const std::string& controllers,
                 bool is_root = false) const {
    file(rel + "/cgroup.controllers", controllers + "\n");
    file(rel + "/cgroup.subtree_control", "\n");
    file(rel + "/cgroup.procs", "");
    if (!is_root) file(rel + "/cgroup.type", "domain\n");
  }
};

Placement plan(const Tree& tree, const std::vector<std::string>& controllers = {"memory"}) {
  probes::HostFs fs = tree.fs();
  return plan_placement(fs, read_cgroup_host(fs), controllers);
}

TEST(CgroupPlacement, V1GoesUnderOurOwnMemoryCgroup) {
  Tree tree;
  tree.file("proc/self/mountinfo", kV1Memory);
  tree.file("proc/self/cgroup", "4:memory:/user.slice\n");
  tree.file("sys/fs/cgroup/memory/user.slice/memory.usage_in_bytes", "4096\n");
  tree.file("sys/fs/cgroup/memory/user.slice/memory.limit_in_bytes", "9223372036854771712\n");
  EXPECT_EQ(read_cgroup_host(tree.fs()).layout, CgroupLayout::v1);
  Placement p = plan(tree);
  EXPECT_EQ(p.kind, PlacementKind::v1_own) << p.why;
  EXPECT_EQ(p.base_dir, "sys/fs/cgroup/memory/user.slice");
}

TEST(CgroupPlacement, HybridUsesTheV1MemoryController) {
  Tree tree;
  tree.file("proc/self/mountinfo", std::string(kV1Memory) + kHybridUnified);
  tree.file("proc/self/cgroup", "4:memory:/\n0::/user.slice/session-1.scope\n");
  tree.file("sys/fs/cgroup/memory/memory.usage_in_bytes", "4096\n");
  EXPECT_EQ(read_cgroup_host(tree.fs()).layout, CgroupLayout::hybrid);
  Placement p = plan(tree);
  EXPECT_EQ(p.kind, PlacementKind::v1_own) << p.why;
  EXPECT_NE(p.why.find("hybrid"), std::string::npos) << p.why;
}

TEST(CgroupPlacement, PureV2InTheRootCgroupMakesATopLevelCgroup) {
  Tree tree;
  tree.file("proc/self/mountinfo", kV2Mount);
  tree.file("proc/self/cgroup", "0::/\n");
  tree.v2_cgroup("sys/fs/cgroup", "cpuset cpu io memory pids", true);
  Placement p = plan(tree, {"memory", "io"});
  EXPECT_EQ(p.kind, PlacementKind::v2_top_level) << p.why;
  EXPECT_EQ(p.base_dir, "sys/fs/cgroup");
}

TEST(CgroupPlacement, UnderSystemdADelegatedScope) {
  Tree tree;
  tree.file("proc/self/mountinfo", kV2Mount);
  tree.file("proc/self/cgroup", "0::/user.slice/user-0.slice/session-3.scope\n");
  tree.v2_cgroup("sys/fs/cgroup", "cpuset cpu io memory pids", true);
  tree.v2_cgroup("sys/fs/cgroup/user.slice/user-0.slice/session-3.scope", "memory pids");
  tree.file("run/systemd/system/.keep", "");
  Placement p = plan(tree, {"memory", "io"});
  EXPECT_EQ(p.kind, PlacementKind::systemd_scope) << p.why;
  EXPECT_NE(p.why.find("Delegate=yes"), std::string::npos) << p.why;
}

TEST(CgroupPlacement, AReadOnlyCgroupfsIsNotSupportedAndSaysSo) {
  Tree tree;
  tree.file("proc/self/mountinfo", kV2ReadOnly);
  tree.file("proc/self/cgroup", "0::/\n");
  tree.v2_cgroup("sys/fs/cgroup", "cpu io memory pids", true);
  Placement p = plan(tree);
  EXPECT_EQ(p.kind, PlacementKind::unsupported);
  EXPECT_NE(p.why.find("read-only"), std::string::npos) << p.why;
}

TEST(CgroupPlacement, AControllerNotDelegatedIsNamed) {
  Tree tree;
  tree.file("proc/self/mountinfo", kV2Mount);
  tree.file("proc/self/cgroup", "0::/\n");
  tree.v2_cgroup("sys/fs/cgroup", "cpu memory pids", true);
  Placement p = plan(tree, {"memory", "io"});
  EXPECT_EQ(p.kind, PlacementKind::unsupported);
  EXPECT_NE(p.why.find("the io controller is not available"), std::string::npos) << p.why;
}

TEST(CgroupPlacement, ACgroupWithProcessesAndNoSystemdIsNotSupported) {
  Tree tree;
  tree.file("proc/self/mountinfo", kV2Mount);
  tree.file("proc/self/cgroup", "0::/job\n");
  tree.v2_cgroup("sys/fs/cgroup", "cpu io memory pids", true);
  tree.v2_cgroup("sys/fs/cgroup/job", "io memory");
  Placement p = plan(tree);
  EXPECT_EQ(p.kind, PlacementKind::unsupported);
  EXPECT_NE(p.why.find("no internal processes"), std::string::npos) << p.why;
}

TEST(CgroupPlacement, NoMemoryControllerAtAll) {
  Tree tree;
  tree.file("proc/self/mountinfo", "22 1 8:1 / / rw - ext4 /dev/sda1 rw\n");
  tree.file("proc/self/cgroup", "");
  EXPECT_EQ(plan(tree).kind, PlacementKind::unsupported);
}

TEST(CgroupPlacement, TheScopeIsStartedWithDelegateAndOurPid) {
  std::vector<std::string> args = start_scope_arguments("mmtune-42.scope", 42);
  auto at = [&](const std::string& word) { return std::find(args.begin(), args.end(), word); };
  ASSERT_NE(at("StartTransientUnit"), args.end());
  ASSERT_NE(at("Delegate"), args.end());
  EXPECT_EQ(*(at("Delegate") + 2), "true");
  EXPECT_EQ(*(at("PIDs") + 3), "42");
  EXPECT_EQ(*(at("mmtune-42.scope") + 1), "fail");
}

// On the recorded hosts (tests/data/hosts), as each of them would place a run's cgroups.
Placement plan_on_recorded(const std::string& name, const std::vector<std::string>& controllers) {
  probes::HostFs fs(test::test_data("hosts/" + name));
  return plan_placement(fs, read_cgroup_host(fs), controllers);
}

TEST(CgroupPlacementSnapshot, ASystemdServerOnV2GetsADelegatedScope) {
  probes::HostFs fs(test::test_data("hosts/systemd-v2-6.12"));
  CgroupHost host = read_cgroup_host(fs);
  EXPECT_EQ(host.layout, CgroupLayout::v2);
  EXPECT_TRUE(host.systemd);
  EXPECT_FALSE(host.v2_read_only);
  EXPECT_EQ(host.own_v2_path, "/user.slice/user-0.slice/session-4.scope");
  Placement p = plan_on_recorded("systemd-v2-6.12", {"memory", "io"});
  EXPECT_EQ(p.kind, PlacementKind::systemd_scope) << p.why;
}

TEST(CgroupPlacementSnapshot, AContainerWithAReadOnlyCgroupfsIsNotSupportedHere) {
  for (const char* name : {"container-v2-6.1", "numa2-5.15"}) {
    Placement p = plan_on_recorded(name, {"memory"});
    EXPECT_EQ(p.kind, PlacementKind::unsupported) << name;
    EXPECT_NE(p.why.find("read-only"), std::string::npos) << name << ": " << p.why;
  }
}

TEST(CgroupPlacementSnapshot, V1AndHybridHostsUseTheirOwnMemoryCgroup) {
  EXPECT_EQ(read_cgroup_host(probes::HostFs(test::test_data("hosts/old-4.19"))).layout,
            CgroupLayout::hybrid);
  for (const char* name : {"local-6.18", "old-4.19"}) {
    Placement p = plan_on_recorded(name, {"memory"});
    EXPECT_EQ(p.kind, PlacementKind::v1_own) << name << ": " << p.why;
  }
}

// The kernel lists enabled controllers without '+': the fake tree is set to what it would show.
TEST(SubtreeControl, UndoDisablesWhatTheRunEnabledUnlessAChildRemains) {
  FakeHost host;
  const std::string dir = "sys/fs/cgroup/unified";  // the fake tree has a v1 memory dir beside
  write_text(host.root.path() / dir / "cgroup.subtree_control", "cpu\n");
  {
    Journal journal(host.fs(), host.state.path());
    journal.enable_controllers(dir, {"cpu", "memory"});
    ASSERT_EQ(journal.pending().size(), 1u);
    EXPECT_EQ(journal.pending()[0].new_value, "memory") << "cpu was enabled before the run";
    EXPECT_EQ(host.value(dir + "/cgroup.subtree_control"), "+memory");
    write_text(host.root.path() / dir / "cgroup.subtree_control", "cpu memory\n");
    std::vector<UndoOutcome> undone = journal.undo_all();
    ASSERT_EQ(undone.size(), 1u);
    EXPECT_EQ(undone[0].status, UndoStatus::restored) << undone[0].message;
    EXPECT_EQ(host.value(dir + "/cgroup.subtree_control"), "-memory");
  }
  write_text(host.root.path() / dir / "cgroup.subtree_control", "cpu\n");
  Journal journal(host.fs(), host.state.path());
  journal.enable_controllers(dir, {"memory"});
  write_text(host.root.path() / dir / "cgroup.subtree_control", "cpu memory\n");
  fs::create_directories(host.root.path() / dir / "someone-else");
  std::vector<UndoOutcome> undone = journal.undo_all();
  ASSERT_EQ(undone.size(), 1u);
  EXPECT_EQ(undone[0].status, UndoStatus::left_alone) << undone[0].message;
  EXPECT_NE(undone[0].message.find("someone-else"), std::string::npos) << undone[0].message;
}

}  // namespace
}  // namespace mmtune::changes
