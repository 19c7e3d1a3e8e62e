#include "changes/journal.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <fstream>

#include "facts/error.hpp"
#include "tests/support/fake_host.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::changes {
namespace {

namespace fs = std::filesystem;
using test::FakeHost;
using test::slurp;
using test::TempDir;
using test::write_text;

// The sweep's case: someone moves a setting during one point; that point's measurement is
// invalid (moved_settings says so) and its undo leaves the new value alone, but the next point's
// write records the value from before the journal's first write, so the last undo puts back the
// original rather than the stranger's value.
// A workload that writes one file several times in a run (a defrag mode per phase) moved
// nothing: only the newest write of a file is held against what the file holds.
TEST(Journal, WritingOneFileAgainIsNotAMove) {
  FakeHost host;
  Journal journal(host.fs(), host.state.path());
  journal.set("proc/sys/vm/swappiness", "11");
  journal.set("proc/sys/vm/swappiness", "12");
  EXPECT_TRUE(journal.moved_settings().empty());
  write_text(host.root.path() / "proc/sys/vm/swappiness", "13\n");  // someone else
  std::vector<MovedSetting> moved = journal.moved_settings();
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].wrote, "12");
}

TEST(Journal, ASettingMovedDuringARunIsReportedAndTheOriginalStillComesBack) {
  FakeHost host;
  Journal journal(host.fs(), host.state.path());
  journal.set("proc/sys/vm/swappiness", "11");
  EXPECT_TRUE(journal.moved_settings().empty());
  write_text(host.root.path() / "proc/sys/vm/swappiness", "22\n");  // someone else
  std::vector<MovedSetting> moved = journal.moved_settings();
  ASSERT_EQ(moved.size(), 1u);
  EXPECT_EQ(moved[0].path, "proc/sys/vm/swappiness");
  EXPECT_EQ(moved[0].wrote, "11");
  EXPECT_EQ(moved[0].now, "22");
  std::vector<UndoOutcome> undone = journal.undo_all();
  ASSERT_EQ(undone.size(), 1u);
  EXPECT_EQ(undone[0].status, UndoStatus::left_alone);
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "22\n");

  journal.set("proc/sys/vm/swappiness", "12");
  ASSERT_EQ(journal.pending().size(), 1u);
  EXPECT_EQ(journal.pending()[0].old_value, "60") << "the value before the first write";
  journal.undo_all();
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");
}

TEST(Journal, ADirtyPairRemembersBothOriginals) {
  FakeHost host;
  Journal journal(host.fs(), host.state.path());
  journal.set("proc/sys/vm/dirty_bytes", "536870912");
  journal.undo_all();
  write_text(host.root.path() / "proc/sys/vm/dirty_ratio", "30\n");  // someone else, in between
  journal.set("proc/sys/vm/dirty_ratio", "5");
  ASSERT_EQ(journal.pending().size(), 1u);
  EXPECT_EQ(journal.pending()[0].old_value, "20");
  EXPECT_EQ(journal.pending()[0].partner_old, "0");
}

TEST(Journal, SetRecordsThenWritesAndUndoRestores) {
  FakeHost host;
  {
    Journal journal(host.fs(), host.state.path());
    journal.set("proc/sys/vm/swappiness", "10");
    EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "10");
    ASSERT_EQ(journal.pending().size(), 1u);
    EXPECT_EQ(journal.pending()[0].old_value, "60");
    EXPECT_EQ(host.journals(), 1u);
  }
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");
  EXPECT_EQ(host.journals(), 0u) << "a fully undone journal is removed";
}

TEST(Journal, UndoIsNewestFirst) {
  FakeHost host;
  Journal journal(host.fs(), host.state.path());
  journal.set("proc/sys/vm/swappiness", "10");
  journal.set("proc/sys/vm/swappiness", "30");
  std::vector<UndoOutcome> outcomes = journal.undo_all();
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].entry.new_value, "30");
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");
  EXPECT_TRUE(journal.pending().empty());
}

TEST(Journal, ChoiceFilesKeepTheSelectedWord) {
  FakeHost host;
  Journal journal(host.fs(), host.state.path());
  journal.set_knob("thp.enabled", "never");
  EXPECT_EQ(journal.pending().at(0).old_value, "madvise");
  journal.undo_all();
  EXPECT_EQ(host.at("sys/kernel/mm/transparent_hugepage/enabled"), "madvise\n");
}

