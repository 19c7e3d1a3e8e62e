// The rules that read the fragmentation workload (docs/advice.md, Fragmentation), on a hand-made
// host and a hand-made fragmentation result: each fires when its measurement crosses the stated
// threshold and does not when it stays on the other side.
#include <gtest/gtest.h>

#include <algorithm>

#include "advisor/advice.hpp"
#include "advisor/evidence.hpp"
#include "advisor/fragmentation_evidence.hpp"
#include "advisor/profile.hpp"
#include "facts/error.hpp"
#include "model/fragmentation.hpp"
#include "tests/advisor/hand_made.hpp"

namespace mmtune::advisor {
namespace {

using facts::kGiB;
using facts::kMiB;
using namespace test_hosts;

// A profile that wants THP everywhere and measures fragmentation, with no vendor pins.
constexpr const char* kHugeProfile = R"({
  "schema": "mmtune.profile/1",
  "name": "huge",
  "summary": "THP everywhere",
  "goals": {"swap": "keep", "thp": "always"},
  "scenarios": {
    "quick": {
      "summary": "s", "time_budget_s": 60, "memory_fraction": 0.25,
      "steps": [{"workload": "fragmentation", "time_limit_s": 60, "params": {"span": "1GiB"}}]
    }
  }
})";

const Profile& huge_profile() {
  static const Profile p = parse_profile(kHugeProfile, "huge.json");
  return p;
}

struct ModeFigures {
  std::string mode;
  double p99_ms, success, stalls;
};

// What the workload measured on this host (docs/workloads.md), per mode: direct compaction
// stalls at a p99 of 20–40 ms; defer wakes kcompactd; never falls back.
std::vector<ModeFigures> measured_here() {
  return {{"always", 25.0, 1.0, 104},
          {"defer", 0.40, 0.26, 0},
          {"defer+madvise", 24.0, 1.0, 96},
          {"madvise", 31.0, 1.0, 90},
          {"never", 0.05, 0.02, 0}};
}

StepOutcome fragmentation_step(const std::vector<ModeFigures>& modes, double hugetlb_fragmented,
                               double gigantic_fragmented = 0, double extfrag = 0.955) {
  std::vector<workloads::Measurement> ms = {
      m("fragmented_blocks", 5000, "blocks (2 MiB)"),
      m("free_2mib_blocks.before", 2500, "blocks (2 MiB)"),
      m("free_2mib_blocks.fragmented", 7, "blocks (2 MiB)"),
      m("free_2mib_blocks.repaired", 7, "blocks (2 MiB)"),
      m("compact_daemon_migrate_scanned.repair", 1698304, "events"),
      m("pgmigrate_success.repair", 74252, "events"),
      m("extfrag_index.fragmented.Normal", extfrag, "ratio"),
      m("hugetlb_2mib.before", 256, "pages"),
      m("hugetlb_2mib.before_s", 0.004, "s"),
      m("hugetlb_2mib.fragmented", hugetlb_fragmented, "pages"),
      m("hugetlb_2mib.fragmented_s", 0.41, "s"),
      m("hugetlb_2mib.compacted", 256, "pages"),
      m("hugetlb_1gib.before", 1, "pages"),
      m("hugetlb_1gib.fragmented", gigantic_fragmented, "pages"),
  };
  for (const ModeFigures& f : modes) {
    ms.push_back(m("fault_latency." + f.mode + "_p99_ms", f.p99_ms, "ms"));
    ms.push_back(m("huge_success." + f.mode, f.success, "ratio"));
    ms.push_back(m("compact_stall." + f.mode, f.stalls, "events"));
  }
  StepOutcome s = step("fragmentation", ms);
  s.result.parameters.push_back({"hugetlb", "512MiB", "bytes", {512.0 * double(kMiB)}, false});
  return s;
}

ScenarioRun fragmentation_run(const std::vector<ModeFigures>& modes = measured_here(),
                              double hugetlb_fragmented = 256, double gigantic_fragmented = 0,
                              double extfrag = 0.955) {
  return run_of({fragmentation_step(modes, hugetlb_fragmented, gigantic_fragmented, extfrag)});
}

