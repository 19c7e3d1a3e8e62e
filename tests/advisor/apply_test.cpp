// `mmtune apply`'s library: reading advice and sysctl.d files, applying all-or-nothing through the
// journal, keeping what was applied, and taking it back. On fake host trees: nothing here touches
// the real host.
#include "advisor/apply.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <nlohmann/json.hpp>

#include "advisor/change_file.hpp"
#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "tests/support/fake_host.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::advisor {
namespace {

namespace fs = std::filesystem;
using test::FakeHost;
using test::slurp;
using test::write_text;

using test::error_of;

TEST(ChangeFile, ReadsSysctlDLines) {
  auto changes = parse_change_file(
      "# a comment\n; another\n\nvm.swappiness = 10\n  vm/dirty_ratio=15  \n-vm.zone_reclaim_mode "
      "= 0\n",
      "90.conf");
  ASSERT_EQ(changes.size(), 3u);
  EXPECT_EQ(changes[0].knob, "vm.swappiness");
  EXPECT_EQ(changes[0].value, "10");
  EXPECT_EQ(changes[0].origin, "90.conf:4");
  EXPECT_EQ(changes[1].knob, "vm.dirty_ratio") << "'/' separators work as '.'";
  EXPECT_TRUE(changes[2].optional);
}

TEST(ChangeFile, ReadsTheSetRecommendationsOfAdvice) {
  nlohmann::json advice = {
      {"schema", "mmtune.advice/1"},
      {"recommendations",
       {{{"knob", "vm.swappiness"}, {"recommended", "1"}, {"action", "set"}},
        {{"knob", "vm.dirty_ratio"}, {"recommended", "20"}, {"action", "keep"}},
        {{"knob", "thp.enabled"}, {"recommended", "never"}, {"action", "set"}}}}};
  auto changes = parse_change_file(advice.dump(), "advice.json");
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[1].knob, "thp.enabled");
  EXPECT_EQ(changes[1].value, "never");
  // `mmtune tune` wraps the advice.
  nlohmann::json tune = {{"schema", "mmtune.tune/1"}, {"advice", advice}};
  EXPECT_EQ(parse_change_file(tune.dump(), "tune.json").size(), 2u);
}

TEST(ChangeFile, EveryProblemNamesTheFileAndLine) {
  EXPECT_EQ(error_of([] { parse_change_file("vm.swappiness = 10\nvm.swapiness = 5\n", "x.conf"); }),
            "x.conf:2: unknown knob \"vm.swapiness\"; did you mean \"vm.swappiness\"?");
  EXPECT_NE(error_of([] { parse_change_file("vm.swappiness = 500\n", "x.conf"); }).find("x.conf:1"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_change_file("vm.swappiness\n", "x.conf"); }).find("x.conf:1"),
            std::string::npos);
  EXPECT_EQ(
      error_of([] { parse_change_file("vm.swappiness = 10\nvm.swappiness = 20\n", "x.conf"); }),
      "x.conf:2: vm.swappiness is set twice (first at x.conf:1)");
  EXPECT_NE(error_of([] {
              parse_change_file(R"({"schema": "mmtune.host/1"})", "h.json");
            }).find("not a mmtune.advice/1"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_change_file("{ broken", "b.json"); }).find("b.json"),
            std::string::npos);
}

TEST(ChangeFile, AdviceWithoutRecommendationsOrWithAWrongSchemaTypeIsBadInput) {
  // Found by fuzz_change_file: a missing "recommendations" reached nlohmann's assertion, a
  // numeric "schema" its type_error (exit 4).
  EXPECT_EQ(error_of([] { parse_change_file(R"({"schema": "mmtune.advice/1"})", "a.json"); }),
            "a.json: \"recommendations\" must be an array");
  EXPECT_NE(error_of([] { parse_change_file(R"({"schema": 7})", "a.json"); }).find("not a"),
            std::string::npos);
  EXPECT_NE(error_of([] {
              parse_change_file(R"({"schema": "mmtune.tune/1", "advice": 3})", "t.json");
            }).find("without \"advice\""),
            std::string::npos);
}

TEST(Apply, PlanShowsCurrentValuesAndWritesNothing) {
  FakeHost host;
  ApplyPlan plan =
      plan_apply(parse_change_file("vm.swappiness = 10\nvm.dirty_ratio = 20\n", "f"), host.fs());
  ASSERT_EQ(plan.changes.size(), 2u);
  EXPECT_EQ(*plan.changes[0].current, "60");
  EXPECT_TRUE(plan.changes[0].changes);
  EXPECT_FALSE(plan.changes[1].changes) << "already 20";
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");
  // A knob this host lacks: an error unless the line is optional.
  EXPECT_THROW(plan_apply(parse_change_file("vm.overcommit_memory = 1\n", "f"), host.fs()), Error);
  ApplyPlan optional = plan_apply(parse_change_file("-vm.overcommit_memory = 1\n", "f"), host.fs());
  EXPECT_TRUE(optional.changes.empty());
  EXPECT_EQ(optional.notes.size(), 1u);
}

