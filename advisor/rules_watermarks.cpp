// vm.min_free_kbytes and vm.watermark_scale_factor: where kswapd wakes, where it sleeps, and where
// allocations stall in direct reclaim.
//
// The rule, from vm.rst, commit 795ae7a0de6b (the knob's origin) and docs/advice.md (the
// formulas: docs/model.md, Watermarks):
//   - evidence that kswapd falls behind — direct-reclaim stalls or kswapd woken within its nap,
//     per hour of uptime, or a share of page scanning done by the allocating tasks (signals.hpp)
//     — means its headroom (low − min) is too small for the allocation bursts: raise
//     watermark_scale_factor, which widens the gap in proportion to each zone and moves only
//     kswapd's triggers, not min_free_kbytes, a hard reserve only atomic allocations may use.
//     PSI corroborates (it says the stalls cost time) but does not trigger alone: it also counts
//     refaults and compaction;
//   - the gap is sized to the evidence: a burst at the measured allocation rate R must fit while
//     kswapd naps (R × 0.1 s, model/advice_inputs); the counters say each early wake-up and stall
//     was a burst of more than the gap, two gaps for a stall, of which the share d outran kswapd:
//     at least 2 · gap / (1 − d); and 0.5 % of the zone per signal met (the usual 50–200 of
//     wsf), so that more evidence moves further. The largest wins, within 10 % of the zone;
//   - confidence follows the evidence: one signal low, two medium, three or a measured run high;
//   - before 4.6 there is no watermark_scale_factor: the gap is min/4, so the lever is a larger
//     min_free_kbytes (4 × the wanted gap, at most 5 % of memory), with the reserve's cost said;
//   - min_free_kbytes far from what the kernel computes itself (calculate_min_free_kbytes, raised
//     by khugepaged): back to the kernel's value;
//   - below khugepaged's anti-fragmentation reserve (set_recommended_min_free_kbytes: two free
//     pageblocks per zone plus MIGRATE_PCPTYPES² for fallbacks) while THP is on, and free memory
//     fragmented — measured by the fragmentation workload (a mode short of huge pages, or faults
//     that stalled compacting), or modelled now (failures at order 9 due to fragmentation): up to
//     that reserve.
// The zone whose headroom matters is the smallest Normal zone: a burst on one node meets that
// node's headroom first.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "advisor/evidence.hpp"
#include "advisor/fragmentation_evidence.hpp"
#include "advisor/rules.hpp"
#include "advisor/signals.hpp"
#include "facts/units.hpp"
#include "model/advice_inputs.hpp"
#include "model/fragmentation.hpp"
#include "model/thp.hpp"
#include "model/what_if.hpp"

