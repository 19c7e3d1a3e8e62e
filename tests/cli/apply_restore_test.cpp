// `mmtune apply` and `mmtune restore` end to end: the binary on fake host trees, so nothing here
// changes the real host.
#include <gtest/gtest.h>

#include <filesystem>

#include "tests/support/fake_host.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;

TEST(Apply, WithoutYesShowsWhatWouldChangeAndChangesNothing) {
  FakeHost host;
  TempDir dir;
  write_text(dir.path() / "tuning.conf", "# mmtune\nvm.swappiness = 10\nvm.dirty_ratio = 20\n");
  CliResult r = run_mmtune(host.args({"apply", (dir.path() / "tuning.conf").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("vm.swappiness"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("60 → 10"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(already set)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nothing changed"), std::string::npos) << r.out;
  EXPECT_EQ(host.value("proc/sys/vm/swappiness"), "60");
  EXPECT_EQ(journal_files(host.state.path()), 0u);
}

TEST(Apply, YesKeepsTheChangesUntilRestoreApplied) {
  FakeHost host;
  TempDir dir;
  write_text(dir.path() / "tuning.conf", "vm.swappiness = 10\nvm.dirty_ratio = 15\n");
  CliResult applied =
      run_mmtune(host.args({"apply", "--yes", (dir.path() / "tuning.conf").string()}));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find("vm.swappiness: 60 → 10"), std::string::npos) << applied.out;
  EXPECT_EQ(host.value("proc/sys/vm/swappiness"), "10") << "applied values stay after mmtune exits";
  EXPECT_EQ(host.value("proc/sys/vm/dirty_ratio"), "15");
  EXPECT_EQ(journal_files(host.state.path()), 1u) << "the journal stays as the record";

  CliResult crash_restore = run_mmtune(host.args({"restore"}));
  ASSERT_EQ(crash_restore.exit_code, 0) << crash_restore.err;
  EXPECT_EQ(host.value("proc/sys/vm/swappiness"), "10") << "a plain restore leaves applied values";
  EXPECT_NE(crash_restore.out.find("kept by `mmtune apply`"), std::string::npos)
      << crash_restore.out;

  CliResult back = run_mmtune(host.args({"restore", "--applied"}));
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.out.find("restored (applied): proc/sys/vm/dirty_ratio: 15 → 20"),
            std::string::npos)
      << back.out;
  EXPECT_EQ(host.value("proc/sys/vm/swappiness"), "60");
  EXPECT_EQ(host.value("proc/sys/vm/dirty_ratio"), "20");
  EXPECT_EQ(journal_files(host.state.path()), 0u);
}

TEST(Apply, AValueTheKernelRejectsRestoresWhatWasChanged) {
  FakeHost host;
  // Reading works, writing fails, as for a value the kernel refuses.
  fs::remove(host.root.path() / "proc/sys/vm/dirty_ratio");
  fs::create_symlink("/proc/version", host.root.path() / "proc/sys/vm/dirty_ratio");
  TempDir dir;
  write_text(dir.path() / "tuning.conf", "vm.swappiness = 10\nvm.dirty_ratio = 15\n");
  CliResult r = run_mmtune(host.args({"apply", "--yes", (dir.path() / "tuning.conf").string()}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("tuning.conf:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("restored what it had changed"), std::string::npos) << r.err;
  EXPECT_EQ(host.value("proc/sys/vm/swappiness"), "60");
  EXPECT_EQ(journal_files(host.state.path()), 0u);
}

TEST(Apply, PersistWritesASysctlFileThatRestoreAppliedRemoves) {
  FakeHost host;
  TempDir dir;
  write_text(dir.path() / "tuning.conf", "vm.swappiness = 10\n");
  const fs::path persisted = dir.path() / "90-mmtune.conf";
  CliResult r = run_mmtune(host.args({"apply", "--yes", "--persist", "--sysctl-file",
                                      persisted.string(), (dir.path() / "tuning.conf").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(slurp(persisted).find("vm.swappiness = 10"), std::string::npos);
  ASSERT_EQ(run_mmtune(host.args({"restore", "--applied"})).exit_code, 0);
  EXPECT_FALSE(fs::exists(persisted));
  EXPECT_EQ(host.value("proc/sys/vm/swappiness"), "60");
}

TEST(Apply, BadInputExits2NamingIt) {
  FakeHost host;
  TempDir dir;
  write_text(dir.path() / "bad.conf", "vm.swappiness = 10\nvm.dirty_ratoi = 5\n");
  CliResult r = run_mmtune(host.args({"apply", "--yes", (dir.path() / "bad.conf").string()}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(
      r.err.find("bad.conf:2: unknown knob \"vm.dirty_ratoi\"; did you mean \"vm.dirty_ratio\"?"),
      std::string::npos)
      << r.err;
  EXPECT_EQ(host.value("proc/sys/vm/swappiness"), "60")
      << "nothing changes before all input is good";
  EXPECT_EQ(run_mmtune(host.args({"apply", (dir.path() / "missing.conf").string()})).exit_code, 2);
}

TEST(Restore, NothingToRestoreIsSaid) {
  TempDir state;
  CliResult r = run_mmtune({"restore", "--state-dir", state.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("nothing to restore"), std::string::npos) << r.out;
  EXPECT_EQ(run_mmtune({"restore", "--wait", "soon"}).exit_code, 2);
}

}  // namespace
}  // namespace mmtune::test