facts::HostFacts thp_always() {
  facts::HostFacts f = make_facts();
  f.settings.values["thp.enabled"] = "always";
  f.settings.values["thp.defrag"] = "always";
  f.settings.values["vm.compaction_proactiveness"] = "20";
  f.settings.values["vm.extfrag_threshold"] = "500";
  return f;
}

const Finding* finding(const Advice& a, std::string_view prefix) {
  for (const Finding& f : a.findings) {
    if (f.id.starts_with(prefix)) return &f;
  }
  return nullptr;
}

TEST(FragmentationEvidence, ReadsEveryModeAndTheReservations) {
  const ScenarioRun run = fragmentation_run();
  const auto ev = fragmentation_evidence(&run);
  ASSERT_TRUE(ev);
  EXPECT_EQ(ev->modes.size(), 5u);
  EXPECT_EQ(ev->hugetlb_requested, 256u);
  // Ordinary faults under defer+madvise behave as madvised ones under defer; under madvise as
  // under never; madvised ones under a mode are that mode's own measurement.
  EXPECT_EQ(ev->behaving_as("defer+madvise", false)->mode, "defer");
  EXPECT_EQ(ev->behaving_as("madvise", false)->mode, "never");
  EXPECT_EQ(ev->behaving_as("always", false)->mode, "always");
  EXPECT_EQ(ev->behaving_as("madvise", true)->mode, "madvise");
  EXPECT_EQ(ev->reservation(2 * kMiB, "fragmented")->got.value, 256);
  // No step, or a step that did not complete: no evidence.
  EXPECT_FALSE(fragmentation_evidence(nullptr));
  ScenarioRun failed = run;
  failed.steps[0].result.verdict.status = workloads::Status::failed;
  EXPECT_FALSE(fragmentation_evidence(&failed));
}

TEST(FragmentationEvidence, ItsProvokedReclaimIsNoEvidenceOfKswapdFallingBehind) {
  StepOutcome frag = fragmentation_step(measured_here(), 256);
  StepOutcome frag_with_host =
      step("fragmentation", frag.result.measurements, {{"allocstall", {0, 5}}});
  ScenarioRun run = run_of({frag_with_host});
  EXPECT_FALSE(host_growth(&run, "allocstall", "events"));
  run.steps.push_back(step("demand-paging", {}, {{"allocstall", {10, 12}}}));
  const auto growth = host_growth(&run, "allocstall", "events");
  ASSERT_TRUE(growth);
  EXPECT_EQ(growth->value, 2);
  // The watermark rule does not take the fragmentation step's stalls for its own.
  const ScenarioRun only_frag = run_of({frag_with_host});
  EXPECT_NE(rec(advise(make_facts(), load_profile("jvm-large-heap"), &only_frag),
                "vm.watermark_scale_factor")
                .id,
            "wsf-run-stalls");
}

TEST(ThpDefragFragmentation, MeasuredStallsTurnAlwaysIntoDeferMadvise) {
  const ScenarioRun run = fragmentation_run();
  const Recommendation r = rec(advise(thp_always(), huge_profile(), &run), "thp.defrag");
  EXPECT_EQ(r.id, "thp-defrag-fragmentation-stalls");
  EXPECT_EQ(r.recommended, "defer+madvise");
  EXPECT_EQ(r.confidence, Confidence::high);
  EXPECT_TRUE(mentions(r, "p99 25.00 ms")) << r.rationale.front();
  EXPECT_TRUE(mentions(r, "p99 0.40 ms"));
  ASSERT_FALSE(r.signals.empty());
  EXPECT_TRUE(r.signals.front().met);
  EXPECT_DOUBLE_EQ(r.signals.front().value, 25.0 / 0.40);
  EXPECT_TRUE(std::any_of(r.evidence.begin(), r.evidence.end(), [](const EvidenceItem& e) {
    return e.measurement == "fault_latency.always_p99_ms" && e.value == 25.0;
  }));
}