TEST(Journal, DirtyBytesRestoresTheRatioThatWasInUse) {
  FakeHost host;
  Journal journal(host.fs(), host.state.path());
  journal.set("proc/sys/vm/dirty_bytes", "536870912");
  write_text(host.root.path() / "proc/sys/vm/dirty_ratio",
             "0\n");  // what the kernel does to the pair
  JournalEntry entry = journal.pending().at(0);
  EXPECT_EQ(entry.kind, ChangeKind::dirty_pair);
  EXPECT_EQ(entry.partner_old, "20");
  journal.undo_all();
  EXPECT_EQ(host.at("proc/sys/vm/dirty_ratio"), "20\n") << "0 is never written back to dirty_bytes";
  EXPECT_EQ(host.at("proc/sys/vm/dirty_bytes"), "536870912");
}

TEST(Journal, LaterChangesBySomeoneElseAreLeftAlone) {
  FakeHost host;
  Journal journal(host.fs(), host.state.path());
  journal.set("proc/sys/vm/swappiness", "10");
  write_text(host.root.path() / "proc/sys/vm/swappiness", "33\n");
  std::vector<UndoOutcome> outcomes = journal.undo_all();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, UndoStatus::left_alone);
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "33\n");
}

TEST(Journal, AHugetlbPoolGoesBackWhateverTheKernelGranted) {
  FakeHost host;
  write_text(host.root.path() / "proc/sys/vm/nr_hugepages", "0\n");
  const std::string pool = "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages";
  write_text(host.root.path() / pool, "2\n");
  Journal journal(host.fs(), host.state.path());
  journal.set_knob("vm.nr_hugepages", "64");
  journal.set(pool, "80");
  ASSERT_EQ(journal.pending().size(), 2u);
  EXPECT_EQ(journal.pending()[0].kind, ChangeKind::hugetlb_pool);
  EXPECT_EQ(journal.pending()[1].kind, ChangeKind::hugetlb_pool);
  // The kernel found 30 and 41 free blocks: the files say what it got, not what was asked.
  write_text(host.root.path() / "proc/sys/vm/nr_hugepages", "30\n");
  write_text(host.root.path() / pool, "41\n");
  std::vector<UndoOutcome> outcomes = journal.undo_all();
  ASSERT_EQ(outcomes.size(), 2u);
  for (const UndoOutcome& outcome : outcomes)
    EXPECT_EQ(outcome.status, UndoStatus::restored) << outcome.message;
  EXPECT_EQ(host.at("proc/sys/vm/nr_hugepages"), "0\n");
  EXPECT_EQ(host.at(pool), "2\n");
}

TEST(Journal, ATriggerWritesAndLeavesNothingToUndo) {
  FakeHost host;
  write_text(host.root.path() / "proc/sys/vm/compact_memory", "");
  Journal journal(host.fs(), host.state.path());
  journal.trigger("proc/sys/vm/compact_memory", "1");
  EXPECT_EQ(host.at("proc/sys/vm/compact_memory"), "1");
  EXPECT_TRUE(journal.pending().empty());
  EXPECT_THROW(journal.trigger("etc/passwd", "x"), Error);
}

TEST(Journal, RefusesPathsOutsideProcSysAndSys) {
  FakeHost host;
  Journal journal(host.fs(), host.state.path());
  EXPECT_THROW(journal.set("etc/passwd", "x"), Error);
  EXPECT_THROW(journal.set_knob("vm.swapiness", "10"), Error);
  EXPECT_THROW(journal.set_knob("vm.swappiness", "500"), Error);
  EXPECT_TRUE(journal.pending().empty());
}

TEST(Journal, RemovesTrackedTempFilesAndDirectories) {
  FakeHost host;
  TempDir scratch;
  fs::path file = scratch.path() / "mmtune-data";
  fs::path dir = scratch.path() / "mmtune-dir";
  fs::path foreign = scratch.path() / "not-ours";
  {
    Journal journal(host.fs(), host.state.path());
    journal.track_temp_file(file);
    write_text(file, "x");
    journal.track_temp_dir(dir);
    write_text(dir / "inner", "x");
    journal.track_temp_dir(foreign);
    write_text(foreign / "inner", "x");
    journal.create_cgroup("sys/fs/cgroup/memory/mmtune-test");
    EXPECT_TRUE(fs::is_directory(host.root.path() / "sys/fs/cgroup/memory/mmtune-test"));
  }
  EXPECT_FALSE(fs::exists(file));
  EXPECT_FALSE(fs::exists(dir));
  EXPECT_TRUE(fs::exists(foreign / "inner")) << "only directories named mmtune-* are removed";
  EXPECT_FALSE(fs::exists(host.root.path() / "sys/fs/cgroup/memory/mmtune-test"));
}

