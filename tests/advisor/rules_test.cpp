// The recommendation rules on hand-made hosts and hand-made measurements: each test changes the one
// fact or measurement a rule turns on and checks the turn.
#include <gtest/gtest.h>

#include <algorithm>

#include "advisor/advice.hpp"
#include "advisor/profile.hpp"
#include "model/watermarks.hpp"
#include "tests/advisor/hand_made.hpp"

namespace mmtune::advisor {
namespace {

using facts::kGiB;
using facts::kMiB;
using namespace test_hosts;

TEST(Swappiness, WithoutSwapOnlyCgroupAndFileReclaimMatter) {
  Advice a = advise(make_facts(), load_profile("database"), nullptr);
  const Recommendation& r = rec(a, "vm.swappiness");
  EXPECT_FALSE(r.change);
  EXPECT_EQ(r.confidence, Confidence::high);
  EXPECT_TRUE(mentions(r, "reclaim — global or a memory cgroup's — takes only file pages"))
      << r.rationale[0];
  EXPECT_TRUE(mentions(r, "once swap exists: 1"));
}

TEST(Swappiness, AvoidSwapIsOneWithTheModelsShares) {
  facts::HostFacts f = make_facts();
  with_swap(f);
  Advice a = advise(f, load_profile("database"), nullptr);
  const Recommendation& r = rec(a, "vm.swappiness");
  EXPECT_TRUE(r.change);
  EXPECT_EQ(r.recommended, "1");
  ASSERT_EQ(r.numbers.size(), 2u);
  EXPECT_NEAR(r.numbers[0].value, 0.30, 0.001);  // 60 : 140 at equal cost
  EXPECT_LT(r.numbers[1].value, 0.01);
  EXPECT_TRUE(std::find(r.sources.begin(), r.sources.end(), "tuned-postgresql") != r.sources.end());
}

TEST(Swappiness, MglruHostGetsOneNeverZero) {
  facts::HostFacts f = make_facts();
  with_swap(f);
  f.mglru = 7;
  f.settings.values["vm.swappiness"] = "0";
  Advice a = advise(f, load_profile("general"), nullptr);
  const Recommendation& r = rec(a, "vm.swappiness");
  EXPECT_TRUE(r.change);
  EXPECT_EQ(r.recommended, "1");
  EXPECT_EQ(r.confidence, Confidence::high);
  EXPECT_TRUE(mentions(r, "MGLRU with swappiness 0"));
}

TEST(Watermarks, QuietHostKeepsBoth) {
  Advice a = advise(make_facts(), load_profile("general"), nullptr);
  EXPECT_FALSE(rec(a, "vm.min_free_kbytes").change);
  EXPECT_FALSE(rec(a, "vm.watermark_scale_factor").change);
}

TEST(Watermarks, StallsInARunRaiseTheScaleFactorSizedToTheMeasuredRate) {
  facts::HostFacts f = make_facts();
  // 2 GiB/s of first touches, and 40 direct-reclaim stalls while the workload ran.
  ScenarioRun run = run_of(
      {step("demand-paging", {m("gib_per_s", 2.0, "GiB/s")},
            {{"allocstall", {100, 140}}, {"zone_free", {1e6, 9e5}}, {"zone_low", {4000, 4000}}})});
  Advice a = advise(f, load_profile("general"), &run);
  const Recommendation& wsf = rec(a, "vm.watermark_scale_factor");
  EXPECT_TRUE(wsf.change);
  // 2 GiB/s × 0.1 s = 204.8 MiB of gap in a 16 GiB zone: ⌈52428 · 10000 / 4194304⌉ = 125.
  EXPECT_EQ(wsf.recommended, "125");
  EXPECT_EQ(wsf.confidence, Confidence::high);
  EXPECT_TRUE(std::any_of(wsf.evidence.begin(), wsf.evidence.end(), [](const EvidenceItem& e) {
    return e.measurement == "allocstall" && e.value == 40;
  }));
  // Not a bigger hard reserve.
  const Recommendation& min_free = rec(a, "vm.min_free_kbytes");
  EXPECT_FALSE(min_free.change);
  EXPECT_TRUE(mentions(min_free, "not a larger min_free_kbytes"));
}

TEST(Watermarks, HugeMinFreeGoesBackToTheKernelsValue) {
  facts::HostFacts f = make_facts();
  f.settings.values["vm.min_free_kbytes"] = std::to_string(16 * 1024 * 1024 / 20);  // "5 % of RAM"
  Advice a = advise(f, load_profile("general"), nullptr);
  const Recommendation& r = rec(a, "vm.min_free_kbytes");
  EXPECT_TRUE(r.change);
  EXPECT_EQ(
      r.recommended,
      std::to_string(uint64_t(model::expected_min_free_kbytes(f.zones, true, f.kernel).value)));
}

TEST(Thp, DatabaseOnTwoNodesWithAlwaysGetsNeverWithTheReason) {
  facts::HostFacts f = make_facts(64, 2);
  f.settings.values["thp.enabled"] = "always";
  Advice a = advise(f, load_profile("database"), nullptr);
  const Recommendation& r = rec(a, "thp.enabled");
  EXPECT_TRUE(r.change);
  EXPECT_EQ(r.recommended, "never");
  EXPECT_FALSE(r.rationale.empty());
  // The model's bloat for a sparse heap under always: 512 huge faults × 2 MiB × (1 − 1/512).
  ASSERT_FALSE(r.numbers.empty());
  EXPECT_DOUBLE_EQ(r.numbers[0].value, double(kGiB - 2 * kMiB));
  EXPECT_TRUE(a.find("vm.zone_reclaim_mode"));
  EXPECT_TRUE(a.find("kernel.numa_balancing"));
}

TEST(Thp, Mongodb8KeepsAlwaysWithDeferMadviseAndNoEmptyPtes) {
  facts::HostFacts f = make_facts(64, 2);
  f.settings.values["thp.enabled"] = "always";
  f.settings.values["thp.defrag"] = "always";
  Advice a = advise(f, load_profile("mongodb8"), nullptr);
  EXPECT_FALSE(rec(a, "thp.enabled").change);
  EXPECT_EQ(rec(a, "thp.enabled").recommended, "always");
  EXPECT_EQ(rec(a, "thp.defrag").recommended, "defer+madvise");
  EXPECT_TRUE(rec(a, "thp.defrag").change);
  const Recommendation& ptes = rec(a, "thp.khugepaged.max_ptes_none");
  EXPECT_EQ(ptes.recommended, "0");
  ASSERT_EQ(ptes.numbers.size(), 2u);
  EXPECT_GT(ptes.numbers[0].value, 0);  // at 511: a collapse may add up to 511 pages per range
  EXPECT_EQ(ptes.numbers[1].value, 0);  // at 0: nothing
}

TEST(Thp, MeasureChoosesFromTheMeasurements) {
  auto thp_run = [](double speedup, double stalls) {
    return run_of({step(
        "thp", {m("random_access_speedup", speedup, "x"), m("coverage.hugepage", 1.0, "ratio"),
                m("fault_s.hugepage", 0.05, "s"), m("fault_s.nohugepage", 0.08, "s"),
                m("compact_stall.hugepage", stalls, "events")})});
  };
  const Profile batch = load_profile("batch-analytics");
  ScenarioRun pays = thp_run(1.4, 0);
  EXPECT_EQ(rec(advise(make_facts(), batch, &pays), "thp.enabled").recommended, "always");
  EXPECT_EQ(rec(advise(make_facts(), batch, &pays), "thp.defrag").recommended, "defer+madvise");
  ScenarioRun small = thp_run(1.03, 0);
  EXPECT_EQ(rec(advise(make_facts(), batch, &small), "thp.enabled").recommended, "madvise");
  ScenarioRun stalls = thp_run(1.4, 12);
  EXPECT_EQ(rec(advise(make_facts(), batch, &stalls), "thp.enabled").recommended, "madvise");
  const Advice unmeasured = advise(make_facts(), batch, nullptr);
  const Recommendation& none = rec(unmeasured, "thp.enabled");
  EXPECT_EQ(none.recommended, "madvise");
  ASSERT_TRUE(none.evidence_missing);
}

TEST(Dirty, BystanderStallsOverBudgetGiveBytesSizedToBandwidth) {
  // 400 MB/s = 381.47 MiB/s once throttled.
  ScenarioRun run =
      run_of({step("dirty-flood", {m("bystander_stall_p99_ms", 900, "ms"),
                                   m("throttled_mib_per_s", 400e6 / double(kMiB), "MiB/s")})});
  Advice a = advise(make_facts(), load_profile("database"), &run);
  EXPECT_EQ(rec(a, "vm.dirty_bytes").recommended, std::to_string(382 * kMiB));
  EXPECT_EQ(rec(a, "vm.dirty_background_bytes").recommended, std::to_string(96 * kMiB));
  EXPECT_EQ(rec(a, "vm.dirty_bytes").confidence, Confidence::high);
  EXPECT_TRUE(mentions(rec(a, "vm.dirty_bytes"), "also: vm.dirty_ratio 20 → 0"));
}

TEST(Dirty, WithoutAMeasurementTheFallbackAppliesOnlyWhenTheHostAllowsMore) {
  Advice a = advise(make_facts(), load_profile("database"), nullptr);
  const Recommendation& hard = rec(a, "vm.dirty_bytes");
  EXPECT_EQ(hard.recommended, "536870912");
  EXPECT_EQ(hard.confidence, Confidence::low);
  ASSERT_TRUE(hard.evidence_missing);
  facts::HostFacts tight = make_facts();
  tight.settings.values["vm.dirty_bytes"] = std::to_string(256 * kMiB);
  tight.settings.values["vm.dirty_ratio"] = "0";
  Advice b = advise(tight, load_profile("database"), nullptr);
  EXPECT_FALSE(rec(b, "vm.dirty_bytes").change);
}

TEST(Dirty, GeneralKeepsTheRatios) {
  Advice a = advise(make_facts(), load_profile("general"), nullptr);
  EXPECT_FALSE(rec(a, "vm.dirty_ratio").change);
  EXPECT_FALSE(rec(a, "vm.dirty_background_ratio").change);
  EXPECT_EQ(a.find("vm.dirty_bytes"), nullptr);
}

TEST(Overcommit, ForkSnapshotsUnderStrictAccountingGetOne) {
  facts::HostFacts f = make_facts();
  f.settings.values["vm.overcommit_memory"] = "2";
  Advice a = advise(f, load_profile("cache-fork-snapshot"), nullptr);
  const Recommendation& r = rec(a, "vm.overcommit_memory");
  EXPECT_EQ(r.recommended, "1");
  EXPECT_EQ(r.confidence, Confidence::high);
  // 16 GiB · 50 % = 8 GiB of commit limit, no swap.
  EXPECT_DOUBLE_EQ(r.numbers[0].value, double(8 * kGiB));
  EXPECT_EQ(advise(f, load_profile("general"), nullptr).find("vm.overcommit_memory"), nullptr);
}

TEST(Overcommit, StrictOnlyWhenWhatIsCommittedFits) {
  facts::HostFacts f = make_facts();
  EXPECT_EQ(rec(advise(f, load_profile("database"), nullptr), "vm.overcommit_memory").recommended,
            "2");
  f.meminfo.fields.values["Committed_AS"] = 15 * kGiB;
  EXPECT_FALSE(rec(advise(f, load_profile("database"), nullptr), "vm.overcommit_memory").change);
}

TEST(Numa, LatencySensitiveTurnsBalancingOffOnTwoNodesOnly) {
  EXPECT_EQ(rec(advise(make_facts(64, 2), load_profile("latency-sensitive"), nullptr),
                "kernel.numa_balancing")
                .recommended,
            "0");
  EXPECT_EQ(advise(make_facts(), load_profile("latency-sensitive"), nullptr)
                .find("kernel.numa_balancing"),
            nullptr);
  facts::HostFacts f = make_facts(64, 2);
  f.settings.values["vm.zone_reclaim_mode"] = "1";
  const Advice with_zone_reclaim = advise(f, load_profile("database"), nullptr);
  const Recommendation& zrm = rec(with_zone_reclaim, "vm.zone_reclaim_mode");
  EXPECT_TRUE(zrm.change);
  EXPECT_DOUBLE_EQ(zrm.numbers[0].value, 2.1);
}

TEST(Advice, EveryRecommendationHasARationaleNumbersAndASource) {
  facts::HostFacts f = make_facts(64, 2);
  with_swap(f);
  for (const char* profile :
       {"general", "database", "mongodb8", "cache-fork-snapshot", "latency-sensitive",
        "streaming-log", "virtualization-host", "jvm-large-heap", "batch-analytics"}) {
    Advice a = advise(f, load_profile(profile), nullptr);
    for (const Recommendation& r : a.recommendations) {
      SCOPED_TRACE(std::string(profile) + " " + r.knob);
      EXPECT_FALSE(r.summary.empty());
      EXPECT_FALSE(r.rationale.empty());
      EXPECT_FALSE(r.numbers.empty());
      EXPECT_FALSE(r.sources.empty());
    }
  }
}

}  // namespace
}  // namespace mmtune::advisor
