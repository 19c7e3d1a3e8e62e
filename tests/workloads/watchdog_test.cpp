// The watchdog's look at the journaled settings: the journal is written ahead (the entry, then the
// file), so one look between the two must not invalidate a run; two looks in a row, or one after
// the workload has exited, do.
#include "workloads/watchdog.hpp"

#include <gtest/gtest.h>

#include "tests/support/fake_host.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::workloads {
namespace {

using test::FakeHost;
using test::write_text;

constexpr int64_t kLook = Watchdog::kMovedCheckNs;

TEST(WatchdogMoved, OneLookInsideAWriteAheadIsNotAMove) {
  FakeHost host;
  changes::Journal journal(host.fs(), host.state.path());
  journal.set("proc/sys/vm/swappiness", "11");
  Watchdog watchdog(GovernorLimits{}, {&journal}, {}, std::chrono::milliseconds(100), 0);
  // The file still holds its old value, as between the entry and the write.
  write_text(host.root.path() / "proc/sys/vm/swappiness", "60\n");
  EXPECT_FALSE(watchdog.check(0));
  write_text(host.root.path() / "proc/sys/vm/swappiness", "11\n");  // the write lands
  EXPECT_FALSE(watchdog.check(kLook));
  watchdog.finish(2 * kLook);
  EXPECT_FALSE(watchdog.reason());
  EXPECT_TRUE(watchdog.moved().empty());
}

TEST(WatchdogMoved, TwoLooksInARowOrOneAfterTheEndAreAMove) {
  FakeHost host;
  changes::Journal journal(host.fs(), host.state.path());
  journal.set("proc/sys/vm/swappiness", "11");
  Watchdog during(GovernorLimits{}, {&journal}, {}, std::chrono::milliseconds(100), 0);
  write_text(host.root.path() / "proc/sys/vm/swappiness", "33\n");  // someone else
  EXPECT_FALSE(during.check(0));
  const auto reason = during.check(kLook);
  ASSERT_TRUE(reason);
  EXPECT_NE(reason->find("swappiness is 33, not the 11 mmtune wrote"), std::string::npos)
      << *reason;
  // A move seen only once, at the end: the workload has exited, nothing of its own is in flight.
  Watchdog at_end(GovernorLimits{}, {&journal}, {}, std::chrono::milliseconds(100), 0);
  at_end.finish(0);
  ASSERT_TRUE(at_end.reason());
  ASSERT_EQ(at_end.moved().size(), 1u);
  EXPECT_EQ(at_end.moved()[0].now, "33");
}

}  // namespace
}  // namespace mmtune::workloads