TEST(ThpDefragFragmentation, WhereTheFileHasNoDeferMadviseItIsMadviseAgainstNever) {
  facts::HostFacts f = thp_always();
  f.choices["thp.defrag"] = {"always", "madvise", "never"};
  const ScenarioRun run = fragmentation_run();
  const Recommendation r = rec(advise(f, huge_profile(), &run), "thp.defrag");
  EXPECT_EQ(r.id, "thp-defrag-fragmentation-stalls");
  EXPECT_EQ(r.recommended, "madvise");
  EXPECT_TRUE(mentions(r, "p99 0.05 ms"));  // never: what ordinary faults get under madvise
}

TEST(ThpDefragFragmentation, NoStallOrATailUnderTwiceDoesNotFire) {
  std::vector<ModeFigures> modes = measured_here();
  modes[0].p99_ms = 0.79;  // under twice defer's 0.40 ms
  ScenarioRun run = fragmentation_run(modes);
  Recommendation r = rec(advise(thp_always(), huge_profile(), &run), "thp.defrag");
  EXPECT_NE(r.id, "thp-defrag-fragmentation-stalls");
  EXPECT_FALSE(r.signals.front().met);
  EXPECT_TRUE(mentions(r, "measured on fragmented free memory"));  // still cited
  modes = measured_here();
  modes[0].stalls = 0;  // a long tail without compaction is not a compaction stall
  run = fragmentation_run(modes);
  EXPECT_NE(rec(advise(thp_always(), huge_profile(), &run), "thp.defrag").id,
            "thp-defrag-fragmentation-stalls");
  // enabled=madvise: ordinary faults never compact; defrag stays, the madvised cost is cited.
  facts::HostFacts f = thp_always();
  f.settings.values["thp.enabled"] = "madvise";
  f.settings.values["thp.defrag"] = "madvise";
  run = fragmentation_run();
  r = rec(advise(f, load_profile("jvm-large-heap"), &run), "thp.defrag");
  EXPECT_EQ(r.id, "thp-defrag-keep");
  EXPECT_TRUE(mentions(r, "MADV_HUGEPAGE regions under defrag=madvise"));
}

TEST(CompactionProactiveness, ZeroComesBackToTwentyForWorkThatWantsHugePages) {
  facts::HostFacts f = thp_always();
  f.settings.values["vm.compaction_proactiveness"] = "0";
  const ScenarioRun run = fragmentation_run();
  Recommendation r =
      rec(advise(f, load_profile("jvm-large-heap"), &run), "vm.compaction_proactiveness");
  EXPECT_EQ(r.id, "compaction-proactiveness-off");
  EXPECT_EQ(r.recommended, "20");
  EXPECT_EQ(r.confidence, Confidence::high);  // a measured stall
  EXPECT_TRUE(mentions(r, "fragmentation score"));
  // Without a run: the same, one notch less sure, and the model's score.
  r = rec(advise(f, load_profile("jvm-large-heap"), nullptr), "vm.compaction_proactiveness");
  EXPECT_EQ(r.id, "compaction-proactiveness-off");
  EXPECT_EQ(r.confidence, Confidence::medium);
  // At 20 it stays; a profile that measures no fragmentation gets no word on it at all.
  f.settings.values["vm.compaction_proactiveness"] = "20";
  r = rec(advise(f, load_profile("jvm-large-heap"), &run), "vm.compaction_proactiveness");
  EXPECT_EQ(r.id, "compaction-proactiveness-keep");
  EXPECT_FALSE(r.change);
  EXPECT_TRUE(mentions(r, "to 7 at the end of the repair window"));
  EXPECT_TRUE(mentions(r, "74252 pages were migrated"));
  EXPECT_EQ(advise(f, load_profile("general"), nullptr).find("vm.compaction_proactiveness"),
            nullptr);
}

