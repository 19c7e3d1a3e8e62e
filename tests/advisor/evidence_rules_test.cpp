// Each evidence rule of docs/advice.md on a hand-made host: the one counter the rule reads is
// moved across its threshold, and the recommendation (or finding) turns with it — same rule id,
// other decision — while everything else stays put.
#include <gtest/gtest.h>

#include <algorithm>

#include "advisor/advice.hpp"
#include "advisor/profile.hpp"
#include "advisor/signals.hpp"
#include "advisor/sysctl_files.hpp"
#include "tests/advisor/hand_made.hpp"

namespace mmtune::advisor {
namespace {

using facts::kGiB;
using facts::kMiB;
using namespace test_hosts;

constexpr double kHour = 3600;

// A host up for 100 hours whose reclaim counters are set per hour.
facts::HostFacts up_100h(double stalls_per_hour, uint64_t direct = 0, uint64_t kswapd = 1000000) {
  facts::HostFacts f = make_facts();
  f.uptime_s = 100 * kHour;
  f.vmstat.values["allocstall_movable"] = uint64_t(stalls_per_hour * 100);
  f.vmstat.values["kswapd_low_wmark_hit_quickly"] = 0;
  f.vmstat.values["pgscan_direct"] = direct;
  f.vmstat.values["pgscan_kswapd"] = kswapd;
  return f;
}

const Finding* finding(const Advice& a, std::string_view id, std::string_view subject = "") {
  for (const Finding& f : a.findings) {
    if (f.id == id && (subject.empty() || f.subject == subject)) return &f;
  }
  return nullptr;
}

const Signal* signal(const Recommendation& r, std::string_view name) {
  for (const Signal& s : r.signals) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

const Profile& general() {
  static const Profile p = load_profile("general");
  return p;
}

TEST(SignalsNormalise, StallsPerHourAndSharesWithTheirThresholds) {
  const facts::HostFacts f = up_100h(61, 60, 940);
  const BootCounters c = boot_counters(f);
  ASSERT_TRUE(c.hours);
  EXPECT_DOUBLE_EQ(*c.hours, 100);
  const auto stalls = stalls_per_hour(c);
  ASSERT_TRUE(stalls);
  EXPECT_DOUBLE_EQ(stalls->value, 61);
  EXPECT_EQ(stalls->threshold, kStallsPerHour);
  EXPECT_TRUE(stalls->met);
  EXPECT_NE(stalls->normalisation.find("6100 since boot / 100.0 h"), std::string::npos)
      << stalls->normalisation;
  const auto share = direct_scan_share(c);
  ASSERT_TRUE(share);
  EXPECT_DOUBLE_EQ(share->value, 0.06);
  EXPECT_TRUE(share->met);
  // Without uptime a rate cannot be made: no signal, not a zero.
  facts::HostFacts no_uptime = f;
  no_uptime.uptime_s.reset();
  EXPECT_FALSE(stalls_per_hour(boot_counters(no_uptime)));
  EXPECT_TRUE(direct_scan_share(boot_counters(no_uptime)));
}

TEST(SignalsNormalise, KernelsBefore4_8SumTheirPerZoneCounters) {
  facts::HostFacts f = make_facts();
  f.uptime_s = 10 * kHour;
  f.vmstat.values = {{"allocstall", 700},
                     {"pgscan_direct_dma32", 10},
                     {"pgscan_direct_normal", 90},
                     {"pgscan_direct_throttle", 5000},
                     {"pgscan_kswapd_normal", 900}};
  const BootCounters c = boot_counters(f);
  EXPECT_EQ(c.allocstall, 700u);
  EXPECT_EQ(c.pgscan_direct, 100u);  // not the throttle counter
  EXPECT_EQ(c.pgscan_kswapd, 900u);
}

TEST(WsfDirectReclaim, StallsAcrossSixtyPerHourTurnTheRecommendation) {
  const Recommendation below =
      rec(advise(up_100h(59), general(), nullptr), "vm.watermark_scale_factor");
  EXPECT_FALSE(below.change);
  EXPECT_EQ(below.id, "wsf-kswapd-keeps-up");
  const Recommendation above =
      rec(advise(up_100h(61), general(), nullptr), "vm.watermark_scale_factor");
  EXPECT_TRUE(above.change);
  EXPECT_EQ(above.id, "wsf-direct-reclaim");
  EXPECT_EQ(above.confidence, Confidence::low);  // one signal
  ASSERT_TRUE(signal(above, "direct-reclaim stalls"));
  EXPECT_TRUE(signal(above, "direct-reclaim stalls")->met);
  // One signal: 0.5 % of the zone = wsf 50.
  EXPECT_EQ(above.recommended, "50");
}

TEST(WsfDirectReclaim, MoreEvidenceMovesFurtherAndRaisesConfidence) {
  facts::HostFacts f = up_100h(1000, 200000, 800000);  // stalls and a 20 % direct share
  f.vmstat.values["kswapd_low_wmark_hit_quickly"] = 10000;
  const Recommendation three = rec(advise(f, general(), nullptr), "vm.watermark_scale_factor");
  EXPECT_EQ(three.confidence, Confidence::high);
  EXPECT_EQ(three.recommended, "150");
  f.psi = facts::Psi{{1, 1, 1, uint64_t(100 * 7 * 1e6)}, facts::PsiLine{0.5, 0.5, 0.5, 1000}};
  const Recommendation five = rec(advise(f, general(), nullptr), "vm.watermark_scale_factor");
  EXPECT_EQ(five.recommended, "200");  // capped at 4 signals' worth
  EXPECT_EQ(count_met(five.signals), 5);
}

TEST(WsfDirectReclaim, PressureAloneDoesNotTrigger) {
  facts::HostFacts f = up_100h(0);
  f.psi = facts::Psi{{5, 5, 5, uint64_t(100 * 60 * 1e6)}, facts::PsiLine{2, 2, 2, 1000}};
  const Recommendation r = rec(advise(f, general(), nullptr), "vm.watermark_scale_factor");
  EXPECT_FALSE(r.change);
  EXPECT_EQ(count_met(r.signals), 2);  // both PSI signals, no reclaim signal
}

TEST(WsfDirectReclaim, DirectScanShareAcrossFivePercent) {
  EXPECT_FALSE(
      rec(advise(up_100h(0, 49, 951), general(), nullptr), "vm.watermark_scale_factor").change);
  EXPECT_TRUE(
      rec(advise(up_100h(0, 51, 949), general(), nullptr), "vm.watermark_scale_factor").change);
}

TEST(WsfDirectReclaim, KswapdWokenEarlyAcrossSixtyPerHour) {
  facts::HostFacts f = up_100h(0);
  f.vmstat.values["kswapd_low_wmark_hit_quickly"] = 59 * 100;
  EXPECT_FALSE(rec(advise(f, general(), nullptr), "vm.watermark_scale_factor").change);
  f.vmstat.values["kswapd_low_wmark_hit_quickly"] = 61 * 100;
  const Recommendation r = rec(advise(f, general(), nullptr), "vm.watermark_scale_factor");
  EXPECT_TRUE(r.change);
  EXPECT_EQ(r.id, "wsf-direct-reclaim");
  ASSERT_TRUE(signal(r, "kswapd woken within its nap"));
  EXPECT_DOUBLE_EQ(signal(r, "kswapd woken within its nap")->value, 61);
}

TEST(MinFreeWithoutWsf, OldKernelRaisesTheReserveInsteadAndSaysTheCost) {
  facts::HostFacts f = up_100h(61);
  f.kernel = {"4.4.0-210-generic", 4, 4, 0, std::nullopt};
  f.settings.values.erase("vm.watermark_scale_factor");
  f.settings.values.erase("vm.watermark_boost_factor");
  const Advice a = advise(f, general(), nullptr);
  EXPECT_EQ(a.find("vm.watermark_scale_factor"), nullptr);
  const Recommendation& r = rec(a, "vm.min_free_kbytes");
  EXPECT_TRUE(r.change);
  EXPECT_EQ(r.id, "min-free-direct-reclaim-no-wsf");
  EXPECT_GT(std::stoll(r.recommended), std::stoll(*r.current));
  EXPECT_TRUE(mentions(r, "four times the cost in hard reserve"));
  EXPECT_TRUE(finding(a, "host-lacks-wsf"));
  f.vmstat.values["allocstall_movable"] = 59 * 100;
  const Recommendation below = rec(advise(f, general(), nullptr), "vm.min_free_kbytes");
  EXPECT_FALSE(below.change);
}

facts::HostFacts compacting(double stalls_per_hour, double fail_share, double fallback_share) {
  facts::HostFacts f = make_facts();
  f.uptime_s = 100 * kHour;
  f.settings.values["thp.enabled"] = "always";
  f.settings.values["thp.defrag"] = "always";
  const auto stalls = uint64_t(stalls_per_hour * 100);
  f.vmstat.values["compact_stall"] = stalls;
  f.vmstat.values["compact_fail"] = uint64_t(double(stalls) * fail_share);
  f.vmstat.values["thp_fault_alloc"] = 1000000;
  f.vmstat.values["thp_fault_fallback"] = uint64_t(1e6 * fallback_share / (1 - fallback_share));
  return f;
}

TEST(ThpDefragCompaction, StallsAcrossSixtyPerHourWithMostFailing) {
  const Recommendation below =
      rec(advise(compacting(59, 0.8, 0.3), general(), nullptr), "thp.defrag");
  EXPECT_EQ(below.id, "thp-defrag-keep");  // general moves enabled to madvise; defrag stays
  EXPECT_FALSE(below.change);
  const Recommendation above =
      rec(advise(compacting(61, 0.8, 0.3), general(), nullptr), "thp.defrag");
  EXPECT_EQ(above.id, "thp-defrag-compaction-stalls");
  EXPECT_EQ(above.recommended, "madvise");
  EXPECT_EQ(above.confidence, Confidence::high);
  // Stalls that mostly succeed and rarely fall back do not decide.
  EXPECT_NE(rec(advise(compacting(61, 0.4, 0.05), general(), nullptr), "thp.defrag").id,
            "thp-defrag-compaction-stalls");
  EXPECT_EQ(rec(advise(compacting(61, 0.6, 0.05), general(), nullptr), "thp.defrag").confidence,
            Confidence::medium);
}

TEST(ThpDefragCompaction, OnlyValuesTheKernelsFileOffers) {
  facts::HostFacts f = compacting(10, 0, 0);  // no compaction evidence; enabled and defrag always
  const Profile mongo = load_profile("mongodb8");  // pins defrag=defer+madvise
  f.choices["thp.defrag"] = {"always", "defer", "defer+madvise", "madvise", "never"};
  EXPECT_EQ(rec(advise(f, mongo, nullptr), "thp.defrag").recommended, "defer+madvise");
  f.choices["thp.defrag"] = {"always", "madvise", "never"};  // a 3.10 kernel's file
  const Recommendation r = rec(advise(f, mongo, nullptr), "thp.defrag");
  EXPECT_EQ(r.recommended, "madvise");
  EXPECT_TRUE(mentions(r, "which this kernel's defrag file does not offer"));
  // Without the file's words, the kernel version decides: defer+madvise is 4.11+.
  f.choices.clear();
  f.kernel = {"4.9.0-19-amd64", 4, 9, 0, std::nullopt};
  EXPECT_EQ(rec(advise(f, mongo, nullptr), "thp.defrag").recommended, "madvise");
}

TEST(OvercommitStrict, TwoOnlyWithAComputedRatioAndNeverAlone) {
  facts::HostFacts f = make_facts();  // 16 GiB, 2 GiB committed, no swap
  const Advice a = advise(f, load_profile("database"), nullptr);
  const Recommendation& mode = rec(a, "vm.overcommit_memory");
  const Recommendation& ratio = rec(a, "vm.overcommit_ratio");
  EXPECT_EQ(mode.recommended, "2");
  EXPECT_EQ(ratio.recommended, "90");
  EXPECT_EQ(mode.group, "overcommit-strict");
  EXPECT_EQ(ratio.group, mode.group);
  EXPECT_EQ(mode.id, "overcommit-strict-sized");
  // Committed_AS near RAM: the headroom needs more than 100 %: no strict mode, and no ratio.
  f.meminfo.fields.values["Committed_AS"] = 13 * kGiB;  // 13 · 1.25 > 16
  const Advice b = advise(f, load_profile("database"), nullptr);
  EXPECT_FALSE(rec(b, "vm.overcommit_memory").change);
  EXPECT_EQ(rec(b, "vm.overcommit_memory").id, "overcommit-strict-unsafe");
  EXPECT_EQ(b.find("vm.overcommit_ratio"), nullptr);
  // 12 GiB fits at 94 %: the ratio follows what is committed.
  f.meminfo.fields.values["Committed_AS"] = 12 * kGiB;
  EXPECT_EQ(rec(advise(f, load_profile("database"), nullptr), "vm.overcommit_ratio").recommended,
            "94");
  // Hugetlb and swap are part of the limit.
  f.meminfo.fields.values["Hugetlb"] = 8 * kGiB;
  EXPECT_FALSE(rec(advise(f, load_profile("database"), nullptr), "vm.overcommit_memory").change);
  with_swap(f);  // + 4 GiB
  f.meminfo.fields.values["Committed_AS"] = 9 * kGiB;
  // (9 · 1.25 − 4) / 8 = 90.6 % of the 8 GiB outside hugetlb, rounded up.
  EXPECT_EQ(rec(advise(f, load_profile("database"), nullptr), "vm.overcommit_ratio").recommended,
            "91");
}

TEST(OvercommitStrict, FilesEmitTheGroupWholeOrNotAtAll) {
  Advice a = advise(make_facts(), load_profile("database"), nullptr);
  a.host.kernel_version = {6, 1};
  for (const std::string& text : {render_sysctl(a), render_tuned(a)}) {
    EXPECT_NE(text.find("vm.overcommit_memory"), std::string::npos);
    EXPECT_NE(text.find("vm.overcommit_ratio"), std::string::npos);
  }
  // A member this host cannot take drops the whole group.
  for (Recommendation& r : a.recommendations) {
    if (r.knob == "vm.overcommit_ratio") r.current.reset();
  }
  const std::string sysctl = render_sysctl(a);
  EXPECT_EQ(sysctl.find("\nvm.overcommit_memory = 2\n"), std::string::npos) << sysctl;
  EXPECT_NE(sysctl.find("group overcommit-strict cannot be set whole"), std::string::npos);
}

TEST(Renderers, NeverEmitAKnobTheKernelLacks) {
  Advice a = advise(up_100h(1000, 300, 700), general(), nullptr);
  ASSERT_TRUE(rec(a, "vm.watermark_scale_factor").change);
  a.host.kernel_version = {4, 4};  // as if the advice were for a kernel before 4.6
  for (const std::string& text : {render_sysctl(a), render_tuned(a)}) {
    EXPECT_EQ(text.find("vm.watermark_scale_factor = "), std::string::npos);
    EXPECT_EQ(text.find("vm.watermark_scale_factor="), std::string::npos);
    EXPECT_NE(text.find("vm.watermark_scale_factor is not set: this kernel"), std::string::npos);
  }
}

TEST(Advice, ARuleNeverRecommendsAKnobTheKernelLacks) {
  facts::HostFacts f = up_100h(1000, 300, 700);
  f.kernel = {"4.4.0-210-generic", 4, 4, 0, std::nullopt};  // but a wsf file (inconsistent host)
  const Advice a = advise(f, general(), nullptr);
  EXPECT_EQ(a.find("vm.watermark_scale_factor"), nullptr);
  EXPECT_TRUE(std::any_of(a.notes.begin(), a.notes.end(), [](const std::string& n) {
    return n.starts_with("vm.watermark_scale_factor is not on this kernel");
  }));
}

facts::CgroupMemory cgroup(std::string path, uint64_t current, std::optional<uint64_t> max,
                           uint64_t hits = 0, uint64_t kills = 0) {
  facts::CgroupMemory cg;
  cg.version = 2;
  cg.path = std::move(path);
  cg.current_bytes = current;
  cg.max_bytes = max;
  cg.events.values = {{"max", hits}, {"oom", kills}, {"oom_kill", kills}};
  return cg;
}

TEST(CgroupFindings, UsageAcrossNinetyPercentOfTheLimit) {
  facts::HostFacts f = make_facts();
  f.cgroups = {cgroup("/system.slice/db.service", 89 * kMiB, 100 * kMiB)};
  EXPECT_EQ(finding(advise(f, general(), nullptr), "cgroup-at-limit"), nullptr);
  f.cgroups = {cgroup("/system.slice/db.service", 91 * kMiB, 100 * kMiB)};
  const Advice a = advise(f, general(), nullptr);
  const Finding* at = finding(a, "cgroup-at-limit", "/system.slice/db.service");
  ASSERT_NE(at, nullptr);
  EXPECT_NE(at->lever.find("MemoryMax="), std::string::npos) << at->lever;
  EXPECT_TRUE(std::any_of(at->details.begin(), at->details.end(), [](const std::string& d) {
    return d.starts_with("the host has no swap");
  }));
}

TEST(CgroupFindings, OomKillsAreCountedWhereTheyHappenedNotInEveryAncestor) {
  facts::HostFacts f = make_facts();
  f.cgroups = {cgroup("/kubepods.slice", 95 * kMiB, 100 * kMiB, 30, 3),
               cgroup("/kubepods.slice/kubepods-burstable.slice", 60 * kMiB, std::nullopt, 10, 3),
               cgroup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podA.slice",
                      20 * kMiB, 20 * kMiB, 10, 3),
               cgroup("/kubepods.slice/kubepods-burstable.slice/kubepods-burstable-podA.slice/"
                      "cri-containerd-1.scope",
                      20 * kMiB, 20 * kMiB, 10, 3)};
  f.kubelet = "/var/lib/kubelet/config.yaml";
  const Advice a = advise(f, general(), nullptr);
  std::vector<std::string> ids;
  for (const Finding& x : a.findings) ids.push_back(x.id + " " + x.subject);
  EXPECT_EQ(std::count_if(a.findings.begin(), a.findings.end(),
                          [](const Finding& x) { return x.id == "cgroup-oom-killed"; }),
            1)
      << ::testing::PrintToString(ids);
  const Finding* pod = finding(a, "cgroup-oom-killed");
  ASSERT_NE(pod, nullptr);
  EXPECT_TRUE(pod->subject.ends_with("podA.slice"));  // the container has the pod's limit: merged
  EXPECT_NE(pod->lever.find("pod's memory limit"), std::string::npos);
  const Finding* parent = finding(a, "cgroup-at-limit", "/kubepods.slice");
  ASSERT_NE(parent, nullptr);  // 95 % of its own limit, 20 of its 30 limit hits its own
  EXPECT_NE(parent->lever.find("allocatable"), std::string::npos) << parent->lever;
  EXPECT_EQ(finding(a, "cgroup-at-limit", "/kubepods.slice/kubepods-burstable.slice"), nullptr);
  // No kills: no critical finding.
  for (facts::CgroupMemory& cg : f.cgroups) cg.events.values["oom_kill"] = 0;
  EXPECT_EQ(finding(advise(f, general(), nullptr), "cgroup-oom-killed"), nullptr);
}

TEST(CgroupFindings, PressureAcrossOnePercentAndV1LimitHits) {
  facts::HostFacts f = make_facts();
  facts::CgroupMemory cg = cgroup("/system.slice/batch.service", 10 * kMiB, 100 * kMiB);
  cg.pressure = facts::Psi{{5, 0.99, 1, 1000}, std::nullopt};
  f.cgroups = {cg};
  EXPECT_EQ(finding(advise(f, general(), nullptr), "cgroup-memory-pressure"), nullptr);
  f.cgroups[0].pressure->some.avg60 = 1.01;
  EXPECT_NE(finding(advise(f, general(), nullptr), "cgroup-memory-pressure"), nullptr);
  // cgroup v1: memory.failcnt counts the times the limit was hit.
  facts::CgroupMemory v1;
  v1.version = 1;
  v1.path = "/db";
  v1.current_bytes = 10 * kMiB;
  v1.max_bytes = 100 * kMiB;
  v1.events.values = {{"failcnt", 0}, {"oom_kill", 0}};
  f.cgroups = {v1};
  EXPECT_EQ(finding(advise(f, general(), nullptr), "cgroup-at-limit"), nullptr);
  f.cgroups[0].events.values["failcnt"] = 1;
  const Advice a = advise(f, general(), nullptr);
  const Finding* at = finding(a, "cgroup-at-limit", "/db");
  ASSERT_NE(at, nullptr);
  EXPECT_NE(at->lever.find("memory.limit_in_bytes"), std::string::npos) << at->lever;
}

TEST(Kubelet, OwnsOvercommitSoNothingIsAdvisedOnIt) {
  facts::HostFacts f = make_facts();
  f.settings.values["vm.overcommit_memory"] = "1";
  const Advice plain = advise(f, load_profile("database"), nullptr);
  EXPECT_NE(plain.find("vm.overcommit_memory"), nullptr);
  f.kubelet = "cgroup /kubepods.slice";
  const Advice node = advise(f, load_profile("database"), nullptr);
  EXPECT_EQ(node.find("vm.overcommit_memory"), nullptr);
  EXPECT_NE(finding(node, "kubelet-owns-sysctls"), nullptr);
}

facts::PersistedSetting persisted(std::string knob, std::string value, std::string stage,
                                  std::string file = "/etc/sysctl.d/99-x.conf") {
  return {std::move(knob), std::move(value), std::move(file), 3, std::move(stage)};
}

TEST(Persistence, DriftWhenTheRunningValueDiffersFromTheBootValue) {
  facts::HostFacts f = make_facts();
  f.persisted.assignments = {persisted("vm.swappiness", "60", "systemd-sysctl")};
  EXPECT_EQ(finding(advise(f, general(), nullptr), "persist-drift"), nullptr);
  f.persisted.assignments = {persisted("vm.swappiness", "10", "systemd-sysctl")};
  const Advice a = advise(f, general(), nullptr);
  const Finding* drift = finding(a, "persist-drift", "vm.swappiness");
  ASSERT_NE(drift, nullptr);
  EXPECT_NE(drift->summary.find("/etc/sysctl.d/99-x.conf:3 sets 10 at boot"), std::string::npos)
      << drift->summary;
  ASSERT_TRUE(rec(a, "vm.swappiness").persisted);
  EXPECT_EQ(rec(a, "vm.swappiness").persisted->value, "10");
  // Where tuned sets it, tuned will undo the running value.
  f.persisted.assignments = {
      persisted("vm.swappiness", "10", "tuned", "/usr/lib/tuned/x/tuned.conf")};
  EXPECT_NE(finding(advise(f, general(), nullptr), "tuned-will-revert", "vm.swappiness"), nullptr);
}

TEST(Persistence, ShadowedLinesAndStrictOvercommitWithoutRatioAtBoot) {
  facts::HostFacts f = make_facts();
  f.persisted.assignments = {
      persisted("vm.dirty_ratio", "40", "tuned", "/usr/lib/tuned/x/tuned.conf"),
      persisted("vm.dirty_ratio", "20", "tuned-reapply")};
  const Advice a = advise(f, general(), nullptr);
  EXPECT_NE(finding(a, "persist-shadowed", "vm.dirty_ratio"), nullptr);
  EXPECT_EQ(finding(a, "persist-drift", "vm.dirty_ratio"), nullptr);  // 20 runs, 20 at boot
  // overcommit_memory=2 at boot with the default ratio 50 and no swap: half of RAM for 2 GiB
  // committed fits; 7 GiB does not (7 · 1.25 > 8).
  f.persisted.assignments = {persisted("vm.overcommit_memory", "2", "systemd-sysctl")};
  EXPECT_EQ(finding(advise(f, general(), nullptr), "persist-strict-overcommit-unsized"), nullptr);
  f.meminfo.fields.values["Committed_AS"] = 7 * kGiB;
  const Advice strict_advice = advise(f, general(), nullptr);
  const Finding* strict = finding(strict_advice, "persist-strict-overcommit-unsized");
  ASSERT_NE(strict, nullptr);
  EXPECT_EQ(strict->severity, Severity::critical);
}

TEST(Persistence, TheFilesPutTheAdviceWhereItSticks) {
  facts::HostFacts f = up_100h(1000, 300, 700);
  f.persisted.assignments = {persisted("vm.watermark_scale_factor", "10", "systemd-sysctl",
                                       "/etc/sysctl.d/99-zz-site.conf")};
  Advice a = advise(f, general(), nullptr);
  EXPECT_EQ(a.persist.sysctl_file, "zzz-mmtune.conf");  // sorts after 99-zz-site.conf
  std::string kind;
  EXPECT_NE(render_auto(a, kind).find("/etc/sysctl.d/zzz-mmtune.conf"), std::string::npos);
  EXPECT_EQ(kind, "sysctl");
  f.persisted.tuned_profiles = {"throughput-performance"};
  f.persisted.tuned_enabled = true;
  a = advise(f, general(), nullptr);
  const std::string tuned = render_auto(a, kind);
  EXPECT_EQ(kind, "tuned");
  EXPECT_NE(tuned.find("include=throughput-performance"), std::string::npos);
}

TEST(HostLacks, PsiMissingIsSaidAndTheRuleArguesFromVmstat) {
  facts::HostFacts f = up_100h(61);
  f.psi.reset();
  const Advice a = advise(f, general(), nullptr);
  EXPECT_NE(finding(a, "host-lacks-psi"), nullptr);
  EXPECT_TRUE(rec(a, "vm.watermark_scale_factor").change);  // vmstat alone still decides
  f.psi = facts::Psi{};
  EXPECT_EQ(finding(advise(f, general(), nullptr), "host-lacks-psi"), nullptr);
}

TEST(StableIds, EveryRecommendationAndFindingHasOne) {
  facts::HostFacts f = up_100h(1000, 300, 700);
  with_swap(f);
  f.psi.reset();
  for (const char* profile :
       {"general", "database", "mongodb8", "cache-fork-snapshot", "latency-sensitive",
        "streaming-log", "virtualization-host", "jvm-large-heap", "batch-analytics"}) {
    const Advice a = advise(f, load_profile(profile), nullptr);
    for (const Recommendation& r : a.recommendations)
      EXPECT_FALSE(r.id.empty()) << profile << " " << r.knob;
    for (const Finding& x : a.findings) EXPECT_FALSE(x.id.empty()) << profile << " " << x.summary;
  }
}

}  // namespace
}  // namespace mmtune::advisor
