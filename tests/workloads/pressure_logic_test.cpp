// The logic of dirty-flood, reclaim and oom without running them: their arithmetic on made-up
// series, their parsers, the journal's io_limit entries on a fake tree, and their predictions and
// input checks on every recorded host (a cgroup-v2 container, a swap host with NUMA, an old v1
// kernel without PSI, this machine).
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>

#include "changes/journal.hpp"
#include "changes/memcg.hpp"
#include "changes/slow_device.hpp"
#include "changes/swap_file.hpp"
#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "tests/support/recorded_hosts.hpp"
#include "tests/support/test_support.hpp"
#include "workloads/dirty_analysis.hpp"
#include "workloads/kernel_log.hpp"
#include "workloads/latency.hpp"
#include "workloads/registry.hpp"
#include "workloads/runner.hpp"

namespace mmtune::workloads {
namespace {

namespace fs = std::filesystem;
constexpr int64_t kMs = 1'000'000;

// ---- latency ----

TEST(Latency, NearestRankPercentilesAndPowerOfTwoBuckets) {
  std::vector<double> ns;
  for (int i = 1; i <= 100; ++i) ns.push_back(i * 1000.0);  // 1 µs … 100 µs
  LatencySummary s = summarize_latencies(ns);
  EXPECT_EQ(s.count, 100u);
  EXPECT_EQ(s.p50_ns, 50'000);
  EXPECT_EQ(s.p99_ns, 99'000);
  EXPECT_EQ(s.max_ns, 100'000);
  EXPECT_DOUBLE_EQ(s.mean_ns, 50'500);
  std::vector<LatencyBucket> h =
      latency_histogram(std::vector<double>{500, 1500, 3000, 3999, 64'000});
  ASSERT_EQ(h.size(), 8u);  // [<1µs], [1,2), [2,4), … [64,128) µs
  EXPECT_EQ(h[0].count, 1u);
  EXPECT_EQ(h[1].count, 1u);
  EXPECT_EQ(h[2].count, 2u);
  EXPECT_EQ(h[7].count, 1u);
  EXPECT_EQ(h[7].upper_us, 128);
  EXPECT_EQ(summarize_latencies({}).count, 0u);
}

// ---- dirty-flood's analysis ----

// A writer that runs free (0.5 ms per MiB, never asleep) while dirty grows 2 MiB per ms until it
// reaches 48 MiB (at 24 ms); from then on every write sleeps ~30 ms and dirty climbs to 60 MiB.
struct MadeUpFlood {
  std::vector<WriteRecord> writes;
  std::vector<DirtySample> samples;
  explicit MadeUpFlood(bool outlier) {
    const uint64_t page = 4096, mib = 256;
    int64_t t = 0;
    for (int i = 0; i < 400; ++i) {
      samples.push_back({i * 2 * kMs, uint64_t(std::min(i * 4, 60)) * mib, 0});
    }
    for (int i = 0; i < 48; ++i, t += kMs / 2) {
      // One write that slept among the free-running ones, as a journal commit gives.
      int64_t slept = outlier && i == 10 ? 20 * kMs : 0;
      writes.push_back({t, t + kMs / 2 + slept, slept, 0, uint32_t(mib * page)});
    }
    for (int i = 0; i < 20; ++i, t += 31 * kMs) {
      writes.push_back({t, t + 30 * kMs, 29 * kMs, 0, uint32_t(mib * page)});
    }
  }
};

TEST(DirtyAnalysis, DirtyLevelIsInterpolatedBetweenSamples) {
  std::vector<DirtySample> s = {{0, 100, 0}, {10, 200, 100}};
  EXPECT_EQ(*dirty_at(s, 5), 200);  // halfway from 100 to 300
  EXPECT_EQ(*dirty_at(s, -1), 100);
  EXPECT_EQ(*dirty_at(s, 99), 300);
  EXPECT_EQ(dirty_at({}, 0), std::nullopt);
}

TEST(DirtyAnalysis, OnsetIsTheFirstLastingPauseNotAnOutlier) {
  for (bool outlier : {false, true}) {
    SCOPED_TRACE(outlier);
    MadeUpFlood f(outlier);
    auto onset = find_throttle_onset(f.writes, f.samples);
    ASSERT_TRUE(onset);
    EXPECT_EQ(onset->write_index, 48u);
    EXPECT_NEAR(onset->dirty_pages, 48 * 256.0, 1)
        << "the dirty level when the first paused write began";
  }
}

TEST(DirtyAnalysis, SlowWritesThatDidNotSleepAreNoOnset) {
  // A busy host: every write took 10 ms, waiting for a CPU, and none slept.
  std::vector<WriteRecord> writes;
  for (int i = 0; i < 100; ++i) writes.push_back({i * 10 * kMs, (i + 1) * 10 * kMs, 0, 0, 1 << 20});
  writes[50].slept_ns = 15 * kMs;  // one sleep is not throttling
  EXPECT_EQ(find_throttle_onset(writes, {}), std::nullopt);
  EXPECT_EQ(slept_ns(10 * kMs, 2 * kMs, 7 * kMs), 1 * kMs);
  EXPECT_EQ(slept_ns(10 * kMs, 6 * kMs, 7 * kMs), 0)
      << "never negative (the clocks are read apart)";
}

// Two writers (tids 100, 200); the tracepoint saw writer 1 evaluated at 10 ms without a pause,
// then both paused; a thread that is not a writer is ignored.
TEST(DirtyAnalysis, TracedThrottleCountsTheKernelsPausesPerWrite) {
  std::vector<WriteRecord> writes;
  for (int i = 0; i < 10; ++i) {
    writes.push_back({i * 10 * kMs, i * 10 * kMs + 8 * kMs, 0, 0, 1 << 20});
    writes.push_back({i * 10 * kMs + kMs, i * 10 * kMs + 9 * kMs, 0, 1, 1 << 20});
  }
  auto event = [](int64_t t, int pid, uint64_t dirty, int64_t pause) {
    probes::BalanceDirtyPagesEvent e;
    e.t_ns = t;
    e.pid = pid;
    e.dirty = dirty;
    e.pause_ms = pause;
    return e;
  };
  std::vector<probes::BalanceDirtyPagesEvent> events = {
      event(5 * kMs, 999, 10, 50),     // not ours
      event(12 * kMs, 200, 1000, 0),   // writer 1, let go
      event(33 * kMs, 100, 1100, 12),  // writer 0, in its write 30..38
      event(35 * kMs, 100, 1110, 4),   // the same write
      event(52 * kMs, 200, 1200, 8),   // writer 1, in its write 51..59
  };
  const std::vector<pid_t> tids = {100, 200};
  TracedThrottle t = summarize_throttle_events(writes, events, tids);
  EXPECT_EQ(t.events, 4u);
  EXPECT_EQ(t.pauses, 3u);
  EXPECT_DOUBLE_EQ(t.pause_s, 0.024);
  EXPECT_EQ(t.first, 1u);
  EXPECT_EQ(t.first_pause, 2u);
  EXPECT_EQ(t.paused_writes, 2u);
  ThrottleOnset onset = onset_at_event(writes, events[*t.first]);
  EXPECT_EQ(onset.dirty_pages, 1000) << "the kernel's own count at its first evaluation";
  EXPECT_EQ(onset.write_index, 4u) << "the writes that began before it ran free";
  EXPECT_EQ(summarize_throttle_events(writes, {}, tids).first, std::nullopt);
}

TEST(DirtyAnalysis, PlateauIsTheMedianOfTheWindow) {
  std::vector<DirtySample> s = {{0, 10, 0}, {1, 50, 10}, {2, 40, 20}, {3, 1000, 0}, {4, 55, 0}};
  EXPECT_EQ(*plateau_pages(s, 1, 4), 60);  // of 60, 60, 1000, 55
  EXPECT_EQ(peak_pages(s, 0, 2), 60);
  EXPECT_EQ(plateau_pages(s, 10, 20), std::nullopt);
}

TEST(DirtyAnalysis, SustainedPeakIsALevelHeldNotASpike) {
  std::vector<DirtySample> s;
  for (int i = 0; i < 500; ++i) {  // every 10 ms for 5 s: 100, then 200 from 1 s to 3 s, then 150
    uint64_t level = i < 100 ? 100 : i < 300 ? 200 : 150;
    if (i == 400) level = 1000;  // one sample's spike
    s.push_back({i * 10 * kMs, level, 0});
  }
  EXPECT_EQ(*sustained_peak_pages(s, 0, 5000 * kMs, 1000 * kMs), 200);
  EXPECT_EQ(*sustained_peak_pages(s, 3000 * kMs, 5000 * kMs, 1000 * kMs), 150);
  EXPECT_EQ(sustained_peak_pages(s, 0, 500 * kMs, 1000 * kMs), std::nullopt)
      << "shorter than the window";
}

// ---- parsers and file formats ----

TEST(SwapHeader, IsVersionOneWithTheMagicAtTheEndOfThePage) {
  std::vector<unsigned char> page = changes::swap_header(64ull << 20);
  ASSERT_EQ(page.size(), 4096u);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(page.data()) + 4086, 10), "SWAPSPACE2");
  uint32_t version = 0, last_page = 0;
  std::memcpy(&version, page.data() + 1024, 4);
  std::memcpy(&last_page, page.data() + 1028, 4);
  EXPECT_EQ(version, 1u);
  EXPECT_EQ(last_page, 16383u);
}

TEST(SlowDevice, FindsTheBlkioHierarchyAndWritesV1Rules) {
  auto local =
      changes::blkio_v1_dir(test::slurp(test::test_data("hosts/local-6.18/proc/self/mountinfo")));
  ASSERT_TRUE(local);
  EXPECT_EQ(*local, "sys/fs/cgroup/blkio");
  EXPECT_EQ(changes::blkio_v1_dir(
                test::slurp(test::test_data("hosts/container-v2-6.1/proc/self/mountinfo"))),
            std::nullopt);
  EXPECT_EQ(changes::blkio_v1_dir(
                "30 20 0:40 /docker/abc /sys/fs/cgroup/blkio rw - cgroup cgroup rw,blkio\n"),
            std::nullopt)
      << "a nested view of the hierarchy cannot reach the root cgroup the flushers are in";
  changes::IoLimitRule rule = changes::blkio_write_limit(*local, 7, 3, 31457280);
  EXPECT_EQ(rule.file, "sys/fs/cgroup/blkio/blkio.throttle.write_bps_device");
  EXPECT_EQ(rule.rule, "7:3 31457280");
  EXPECT_EQ(rule.clear, "7:3 0");
}

TEST(KernelLog, PairsTheOomKillLineWithTheKilledProcess) {
  std::string kmsg =
      "4,1234,2958325273,-;workloads_live_ invoked oom-killer: gfp_mask=0xcc0(GFP_KERNEL), "
      "order=0, oom_score_adj=1000\n"
      "6,1235,2958325485,-;oom-kill:constraint=CONSTRAINT_MEMCG,nodemask=(null),cpuset=/"
      ",mems_allowed=0,"
      "oom_memcg=/process_api/x/mmtune-oom-1-1,task_memcg=/process_api/x/"
      "mmtune-oom-1-1,task=mmtune,pid=28649,uid=0\n"
      "3,1236,2958325506,-;Memory cgroup out of memory: Killed process 28649 (mmtune) "
      "total-vm:155140kB, "
      "anon-rss:16880kB, file-rss:2252kB, shmem-rss:0kB, UID:0 pgtables:96kB oom_score_adj:1000\n"
      " SUBSYSTEM=memory\n"
      "[ 10.0] Out of memory: Killed process 77 (big) total-vm:1kB\n";
  std::vector<OomKillRecord> kills = parse_oom_kills(kmsg);
  ASSERT_EQ(kills.size(), 2u);
  EXPECT_EQ(kills[0].pid, 28649);
  EXPECT_EQ(kills[0].comm, "mmtune");
  EXPECT_TRUE(kills[0].memcg);
  EXPECT_EQ(kills[0].oom_memcg, "/process_api/x/mmtune-oom-1-1");
  EXPECT_EQ(kills[1].pid, 77);
  EXPECT_FALSE(kills[1].memcg) << "a host-wide OOM";
  EXPECT_TRUE(kills[1].oom_memcg.empty());
}

TEST(Memcg, FileNamesAndSwapLimitsPerVersion) {
  changes::MemcgFiles v1 = changes::memcg_files(1), v2 = changes::memcg_files(2);
  EXPECT_EQ(v1.limit, "memory.limit_in_bytes");
  EXPECT_EQ(v2.limit, "memory.max");
  EXPECT_EQ(v1.swappiness, "memory.swappiness");
  EXPECT_EQ(v2.swappiness, std::nullopt) << "v2 reclaims with vm.swappiness";
  EXPECT_EQ(v2.pressure, "memory.pressure");
  EXPECT_EQ(v1.pressure, std::nullopt);
  EXPECT_EQ(changes::swap_limit_value(v1, 256 << 20, 64 << 20), 320u << 20)
      << "memsw counts memory + swap";
  EXPECT_EQ(changes::swap_limit_value(v2, 256 << 20, 64 << 20), 64u << 20);
  EXPECT_EQ(changes::swap_limit_value(v2, 256 << 20, 0), 0u);
  EXPECT_THROW(changes::memcg_files(0), Error);
}

// ---- the journal's io_limit entries, on a fake tree ----

struct FakeBlkio {
  test::TempDir root, state;
  const std::string file = "sys/fs/cgroup/blkio/blkio.throttle.write_bps_device";
  FakeBlkio() {
    fs::create_directories(root.path() / "sys/fs/cgroup/blkio");
    std::ofstream(root.path() / file) << "8:0 1000\n";
  }
  std::string text() const { return test::slurp(root.path() / file); }
  void set(const std::string& text) const { std::ofstream(root.path() / file) << text; }
};

TEST(JournalIoLimit, UndoWritesTheClearingRuleWhileTheDeviceHasALine) {
  FakeBlkio host;
  changes::Journal journal(probes::HostFs(host.root.path()), host.state.path());
  journal.set_io_limit(host.file, "7:3 31457280", "7:3 0");
  EXPECT_EQ(host.text(), "7:3 31457280");
  ASSERT_EQ(journal.pending().size(), 1u);
  EXPECT_EQ(journal.pending()[0].kind, changes::ChangeKind::io_limit);
  EXPECT_EQ(journal.pending()[0].old_value, "7:3 0");
  host.set("7:3 31457280\n8:0 1000\n");  // what the kernel shows: every rule, one line each
  std::vector<changes::UndoOutcome> outcomes = journal.undo_all();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, changes::UndoStatus::restored);
  EXPECT_EQ(host.text(), "7:3 0") << "the kernel takes \"7:3 0\" as: remove the rule";
}

TEST(JournalIoLimit, NothingLeftToLiftIsRestoredWithoutAWrite) {
  FakeBlkio host;
  changes::Journal journal(probes::HostFs(host.root.path()), host.state.path());
  journal.set_io_limit(host.file, "7:3 31457280", "7:3 0");
  host.set("8:0 1000\n");  // lifted already (SlowDevice::lift_limit), or the device is gone
  std::vector<changes::UndoOutcome> outcomes = journal.undo_all();
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, changes::UndoStatus::restored);
  EXPECT_EQ(host.text(), "8:0 1000\n");
}

TEST(JournalIoLimit, ACrashedRunsLimitIsLiftedByRestoreLeftovers) {
  FakeBlkio host;
  pid_t pid = ::fork();
  if (pid == 0) {
    // A run that dies without unwinding: its journal stays, unlocked once it is gone.
    auto* journal = new changes::Journal(probes::HostFs(host.root.path()), host.state.path());
    journal->set_io_limit(host.file, "7:5 1048576", "7:5 0");
    ::_exit(0);
  }
  int status = 0;
  ::waitpid(pid, &status, 0);
  ASSERT_TRUE(WIFEXITED(status));
  host.set("7:5 1048576\n");
  std::vector<changes::UndoOutcome> outcomes = changes::restore_leftovers(host.state.path());
  ASSERT_EQ(outcomes.size(), 1u);
  EXPECT_EQ(outcomes[0].status, changes::UndoStatus::restored) << outcomes[0].message;
  EXPECT_EQ(host.text(), "7:5 0");
  EXPECT_TRUE(fs::is_empty(host.state.path()));
}

// ---- predictions and input checks on the recorded hosts ----

facts::HostFacts recorded(const std::string& host) {
  return probes::read_host_facts(probes::HostFs(test::test_data("hosts/" + host)));
}

RunPlan plan(const std::string& workload, std::vector<std::pair<std::string, std::string>> params,
             const facts::HostFacts& facts) {
  RunOptions options;
  options.force = true;
  options.params = text_inputs(params);
  return plan_run(workload, options, facts);
}

const Expectation& expectation(const RunPlan& p, std::string_view metric) {
  for (const Expectation& e : p.predictions) {
    if (e.metric == metric) return e;
  }
  throw std::runtime_error("no prediction for " + std::string(metric));
}

TEST(DirtyFloodPlan, BytesPairGivesExactThresholdsOnEveryHost) {
  for (const std::string& host : test::recorded_hosts()) {
    SCOPED_TRACE(host);
    RunPlan p = plan(
        "dirty-flood",
        {{"dirty-bytes", "64MiB"}, {"dirty-background-bytes", "32MiB"}, {"device-bps", "30MiB"}},
        recorded(host));
    EXPECT_EQ(expectation(p, "dirty_threshold_bytes").prediction.value, 64 << 20);
    EXPECT_EQ(expectation(p, "dirty_background_threshold_bytes").prediction.value, 32 << 20);
    EXPECT_EQ(expectation(p, "throttle_onset_bytes").prediction.value, 48 << 20)
        << "(thresh + bg) / 2";
    EXPECT_EQ(expectation(p, "throttle_onset_bytes").tolerance, 0.10)
        << "slow-device mode holds it to 10 %";
    EXPECT_EQ(expectation(p, "dirty_plateau_bytes").prediction.value, 64 << 20);
    EXPECT_EQ(expectation(p, "dirty_settled_bytes").prediction.value, 56 << 20)
        << "setpoint (48 + 64) / 2";
    EXPECT_EQ(expectation(p, "dirty_settled_bytes").tolerance, std::nullopt);
  }
}

TEST(DirtyFloodPlan, RatiosFollowTheHostsDirtyableMemory) {
  facts::HostFacts facts = recorded("local-6.18");
  RunPlan p = plan("dirty-flood", {{"dirty-ratio", "5"}, {"dirty-background-ratio", "2"}}, facts);
  const double thresh = expectation(p, "dirty_threshold_bytes").prediction.value;
  const double bg = expectation(p, "dirty_background_threshold_bytes").prediction.value;
  // 5 % and 2 % in 1/4096 steps (204/4096, 81/4096) of the same dirtyable memory.
  EXPECT_NEAR(bg / thresh, 81.0 / 204.0, 1e-3);
  EXPECT_NEAR(expectation(p, "throttle_onset_bytes").prediction.value, (thresh + bg) / 2, 4096);
  EXPECT_EQ(expectation(p, "throttle_onset_bytes").tolerance, std::nullopt)
      << "without a slow device the onset is shown, not held against anything";
  // The host's own 20/10 gives four times the limit.
  RunPlan defaults = plan("dirty-flood", {}, facts);
  EXPECT_NEAR(expectation(defaults, "dirty_threshold_bytes").prediction.value / thresh,
              819.0 / 204.0, 1e-2);
}

TEST(DirtyFloodPlan, BadCombinationsAreBadInput) {
  facts::HostFacts facts = recorded("local-6.18");
  for (auto params : std::vector<std::vector<std::pair<std::string, std::string>>>{
           {{"dirty-ratio", "5"}, {"dirty-bytes", "64MiB"}},
           {{"dirty-background-ratio", "2"}, {"dirty-background-bytes", "1MiB"}},
           {{"dirty-bytes", "4KiB"}},
           {{"device-bps", "1KiB"}},
           {{"dir", "/nonexistent-mmtune"}},
           {{"size", "1MiB"}, {"writers", "4"}},
           {{"size", "1000TiB"}}}) {
    SCOPED_TRACE(params.front().first);
    try {
      plan("dirty-flood", params, facts);
      ADD_FAILURE() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input);
      EXPECT_NE(std::string(e.what()).find("--"), std::string::npos)
          << "names the option: " << e.what();
    }
  }
}

TEST(OomPlan, PointIsTheLimitPlusTheSwapAllowance) {
  for (const std::string& host : test::recorded_hosts()) {
    SCOPED_TRACE(host);
    facts::HostFacts facts = recorded(host);
    RunPlan none = plan("oom", {{"limit", "256MiB"}}, facts);
    EXPECT_EQ(expectation(none, "oom_point_bytes").prediction.value, 256 << 20);
    EXPECT_EQ(expectation(none, "oom_point_bytes").tolerance, 0.10);
    RunPlan swap = plan("oom", {{"limit", "256MiB"}, {"swap", "128MiB"}}, facts);
    // A host without swap gets a temporary file of 128 MiB + 64 MiB; a swap host has plenty free;
    // at swappiness 10 (old-4.19) or 60 the cgroup swaps either way.
    EXPECT_EQ(expectation(swap, "oom_point_bytes").prediction.value, 384 << 20);
    EXPECT_EQ(expectation(swap, "controller_survived").low, 1.0);
  }
}

TEST(OomPlan, SwappinessZeroInACgroupMeansNoSwap) {
  facts::HostFacts facts = recorded("numa2-5.15");
  facts.settings.values["vm.swappiness"] = "0";
  RunPlan p = plan("oom", {{"limit", "256MiB"}, {"swap", "128MiB"}}, facts);
  EXPECT_EQ(expectation(p, "oom_point_bytes").prediction.value, 256 << 20);
}

TEST(ReclaimPlan, DirectionFollowsSwapAndLruKind) {
  facts::HostFacts local = recorded("local-6.18");
  RunPlan without = plan("reclaim", {}, local);
  const Expectation& flat = expectation(without, "anon_share_gain");
  EXPECT_EQ(flat.prediction.value, 0) << "no swap: anon cannot be reclaimed at any swappiness";
  EXPECT_EQ(*flat.low, -0.01);
  RunPlan with = plan("reclaim", {{"swap", "512MiB"}}, local);
  const Expectation& up = expectation(with, "anon_share_gain");
  EXPECT_NEAR(up.prediction.value, 0.5 - 0.005, 1e-9) << "classic LRU: sw/200 at equal costs";
  EXPECT_EQ(*up.low, 0.01);
  EXPECT_NEAR(expectation(with, "anon_share.sw1").prediction.value, 0.005, 1e-9);
  EXPECT_EQ(expectation(with, "anon_share.sw1").tolerance, std::nullopt) << "shown, not held to it";

  facts::HostFacts mglru = recorded("container-v2-6.1");
  mglru.mglru = 7;  // enabled
  RunPlan gen = plan("reclaim", {{"swap", "512MiB"}}, mglru);
  EXPECT_EQ(expectation(gen, "anon_share.sw1").prediction.value, 0)
      << "MGLRU swappiness 1: file first";
  EXPECT_NE(expectation(gen, "anon_share.sw1").prediction.name.find("MGLRU"), std::string::npos);
  // Each phase's working set is faulted in anew while the reader fills the oldest generation with
  // page cache: MGLRU evicts no anon at either swappiness, so no gain is expected.
  EXPECT_EQ(expectation(gen, "anon_share.sw100").prediction.value, 0);
  EXPECT_EQ(*expectation(gen, "anon_share_gain").low, -0.01);
}

TEST(ReclaimPlan, LimitMustBeBelowTheWorkingSetButHoldTheAnonymousPart) {
  facts::HostFacts facts = recorded("local-6.18");
  EXPECT_THROW(plan("reclaim", {{"limit", "1GiB"}}, facts), Error) << "nothing to reclaim";
  EXPECT_THROW(plan("reclaim", {{"limit", "128MiB"}, {"anon", "192MiB"}}, facts), Error)
      << "no room for cache";
  EXPECT_NO_THROW(plan("reclaim", {{"limit", "128MiB"}, {"anon", "96MiB"}}, facts));
}

TEST(Pressure, NoMemoryControllerIsUnsupported) {
  facts::HostFacts facts = recorded("local-6.18");
  facts.cgroup.version = 0;
  for (const char* name : {"reclaim", "oom"}) {
    auto why = find_workload(name)->unsupported(facts);
    ASSERT_TRUE(why) << name;
    EXPECT_NE(why->find("memory cgroup"), std::string::npos);
  }
  EXPECT_EQ(find_workload("dirty-flood")->unsupported(facts), std::nullopt);
}

}  // namespace
}  // namespace mmtune::workloads