namespace mmtune::advisor {
namespace {

constexpr int64_t kWsfPerSignal = 50;     // 0.5 % of the zone per signal met (the usual 50–200)
constexpr int64_t kWsfCeiling = 1000;     // 10 %: vm.rst's maximum until 5.x, Canonical's cap
constexpr double kMinFreeCeiling = 0.05;  // min_free_kbytes at most 5 % of memory (khugepaged's)

size_t headroom_zone(const model::HostModel& m) {
  size_t best = 0;
  bool found_normal = false;
  for (size_t i = 0; i < m.zones.size(); ++i) {
    const bool normal = m.zones[i].zone == "Normal";
    if (normal && (!found_normal || m.zones[i].managed_pages < m.zones[best].managed_pages)) {
      best = i;
      found_normal = true;
    } else if (!found_normal && m.zones[i].managed_pages > m.zones[best].managed_pages) {
      best = i;
    }
  }
  return best;
}

std::string zone_label(const model::HostModel& m, size_t i) {
  const bool nodes =
      std::any_of(m.zones.begin(), m.zones.end(), [](const auto& z) { return z.node != 0; });
  return nodes ? fmt::format("zone {} of node {}", m.zones[i].zone, m.zones[i].node)
               : fmt::format("zone {}", m.zones[i].zone);
}

model::Prediction gap_prediction(const model::HostModel& m, size_t i) {
  const model::ZoneWatermarks& z = m.zones[i];
  return {fmt::format("{} kswapd headroom (low − min)", zone_label(m, i)),
          double(z.gap_pages * model::kPageSize), "bytes", z.why};
}

// What the run measured, and what the counters since boot say.
struct Stalls {
  std::optional<EvidenceItem> allocstall, low_wmark_quickly, lowest, rate;
  std::vector<Signal> reclaim;  // stalls, early wake-ups, direct share: kswapd falls behind
  std::vector<Signal> psi;      // the cost in time: corroborates, never triggers alone
  std::optional<double> direct_share;
  bool in_run() const {
    return (allocstall && allocstall->value > 0) ||
           (low_wmark_quickly && low_wmark_quickly->value > 0);
  }
  int reclaim_met() const { return count_met(reclaim); }
  int strength() const { return reclaim_met() == 0 ? 0 : reclaim_met() + count_met(psi); }
  std::vector<Signal> all() const {
    std::vector<Signal> out = reclaim;
    out.insert(out.end(), psi.begin(), psi.end());
    return out;
  }
};

Stalls gather_stalls(const RuleContext& ctx) {
  Stalls s;
  s.allocstall = host_growth(ctx.run, "allocstall", "events");
  s.low_wmark_quickly = phase_vmstat(ctx.run, "kswapd_low_wmark_hit_quickly");
  s.lowest = lowest_free_above_low(ctx.run);
  s.rate = measured(ctx.run, "demand-paging", "gib_per_s");
  const BootCounters boot = boot_counters(ctx.facts);
  const auto share = direct_scan_share(boot);
  add_signals(s.reclaim, {stalls_per_hour(boot), quick_hits_per_hour(boot), share});
  add_signals(s.psi, {psi_some_per_hour(ctx.facts), psi_full_now(ctx.facts)});
  if (share) s.direct_share = share->value;
  return s;
}

void add_run_evidence(const Stalls& s, Recommendation& rec) {
  for (const auto& e : {s.allocstall, s.low_wmark_quickly, s.lowest, s.rate}) {
    if (e) rec.evidence.push_back(*e);
  }
}

void add_boot_evidence(const RuleContext& ctx, Recommendation& rec) {
  const BootCounters c = boot_counters(ctx.facts);
  const std::pair<const char*, std::optional<uint64_t>> counters[] = {
      {"allocstall", c.allocstall},
      {"kswapd_low_wmark_hit_quickly", c.low_wmark_quickly},
      {"pgscan_direct", c.pgscan_direct},
      {"pgscan_kswapd", c.pgscan_kswapd},
      {"pgsteal_direct", c.pgsteal_direct}};
  for (const auto& [name, value] : counters) {
    if (value) {
      rec.evidence.push_back(since_boot(name, double(*value), name[0] == 'p' ? "pages" : "events",
                                        fmt::format("/proc/vmstat {}", name)));
    }
  }
}

Confidence confidence_for(int strength) {
  return strength >= 3 ? Confidence::high : strength == 2 ? Confidence::medium : Confidence::low;
}

Confidence one_up(Confidence c) {
  return c == Confidence::low ? Confidence::medium : Confidence::high;
}

// The gap the evidence asks for, in pages of the zone; rationale lines say which part decided.
// per_signal: the share of the zone (in 1/10000) each signal met asks for.
uint64_t wanted_gap(const Stalls& stalls, const model::ZoneWatermarks& zone,
                    std::optional<uint64_t> burst_bytes, Recommendation& rec,
                    int64_t per_signal = kWsfPerSignal) {
  const uint64_t gap = zone.gap_pages;
  uint64_t wanted = gap;
  std::string why = "the current gap";
  if (stalls.reclaim_met() > 0) {
    const double d = std::min(stalls.direct_share.value_or(0), 0.9);
    const auto implied = uint64_t(std::ceil(2.0 * double(gap) / (1.0 - d)));
    const int64_t by_strength = std::min<int64_t>(per_signal * stalls.strength(), 4 * per_signal);
    const uint64_t strength_gap = zone.managed_pages * uint64_t(by_strength) / 10000;
    rec.rationale.push_back(fmt::format(
        "sized from the counters: each early wake-up and stall was a burst larger than the gap, "
        "two gaps for a stall, and {:.1f} % of the scanning outran kswapd: at least 2 × {} / "
        "(1 − {:.3f}) = {}; {} signal{} met ask for {:.2f} % of the zone ({})",
        d * 100, facts::format_bytes(gap * model::kPageSize), d,
        facts::format_bytes(implied * model::kPageSize), stalls.strength(),
        stalls.strength() == 1 ? "" : "s", double(by_strength) / 100,
        facts::format_bytes(strength_gap * model::kPageSize)));
    if (implied > wanted) {
      wanted = implied;
      why = "2 · gap / (1 − direct share)";
    }
    if (strength_gap > wanted) {
      wanted = strength_gap;
      why = fmt::format("{:.3g} % of the zone per signal met", double(per_signal) / 100);
    }
  }
  if (burst_bytes && *burst_bytes / model::kPageSize > wanted) {
    wanted = *burst_bytes / model::kPageSize;
    why = "a burst at the measured rate while kswapd naps";
  }
  rec.rationale.push_back(fmt::format("the largest of these decides: {} ({})",
                                      facts::format_bytes(wanted * model::kPageSize), why));
  return wanted;
}

// The burst the measured allocation rate implies; nullopt without a rate.
std::optional<uint64_t> burst_bytes(const Stalls& stalls, const model::ZoneWatermarks& zone,
                                    Recommendation& rec) {
  if (!stalls.rate) return std::nullopt;
  const model::Prediction headroom =
      model::burst_headroom_bytes(stalls.rate->value * double(model::kGiB));
  const auto bytes = uint64_t(headroom.value);
  rec.numbers.push_back(headroom);
  rec.rationale.push_back(
      fmt::format("measured first-touch allocation at {:.2f} GiB/s ({}): a burst needs {} of "
                  "headroom while kswapd naps; the gap is {}",
                  stalls.rate->value, stalls.rate->run, facts::format_bytes(bytes),
                  facts::format_bytes(zone.gap_pages * model::kPageSize)));
  return bytes;
}

// The watermark_scale_factor whose gap reaches gap_pages, never below the current one.
int64_t wsf_for(const model::ZoneWatermarks& zone, uint64_t gap_pages, int64_t current,
                Recommendation& rec) {
  const model::Prediction wsf =
      model::watermark_scale_factor_for_gap(zone.managed_pages, gap_pages);
  rec.numbers.push_back(wsf);
  return std::max<int64_t>(std::min<int64_t>(int64_t(wsf.value), kWsfCeiling), current);
}

// Direct reclaim during the run: the run's stalls decide, the counters add to the size.
int64_t after_stalls_in_run(const RuleContext& ctx, const Stalls& stalls,
                            const model::ZoneWatermarks& zone, int64_t current,
                            std::optional<uint64_t> burst, Recommendation& rec) {
  rec.id = "wsf-run-stalls";
  rec.rationale.push_back(
      fmt::format("during the run: allocstall +{:.0f}, kswapd_low_wmark_hit_quickly +{:.0f} "
                  "(host-wide): allocations outran kswapd",
                  stalls.allocstall ? stalls.allocstall->value : 0,
                  stalls.low_wmark_quickly ? stalls.low_wmark_quickly->value : 0));
  rec.confidence = burst ? Confidence::high : Confidence::medium;
  if (!burst) {
    rec.evidence_missing = missing_because(ctx.run, ctx.profile, "demand-paging",
                                           "sizing the gap to an allocation rate");
  }
  const uint64_t floor_gap = zone.managed_pages * uint64_t(kWsfPerSignal) / 10000;
  const uint64_t wanted = std::max(wanted_gap(stalls, zone, burst, rec), floor_gap);
  return wsf_for(zone, wanted, current, rec);
}

// No stall in a short run, but the profile allocates in bursts: the gap must hold one.
std::optional<int64_t> for_bursts(const Stalls& stalls, const model::ZoneWatermarks& zone,
                                  int64_t current, uint64_t burst, Recommendation& rec) {
  if (burst <= zone.gap_pages * model::kPageSize && stalls.reclaim_met() == 0) {
    rec.confidence = Confidence::high;
    rec.rationale.push_back("the gap already covers a burst at the measured rate");
    return std::nullopt;
  }
  rec.id = "wsf-allocation-bursts";
  rec.confidence = Confidence::medium;
  rec.rationale.push_back(
      "no direct reclaim in this short run, but the profile allocates in bursts and a burst "
      "at the measured rate would cross from low to min before kswapd is back");
  return wsf_for(zone, wanted_gap(stalls, zone, burst, rec), current, rec);
}

// The signals themselves are listed with the recommendation; the rationale says what they add up
// to.
std::string signals_line(const Stalls& stalls) {
  return fmt::format(
      "{} of {} reclaim signals and {} of {} pressure (PSI) signals reach their "
      "thresholds",
      stalls.reclaim_met(), stalls.reclaim.size(), count_met(stalls.psi), stalls.psi.size());
}

// The counters since boot, normalised: kswapd falls behind, or it keeps up.
std::optional<int64_t> from_boot_counters(const RuleContext& ctx, const Stalls& stalls,
                                          const model::ZoneWatermarks& zone, int64_t current,
                                          std::optional<uint64_t> burst, Recommendation& rec) {
  add_boot_evidence(ctx, rec);
  if (stalls.reclaim.empty()) {
    rec.confidence = Confidence::low;
    rec.rationale.push_back(
        "the counters since boot cannot be normalised here (no /proc/uptime and no reclaim "
        "counters): no evidence either way");
    return std::nullopt;
  }
  rec.rationale.push_back("since boot: " + signals_line(stalls));
  if (stalls.reclaim_met() == 0) {
    rec.confidence = stalls.reclaim.size() >= 3 ? Confidence::high : Confidence::medium;
    rec.rationale.push_back("kswapd keeps up: no reclaim signal reaches its threshold");
    if (ctx.profile.goals.allocation_bursts && !ctx.run) {
      rec.evidence_missing = missing_because(ctx.run, ctx.profile, "demand-paging",
                                             "checking the gap against a burst");
    }
    return std::nullopt;
  }
  rec.id = "wsf-direct-reclaim";
  rec.confidence = confidence_for(stalls.strength());
  if (stalls.reclaim.size() < 3 && rec.confidence == Confidence::high)
    rec.confidence = Confidence::medium;  // a signal the host could not give is not a no
  if (!burst) {
    rec.evidence_missing = missing_because(ctx.run, ctx.profile, "demand-paging",
                                           "sizing the gap to a measured allocation rate");
  } else {
    rec.confidence = one_up(rec.confidence);
  }
  return wsf_for(zone, wanted_gap(stalls, zone, burst, rec), current, rec);
}

void no_stalls_in_run(const Stalls& stalls, Recommendation& rec) {
  rec.confidence = Confidence::high;
  rec.rationale.push_back(fmt::format(
      "no direct reclaim during the run (allocstall +{:.0f}, kswapd_low_wmark_hit_quickly "
      "+{:.0f}){}",
      stalls.allocstall ? stalls.allocstall->value : 0,
      stalls.low_wmark_quickly ? stalls.low_wmark_quickly->value : 0,
      stalls.lowest
          ? fmt::format("; free memory stayed at least {} above the low watermarks",
                        facts::format_bytes(uint64_t(std::max(0.0, stalls.lowest->value))))
          : ""));
}

// The value the evidence asks for; nullopt to keep the current one.
std::optional<int64_t> wsf_target(const RuleContext& ctx, const Stalls& stalls,
                                  const model::ZoneWatermarks& zone, int64_t current,
                                  Recommendation& rec) {
  const std::optional<uint64_t> burst = burst_bytes(stalls, zone, rec);
  if (stalls.in_run()) return after_stalls_in_run(ctx, stalls, zone, current, burst, rec);
  if (stalls.reclaim_met() > 0) return from_boot_counters(ctx, stalls, zone, current, burst, rec);
  if (ctx.profile.goals.allocation_bursts && burst)
    return for_bursts(stalls, zone, current, *burst, rec);
  if (!ctx.run) return from_boot_counters(ctx, stalls, zone, current, burst, rec);
  no_stalls_in_run(stalls, rec);
  if (!stalls.reclaim.empty()) rec.rationale.push_back("since boot: " + signals_line(stalls));
  return std::nullopt;
}

Recommendation wsf_rule(const RuleContext& ctx, const Stalls& stalls) {
  Recommendation rec = start(ctx, "vm.watermark_scale_factor");
  rec.id = "wsf-kswapd-keeps-up";
  rec.sources = sources_for(ctx.profile, "allocation_bursts",
                            {"kernel-vm-rst", "kernel-watermarks", "kernel-kswapd"});
  rec.signals = stalls.all();
  const size_t zi = headroom_zone(ctx.now);
  const model::ZoneWatermarks& zone = ctx.now.zones[zi];
  const std::string where = zone_label(ctx.now, zi);
  const int64_t current = ctx.now.watermark_settings.watermark_scale_factor.value_or(10);
  rec.numbers.push_back(gap_prediction(ctx.now, zi));
  rec.rationale.push_back(where.find("node") == std::string::npos
                              ? ctx.now.bands[zi].why.text
                              : fmt::format("node {}, {}", zone.node, ctx.now.bands[zi].why.text));
  add_run_evidence(stalls, rec);
  const std::optional<int64_t> target = wsf_target(ctx, stalls, zone, current, rec);
  if (!stalls.psi.empty()) rec.sources.insert(rec.sources.end(), {"kernel-psi", "oomd-senpai"});
  if (rec.id == "wsf-direct-reclaim")
    rec.sources.insert(rec.sources.end(), {"kernel-wsf-commit", "canonical-wsf"});
  if (!target || *target == current) {
    if (target) rec.rationale.push_back("the evidence asks for no more than the current value");
    rec.summary = fmt::format("keep {}: kswapd headroom {} in {}", current,
                              facts::format_bytes(zone.gap_pages * model::kPageSize), where);
    return rec;
  }
  set_value(rec, std::to_string(*target));
  const model::WhatIf what_if =
      model::apply_knob_changes(ctx.facts.settings, ctx.facts.zones, ctx.facts.kernel,
                                std::vector<model::KnobChange>{{rec.knob, rec.recommended}});
  const model::HostModel then = model::model_host(ctx.facts, what_if.settings);
  const std::string gap_then = facts::format_bytes(then.zones[zi].gap_pages * model::kPageSize);
  rec.numbers.push_back(gap_prediction(then, zi));
  rec.rationale.push_back(fmt::format("at {}: {} (gap {} instead of {}), and min stays where it is",
                                      *target, then.bands[zi].why.text, gap_then,
                                      facts::format_bytes(zone.gap_pages * model::kPageSize)));
  rec.summary = fmt::format("{} → {}: widen kswapd's headroom to {} in {}", current, *target,
                            gap_then, where);
  return rec;
}

// Before 4.6 the gap is min/4 in every zone: a wider band costs four times as much reserve.
void min_free_without_wsf(const RuleContext& ctx, const Stalls& stalls, Recommendation& rec) {
  const size_t zi = headroom_zone(ctx.now);
  const model::ZoneWatermarks& zone = ctx.now.zones[zi];
  rec.rationale.push_back(fmt::format(
      "this kernel ({}) has no vm.watermark_scale_factor (4.6+): kswapd's headroom is min/4 of "
      "each zone, so the only lever is a larger min_free_kbytes, at four times the cost in hard "
      "reserve (commit 795ae7a0de6b: \"to maintain a 250M buffer … the emergency reserves need "
      "to be set to 1G\")",
      ctx.facts.kernel.release));
  rec.rationale.push_back("since boot: " + signals_line(stalls));
  // Every page of band costs four of reserve here: a quarter of the step wsf would take, so the
  // reserve grows by what the band would on a newer kernel.
  const uint64_t wanted_zone_gap = wanted_gap(stalls, zone, std::nullopt, rec, kWsfPerSignal / 4);
  uint64_t lowmem = 0;
  for (const model::ZoneWatermarks& z : ctx.now.zones) lowmem += z.managed_pages;
  // gap = (min_pages · managed / lowmem) / 4  ⇒  min_pages = 4 · gap · lowmem / managed
  const double min_pages =
      4.0 * double(wanted_zone_gap) * double(lowmem) / double(zone.managed_pages);
  const double ceiling_kb = kMinFreeCeiling * double(ctx.facts.meminfo.total_bytes) / 1024;
  const double wanted_kb = std::min(min_pages * double(model::kPageSize) / 1024, ceiling_kb);
  const auto current = double(ctx.now.watermark_settings.min_free_kbytes);
  if (wanted_kb <= current) return;
  rec.id = "min-free-direct-reclaim-no-wsf";
  set_value(rec, fmt::format("{:.0f}", std::ceil(wanted_kb)));
  rec.confidence = confidence_for(stalls.strength() - 1);  // the reserve's cost: one notch less
  rec.numbers.push_back(model::Prediction{
      "min_free_kbytes for the wanted gap",
      std::ceil(wanted_kb),
      "kB",
      {"min_free_kbytes = 4 · gap · lowmem / managed, at most 5 % of memory",
       "__setup_per_zone_wmarks before 4.6 (low = min + min/4, high = min + min/2)",
       fmt::format("gap {} in {} → {:.0f} kB (ceiling {:.0f} kB)",
                   facts::format_bytes(wanted_zone_gap * model::kPageSize), zone_label(ctx.now, zi),
                   min_pages * 4, ceiling_kb)}});
  rec.summary = fmt::format(
      "{:.0f} → {:.0f} kB: the only way to widen kswapd's headroom on this kernel (no "
      "watermark_scale_factor); costs {} of reserve",
      current, std::ceil(wanted_kb),
      facts::format_bytes(uint64_t((std::ceil(wanted_kb) - current) * 1024)));
}

// Fragmentation that the anti-fragmentation reserve is for, as rationale lines: measured (a mode
// that compacts for itself stalled, or one got under 90 % huge pages), or modelled now. Empty:
// none.
std::vector<std::string> fragmentation_seen(const RuleContext& ctx,
                                            const std::optional<FragmentationEvidence>& frag) {
  std::vector<std::string> lines;
  if (frag) {
    for (const DefragMeasured& m : frag->modes) {
      const bool compacts = model::defrag_behaviour(m.mode, true).direct_compaction;
      if (m.stalled() || (compacts && m.huge_success.value < 0.9))
        lines.push_back(fmt::format("measured on fragmented free memory: {}", describe(m)));
    }
    return lines;
  }
  const model::FragmentationPrediction now = model::predict_fragmentation(ctx.facts);
  if (now.cause == "fragmentation") lines.push_back("model now: " + now.summary);
  return lines;
}

// THP on, min_free_kbytes below khugepaged's reserve, fragmentation seen: up to that reserve.
bool below_thp_reserve(const RuleContext& ctx, double current, Recommendation& rec) {
  const std::string mode = model::pmd_thp_mode(ctx.facts.settings);
  if (mode != "always" && mode != "madvise") return false;
  const model::Prediction reserve = model::thp_recommended_min_free_kbytes(
      model::thp_counted_zones(ctx.facts.zones), model::free_buffer_pages(ctx.facts.zones));
  if (current >= reserve.value) return false;
  const std::optional<FragmentationEvidence> frag = fragmentation_evidence(ctx.run);
  const std::vector<std::string> seen = fragmentation_seen(ctx, frag);
  if (seen.empty()) return false;
  rec.id = "min-free-thp-reserve";
  set_value(rec, fmt::format("{:.0f}", reserve.value));
  rec.confidence = frag ? Confidence::medium : Confidence::low;
  rec.numbers.push_back(reserve);
  rec.sources.push_back("kernel-khugepaged-min-free");
  rec.rationale.push_back(fmt::format(
      "with THP {} khugepaged keeps min_free_kbytes at least {:.0f} kB ({}): free pageblocks so "
      "that grouping pages by mobility keeps unmovable allocations out of the blocks huge pages "
      "are made from; the host has {:.0f} kB",
      mode, reserve.value, reserve.why.text, current));
  rec.rationale.insert(rec.rationale.end(), seen.begin(), seen.end());
  if (frag) {
    const std::vector<EvidenceItem> items = frag->defrag_items();
    rec.evidence.insert(rec.evidence.end(), items.begin(), items.end());
  }
  rec.summary = fmt::format(
      "{:.0f} → {:.0f} kB: khugepaged's anti-fragmentation reserve, with free memory fragmented "
      "here",
      current, reserve.value);
  return true;
}

Recommendation min_free_rule(const RuleContext& ctx, const Stalls& stalls) {
  Recommendation rec = start(ctx, "vm.min_free_kbytes");
  rec.id = "min-free-kernel-default";
  rec.sources = {"kernel-vm-rst", "kernel-watermarks"};
  const model::Prediction& expected = ctx.now.expected_min_free_kbytes;
  const auto current = double(ctx.now.watermark_settings.min_free_kbytes);
  rec.numbers.push_back(expected);
  const double ratio = expected.value > 0 ? current / expected.value : 1;
  rec.rationale.push_back(fmt::format(
      "the kernel computes {:.0f} kB itself for this memory ({}); the host has {:.0f} kB",
      expected.value, expected.why.text, current));
  const bool has_wsf = ctx.facts.settings.text("vm.watermark_scale_factor").has_value();
  if (!has_wsf && stalls.reclaim_met() > 0) {
    rec.signals = stalls.all();
    rec.sources.push_back("kernel-kswapd");
    min_free_without_wsf(ctx, stalls, rec);
    if (rec.change) return rec;
  }
  if (ratio > 0.5 && ratio < 2 && below_thp_reserve(ctx, current, rec)) return rec;
  if (ratio >= 2) {
    rec.id = "min-free-oversized";
    set_value(rec, fmt::format("{:.0f}", expected.value));
    rec.confidence = Confidence::medium;
    rec.summary = fmt::format(
        "{:.0f} → {:.0f} kB: the kernel's own value; the extra {} is a hard reserve", current,
        expected.value, facts::format_bytes(uint64_t((current - expected.value) * 1024)));
    rec.rationale.push_back(fmt::format(
        "min_free_kbytes sets the min watermark: {} that no ordinary allocation may use; to make "
        "kswapd start "
        "earlier, raise watermark_scale_factor instead (it moves only kswapd's triggers)",
        facts::format_bytes(uint64_t(current * 1024))));
  } else if (ratio <= 0.5) {
    rec.id = "min-free-undersized";
    set_value(rec, fmt::format("{:.0f}", expected.value));
    rec.confidence = Confidence::medium;
    rec.summary = fmt::format(
        "{:.0f} → {:.0f} kB: below the kernel's own value, atomic allocations have less "
        "reserve",
        current, expected.value);
    rec.rationale.push_back(
        "atomic allocations (network receive, interrupt context) may dip below min; a smaller "
        "reserve than the kernel's makes them fail sooner under pressure");
  } else {
    rec.confidence = Confidence::high;
    rec.summary = fmt::format("keep {:.0f} kB: within a factor of 2 of the kernel's own {:.0f} kB",
                              current, expected.value);
  }
  if (has_wsf && (stalls.in_run() || stalls.reclaim_met() > 0)) {
    rec.rationale.push_back(
        "direct reclaim is answered with watermark_scale_factor, not a larger min_free_kbytes: "
        "min is a hard reserve, the gap is what kswapd has to react");
  }
  return rec;
}

}  // namespace

std::vector<Recommendation> watermark_rules(const RuleContext& ctx) {
  if (ctx.now.zones.empty()) return {};
  const Stalls stalls = gather_stalls(ctx);
  std::vector<Recommendation> out;
  if (ctx.facts.settings.text("vm.min_free_kbytes")) out.push_back(min_free_rule(ctx, stalls));
  if (ctx.facts.settings.text("vm.watermark_scale_factor")) out.push_back(wsf_rule(ctx, stalls));
  return out;
}

}  // namespace mmtune::advisor