// A process that dies by SIGKILL with a change in its journal: the next restore_leftovers() puts
// it back and removes the journal, while the journal of a live process is not touched.
// A trace instance is a directory the kernel removes with rmdir (here an empty one stands in).
TEST(Journal, RemovesTraceInstancesAndSettlesOnesAlreadyGone) {
  FakeHost host;
  TempDir tracefs;
  const fs::path instance = tracefs.path() / "instances" / "mmtune-1";
  fs::create_directories(instance);
  Journal journal(host.fs(), host.state.path());
  journal.track_trace_instance(instance);
  journal.track_trace_instance(tracefs.path() / "instances" / "mmtune-gone");
  std::vector<UndoOutcome> outcomes = journal.undo_all();
  ASSERT_EQ(outcomes.size(), 2u);
  for (const UndoOutcome& o : outcomes) EXPECT_EQ(o.status, UndoStatus::restored) << o.message;
  EXPECT_FALSE(fs::exists(instance));
  EXPECT_EQ(outcomes[1].entry.kind, ChangeKind::trace_instance);
}

TEST(RestoreLeftovers, UndoesJournalsOfDeadOwnersOnly) {
  FakeHost host;
  Journal live(host.fs(), host.state.path());
  live.set("proc/sys/vm/dirty_ratio", "5");

  pid_t pid = ::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    Journal doomed(host.fs(), host.state.path());
    doomed.set("proc/sys/vm/swappiness", "1");
    ::kill(::getpid(), SIGKILL);
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFSIGNALED(status));
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "1");
  EXPECT_EQ(host.journals(), 2u);

  std::vector<UndoOutcome> outcomes = restore_leftovers(host.state.path());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, UndoStatus::restored);
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");
  EXPECT_EQ(host.at("proc/sys/vm/dirty_ratio"), "5") << "a live owner's change stays";
  EXPECT_EQ(host.journals(), 1u);
  EXPECT_TRUE(restore_leftovers(host.state.path()).empty()) << "nothing twice";
}

TEST(RestoreLeftovers, MissingStateDirectoryIsNothingToDo) {
  EXPECT_TRUE(restore_leftovers("/nonexistent/mmtune-state").empty());
}

TEST(Journal, UnwritableStateDirectoryIsUnsupported) {
  FakeHost host;
  write_text(host.state.path() / "file", "x");
  try {
    Journal journal(host.fs(), host.state.path() / "file" / "below");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
  }
}

}  // namespace
}  // namespace mmtune::changes

namespace mmtune::changes {
namespace {

// Found by tests/fuzz/journal: a journal line whose field had another type (a hand edit, a torn
// write that joined two lines) threw nlohmann's type_error out of restore, which never throws.
TEST(JournalFile, ALineWithAFieldOfTheWrongTypeIsSkippedNotThrown) {
  ParsedJournal parsed = parse_journal(
      "{\"schema\":\"mmtune.journal/1\",\"pid\":\"4242\",\"root\":7}\n"
      "{\"id\":1,\"kind\":\"setting\",\"path\":\"proc/sys/vm/swappiness\",\"old\":\"60\","
      "\"new\":\"10\"}\n"
      "{\"id\":2,\"kind\":\"dirty_pair\",\"path\":\"proc/sys/vm/dirty_bytes\",\"old\":9,"
      "\"kind\":\"mount\"}\n"
      "{\"id\":3,\"kind\":4,\"path\":\"x\"}\n");
  EXPECT_EQ(parsed.root, "/") << "a root that is not text is not used";
  ASSERT_EQ(parsed.pending.size(), 1u);
  EXPECT_EQ(parsed.pending[0].path, "proc/sys/vm/swappiness");
  EXPECT_EQ(journal_owner_pid("{\"pid\":\"4242\"}\n"), 0);
  EXPECT_EQ(journal_owner_pid("{\"pid\":4242}\n"), 4242);
}

}  // namespace
}  // namespace mmtune::changes