TEST(Apply, KeptChangesOutliveTheJournalUntilRestoreKept) {
  FakeHost host;
  ApplyPlan plan =
      plan_apply(parse_change_file("vm.swappiness = 10\nthp.enabled = never\n", "f"), host.fs());
  {
    changes::Journal journal(host.fs(), host.state.path());
    auto applied = apply_plan(plan, journal);
    ASSERT_EQ(applied.size(), 2u);
    EXPECT_EQ(applied[0].old_value, "60");
    keep_applied(plan, journal);
  }
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "10") << "kept: the journal's end does not undo it";
  EXPECT_EQ(host.at("sys/kernel/mm/transparent_hugepage/enabled"), "never");
  EXPECT_EQ(host.journals(), 1u) << "the journal file stays as the record";
  EXPECT_TRUE(changes::restore_leftovers(host.state.path()).empty())
      << "a crash restore does not take back what apply applied";
  EXPECT_EQ(changes::kept_changes(host.state.path()).size(), 2u);

  auto outcomes = changes::restore_kept(host.state.path());
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].entry.path, "sys/kernel/mm/transparent_hugepage/enabled") << "newest first";
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");
  EXPECT_EQ(host.at("sys/kernel/mm/transparent_hugepage/enabled"), "madvise\n");
  EXPECT_EQ(host.journals(), 0u);
}

// The old value is journaled and synced before the write, so a kill can fall between the two: the
// file still holds the old value and the undo has nothing to do, which it says (not "left alone").
TEST(Apply, AJournaledWriteThatNeverHappenedNeedsNoRestore) {
  FakeHost host;
  changes::Journal journal(host.fs(), host.state.path());
  journal.set("proc/sys/vm/swappiness", "10");
  write_text(host.root.path() / "proc/sys/vm/swappiness", "60\n");  // as if the write never landed
  auto outcomes = journal.undo_all();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, changes::UndoStatus::restored);
  EXPECT_EQ(outcomes[0].message,
            "proc/sys/vm/swappiness: still 60 (the 10 was never written, or was put back)");
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");
}

TEST(Apply, TwoAppliesOfOneKnobAreTakenBackNewestFirst) {
  FakeHost host;
  for (const char* value : {"10", "30"}) {
    ApplyPlan plan =
        plan_apply(parse_change_file(std::string("vm.swappiness = ") + value, "f"), host.fs());
    changes::Journal journal(host.fs(), host.state.path());
    apply_plan(plan, journal);
    keep_applied(plan, journal);
  }
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "30");
  auto outcomes = changes::restore_kept(host.state.path());
  ASSERT_EQ(outcomes.size(), 2u);
  EXPECT_EQ(outcomes[0].status, changes::UndoStatus::restored) << outcomes[0].message;
  EXPECT_EQ(outcomes[1].status, changes::UndoStatus::restored) << outcomes[1].message;
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");
}

TEST(Apply, ARejectedValueStopsTheApplyAndRestoresWhatChanged) {
  FakeHost host;
  // dirty_ratio points at a file no one may write (as the kernel refusing a value): the read
  // works, the write fails.
  fs::remove(host.root.path() / "proc/sys/vm/dirty_ratio");
  fs::create_symlink("/proc/version", host.root.path() / "proc/sys/vm/dirty_ratio");
  ApplyPlan plan =
      plan_apply(parse_change_file("vm.swappiness = 10\nvm.dirty_ratio = 15\n", "f"), host.fs());
  std::string message;
  {
    changes::Journal journal(host.fs(), host.state.path());
    try {
      apply_plan(plan, journal);
      FAIL() << "the write to a read-only file should fail";
    } catch (const Error& e) {
      message = e.what();
    }
  }
  EXPECT_NE(message.find("f:2"), std::string::npos) << message;
  EXPECT_NE(message.find("restored what it had changed"), std::string::npos) << message;
  EXPECT_NE(message.find("proc/sys/vm/swappiness"), std::string::npos) << message;
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");
  EXPECT_EQ(host.journals(), 0u);
}

TEST(Apply, PersistWritesAnOwnedSysctlFileAndRestoreRemovesIt) {
  FakeHost host;
  test::TempDir etc;
  const fs::path file = etc.path() / "90-mmtune.conf";
  ApplyPlan plan = plan_apply(parse_change_file("vm.swappiness = 10\nthp.enabled = never\n", "f"),
                              host.fs(), file);
  ASSERT_EQ(plan.notes.size(), 1u) << "THP cannot go to sysctl.d";
  {
    changes::Journal journal(host.fs(), host.state.path());
    apply_plan(plan, journal);
    keep_applied(plan, journal);
  }
  std::string text = slurp(file);
  EXPECT_TRUE(text.starts_with(kPersistMarker));
  EXPECT_NE(text.find("# was 60"), std::string::npos);
  EXPECT_NE(text.find("vm.swappiness = 10\n"), std::string::npos);
  EXPECT_EQ(text.find("thp.enabled"), std::string::npos);
  // It reads back as a change file (so a second apply can merge into it).
  EXPECT_EQ(parse_change_file(text, "persisted").size(), 1u);

  changes::restore_kept(host.state.path());
  EXPECT_FALSE(fs::exists(file));
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60\n");

  // Someone else's file is never overwritten.
  write_text(file, "vm.swappiness = 1\n");
  EXPECT_THROW(plan_apply(parse_change_file("vm.swappiness = 10\n", "f"), host.fs(), file), Error);
}

TEST(Apply, PersistMergesOverAnEarlierFileOfOurs) {
  FakeHost host;
  ApplyPlan first =
      plan_apply(parse_change_file("vm.swappiness = 10\nvm.dirty_ratio = 15\n", "a"), host.fs());
  std::string earlier = render_persist_file(first, "");
  ApplyPlan second = plan_apply(parse_change_file("vm.swappiness = 20\n", "b"), host.fs());
  std::string merged = render_persist_file(second, earlier);
  auto changes = parse_change_file(merged, "merged");
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0].knob, "vm.dirty_ratio");
  EXPECT_EQ(changes[1].value, "20");
}

}  // namespace
}  // namespace mmtune::advisor