TEST(ExtfragThreshold, AboveTheDefaultWhereTheMeasuredIndexFallsBetween) {
  facts::HostFacts f = thp_always();
  f.settings.values["vm.extfrag_threshold"] = "800";
  ScenarioRun run = fragmentation_run(measured_here(), 256, 0, 0.700);
  Recommendation r = rec(advise(f, huge_profile(), &run), "vm.extfrag_threshold");
  EXPECT_EQ(r.id, "extfrag-threshold-raised");
  EXPECT_EQ(r.recommended, "500");
  EXPECT_EQ(r.confidence, Confidence::high);
  // 0.955 is above 800 too: compaction ran; nothing says the threshold misled it.
  run = fragmentation_run(measured_here(), 256, 0, 0.955);
  r = rec(advise(f, huge_profile(), &run), "vm.extfrag_threshold");
  EXPECT_EQ(r.id, "extfrag-threshold-keep");
  EXPECT_TRUE(mentions(r, "above the threshold: compaction ran"));
}

TEST(ExtfragThreshold, BelowTheDefaultWhenMostCompactionsSinceBootFailed) {
  facts::HostFacts f = thp_always();
  f.settings.values["vm.extfrag_threshold"] = "200";
  f.uptime_s = 100 * 3600;
  f.vmstat.values["compact_stall"] = 1000;
  f.vmstat.values["compact_fail"] = 600;
  EXPECT_EQ(rec(advise(f, huge_profile(), nullptr), "vm.extfrag_threshold").id,
            "extfrag-threshold-lowered");
  f.vmstat.values["compact_fail"] = 400;
  const Recommendation r = rec(advise(f, huge_profile(), nullptr), "vm.extfrag_threshold");
  EXPECT_EQ(r.id, "extfrag-threshold-keep");
  EXPECT_FALSE(r.change);
}

TEST(MinFreeThpReserve, BelowKhugepagedsReserveWithFragmentationMeasured) {
  facts::HostFacts f = make_facts();  // 16 GiB, one Normal zone: the reserve is 22528 kB
  const double reserve = model::thp_recommended_min_free_kbytes(model::thp_counted_zones(f.zones),
                                                                model::free_buffer_pages(f.zones))
                             .value;
  ASSERT_EQ(reserve, 22528);
  f.settings.values["vm.min_free_kbytes"] = "16384";  // 0.73 of it: not "undersized"
  const ScenarioRun run = fragmentation_run();
  Recommendation r = rec(advise(f, load_profile("jvm-large-heap"), &run), "vm.min_free_kbytes");
  EXPECT_EQ(r.id, "min-free-thp-reserve");
  EXPECT_EQ(r.recommended, "22528");
  EXPECT_TRUE(mentions(r, "defrag=always: p99 25.00 ms"));
  // No fragmentation measured, and free 2 MiB blocks in the hand-made buddyinfo: no reason.
  r = rec(advise(f, load_profile("jvm-large-heap"), nullptr), "vm.min_free_kbytes");
  EXPECT_EQ(r.id, "min-free-kernel-default");
  // THP off: khugepaged keeps no reserve.
  f.settings.values["thp.enabled"] = "never";
  EXPECT_NE(rec(advise(f, load_profile("jvm-large-heap"), &run), "vm.min_free_kbytes").id,
            "min-free-thp-reserve");
}

TEST(HugetlbReservation, MeasuredShortAfterFragmentingGoesToTheCommandLine) {
  const facts::HostFacts f = make_facts();  // 16 GiB: database reserves 2048 × 2 MiB
  ScenarioRun run = fragmentation_run(measured_here(), 100);
  Advice a = advise(f, load_profile("database"), &run);
  const Finding* boot = finding(a, "hugetlb-");
  ASSERT_NE(boot, nullptr);
  EXPECT_EQ(boot->id, "hugetlb-reserve-at-boot");
  EXPECT_EQ(boot->severity, Severity::warning);
  EXPECT_NE(boot->lever.find("hugepagesz=2M hugepages=2048"), std::string::npos) << boot->lever;
  ASSERT_EQ(boot->signals.size(), 1u);
  EXPECT_TRUE(boot->signals[0].met);
  EXPECT_NEAR(boot->signals[0].value, 100.0 * 100 / 256, 1e-9);
  // A command line that reserves already: the same lever, said without a warning.
  facts::HostFacts booted = f;
  booted.kernel.cmdline = "BOOT_IMAGE=/vmlinuz root=/dev/vda1 hugepagesz=2M hugepages=2048";
  const Advice at_boot = advise(booted, load_profile("database"), &run);
  ASSERT_NE(finding(at_boot, "hugetlb-"), nullptr);
  EXPECT_EQ(finding(at_boot, "hugetlb-")->severity, Severity::info);
  // All 256 got after fragmenting: the runtime reservation holds, sysctl.d is enough.
  run = fragmentation_run(measured_here(), 256);
  a = advise(f, load_profile("database"), &run);
  const Finding* holds = finding(a, "hugetlb-");
  ASSERT_NE(holds, nullptr);
  EXPECT_EQ(holds->id, "hugetlb-runtime-reservation-holds");
  EXPECT_NE(holds->lever.find("vm.nr_hugepages = 2048"), std::string::npos);
  EXPECT_FALSE(holds->signals[0].met);
  // A profile that reserves none gets no such finding.
  EXPECT_EQ(finding(advise(f, load_profile("jvm-large-heap"), &run), "hugetlb-"), nullptr);
}

TEST(HugetlbReservation, WithoutARunTheModelsFreeBlocksDecide) {
  facts::HostFacts f = make_facts();  // 500 free 2 MiB blocks for 2048 pages
  const Advice few = advise(f, load_profile("database"), nullptr);
  ASSERT_NE(finding(few, "hugetlb-"), nullptr);
  EXPECT_EQ(finding(few, "hugetlb-")->id, "hugetlb-reserve-at-boot");
  f.buddyinfo[0].free_blocks = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1100};  // 2200 blocks
  const Advice plenty = advise(f, load_profile("database"), nullptr);
  EXPECT_EQ(finding(plenty, "hugetlb-")->id, "hugetlb-runtime-reservation-holds");
  // 1 GiB pages: buddyinfo cannot show a free 1 GiB range, so the command line; a run that got
  // none after fragmenting says the same with the measurement.
  const Advice vm = advise(f, load_profile("virtualization-host"), nullptr);
  ASSERT_NE(finding(vm, "hugetlb-"), nullptr);
  EXPECT_EQ(finding(vm, "hugetlb-")->id, "hugetlb-reserve-at-boot");
  EXPECT_NE(finding(vm, "hugetlb-")->lever.find("hugepagesz=1G hugepages=8"), std::string::npos);
  const ScenarioRun run = fragmentation_run(measured_here(), 256, 0);
  const Advice with_run = advise(f, load_profile("virtualization-host"), &run);
  const Finding* measured = finding(with_run, "hugetlb-");
  ASSERT_NE(measured, nullptr);
  EXPECT_EQ(measured->id, "hugetlb-reserve-at-boot");
  EXPECT_DOUBLE_EQ(measured->signals.at(0).value, 0);
}

TEST(HugetlbGoal, ProfileFieldIsChecked) {
  const std::string good = R"({"schema": "mmtune.profile/1", "name": "h", "summary": "s",
    "goals": {"swap": "keep", "thp": "never", "hugetlb": {"page_size": "2MiB",
      "share_of_memory": 0.25, "source": "postgresql-shared-buffers", "why": "w"}},
    "scenarios": {"quick": {"summary": "s", "time_budget_s": 30, "memory_fraction": 0.25,
      "steps": [{"workload": "demand-paging", "time_limit_s": 10}]}}})";
  const Profile p = parse_profile(good, "h.json");
  ASSERT_TRUE(p.goals.hugetlb);
  EXPECT_EQ(p.goals.hugetlb->page_bytes, 2 * kMiB);
  std::string bad = good;
  bad.replace(bad.find("2MiB"), 4, "4MiB");
  try {
    parse_profile(bad, "h.json");
    ADD_FAILURE() << "a 4 MiB page size parsed";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("goals.hugetlb.page_size: must be 2MiB or 1GiB"),
              std::string::npos)
        << e.what();
  }
}

}  // namespace
}  // namespace mmtune::advisor
