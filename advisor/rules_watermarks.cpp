// vm.min_free_kbytes and vm.watermark_scale_factor: where kswapd wakes, where it sleeps, and where
// allocations stall in direct reclaim.
//
// The rule, from vm.rst and docs/advice.md (the formulas: docs/model.md, Watermarks):
//   - allocstall (direct reclaim) or kswapd_low_wmark_hit_quickly during a run means kswapd's
//     headroom (low − min) is too small for how fast the work allocates: raise
//     watermark_scale_factor, which widens the gap in proportion to each zone and only moves
//     kswapd's triggers — not min_free_kbytes, which is a hard reserve that only atomic
//     allocations may use. Sized with a measured allocation rate R (demand-paging's first-touch
//     rate): gap ≥ R × 0.1 s (kswapd's nap), wsf = ⌈gap · 10000 / managed⌉ (model/advice_inputs);
//     without a rate, the low end of the usual 50–200;
//   - a profile with allocation bursts and a measured rate: the same sizing even when this short
//     run did not stall, if the gap is smaller than the burst needs;
//   - direct reclaim since boot without a run: the low end, with low confidence;
//   - min_free_kbytes far from what the kernel computes itself (calculate_min_free_kbytes, raised
//     by khugepaged): back to the kernel's value (an old "5 % of RAM" advice wastes memory; a
//     lowered value starves atomic allocations).
// The zone whose headroom matters is the smallest Normal zone: a burst on one node meets that
// node's headroom first.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "advisor/evidence.hpp"
#include "advisor/rules.hpp"
#include "facts/units.hpp"
#include "model/advice_inputs.hpp"
#include "model/what_if.hpp"

namespace mmtune::advisor {
namespace {

constexpr int64_t kUsualLowWsf = 50;  // the low end of the usual 50–200 (docs/advice.md)

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

struct Stalls {
  std::optional<EvidenceItem> allocstall, low_wmark_quickly, lowest, rate;
  bool in_run() const {
    return (allocstall && allocstall->value > 0) ||
           (low_wmark_quickly && low_wmark_quickly->value > 0);
  }
};

Stalls gather(const RuleContext& ctx) {
  Stalls s;
  s.allocstall = host_growth(ctx.run, "allocstall", "events");
  s.low_wmark_quickly = phase_vmstat(ctx.run, "kswapd_low_wmark_hit_quickly");
  s.lowest = lowest_free_above_low(ctx.run);
  s.rate = measured(ctx.run, "demand-paging", "gib_per_s");
  return s;
}

void add_run_evidence(const Stalls& s, Recommendation& rec) {
  for (const auto& e : {s.allocstall, s.low_wmark_quickly, s.lowest, s.rate}) {
    if (e) rec.evidence.push_back(*e);
  }
}

void add_boot_evidence(const RuleContext& ctx, Recommendation& rec) {
  const facts::Counters& v = ctx.facts.vmstat;
  if (auto stalls = v.sum_prefix("allocstall")) {
    rec.evidence.push_back(
        since_boot("allocstall", double(*stalls), "events", "/proc/vmstat allocstall_*"));
  }
  for (const char* key : {"kswapd_low_wmark_hit_quickly", "pgscan_direct", "pgscan_kswapd"}) {
    if (auto value = v.get(key)) {
      rec.evidence.push_back(since_boot(key, double(*value), key[0] == 'p' ? "pages" : "events",
                                        fmt::format("/proc/vmstat {}", key)));
    }
  }
}

// Share of page scanning since boot that allocations did themselves (direct reclaim).
std::optional<double> direct_share_since_boot(const facts::Counters& v) {
  auto direct = v.get("pgscan_direct"), kswapd = v.get("pgscan_kswapd");
  if (!direct || !kswapd || *direct + *kswapd == 0) return std::nullopt;
  return double(*direct) / double(*direct + *kswapd);
}

Recommendation min_free_rule(const RuleContext& ctx, const Stalls& stalls) {
  Recommendation rec = start(ctx, "vm.min_free_kbytes");
  rec.sources = {"kernel-vm-rst", "kernel-watermarks"};
  const model::Prediction& expected = ctx.now.expected_min_free_kbytes;
  const auto current = double(ctx.now.watermark_settings.min_free_kbytes);
  rec.numbers.push_back(expected);
  const double ratio = expected.value > 0 ? current / expected.value : 1;
  rec.rationale.push_back(fmt::format(
      "the kernel computes {:.0f} kB itself for this memory ({}); the host has {:.0f} kB",
      expected.value, expected.why.text, current));
  if (ratio >= 2) {
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
  if (stalls.in_run()) {
    rec.rationale.push_back(
        "direct reclaim in the run is answered with watermark_scale_factor, not a larger "
        "min_free_kbytes: min is "
        "a hard reserve, the gap is what kswapd has to react");
  }
  return rec;
}

// The gap a burst at the measured allocation rate needs while kswapd naps; nullopt without a rate.
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

// The watermark_scale_factor whose gap holds the burst, never below the current one.
int64_t sized_for_burst(const model::ZoneWatermarks& zone, uint64_t burst, int64_t current,
                        Recommendation& rec) {
  const model::Prediction wsf =
      model::watermark_scale_factor_for_gap(zone.managed_pages, burst / model::kPageSize);
  rec.numbers.push_back(wsf);
  return std::max<int64_t>(int64_t(wsf.value), current);
}

// Direct reclaim during the run: widen the gap, to the burst's size when the rate was measured.
int64_t after_stalls_in_run(const RuleContext& ctx, const Stalls& stalls,
                            const model::ZoneWatermarks& zone, int64_t current,
                            std::optional<uint64_t> burst, Recommendation& rec) {
  rec.rationale.push_back(
      fmt::format("during the run: allocstall +{:.0f}, kswapd_low_wmark_hit_quickly +{:.0f} "
                  "(host-wide): allocations outran kswapd",
                  stalls.allocstall ? stalls.allocstall->value : 0,
                  stalls.low_wmark_quickly ? stalls.low_wmark_quickly->value : 0));
  if (burst) {
    rec.confidence = Confidence::high;
    return sized_for_burst(zone, *burst, current, rec);
  }
  rec.confidence = Confidence::medium;
  rec.evidence_missing = missing_because(ctx.run, ctx.profile, "demand-paging",
                                         "sizing the gap to an allocation rate");
  return std::max(current, kUsualLowWsf);
}

// No stall in a short run, but the profile allocates in bursts: the gap must hold one.
std::optional<int64_t> for_bursts(const model::ZoneWatermarks& zone, int64_t current,
                                  uint64_t burst, Recommendation& rec) {
  if (burst <= zone.gap_pages * model::kPageSize) {
    rec.confidence = Confidence::high;
    rec.rationale.push_back("the gap already covers a burst at the measured rate");
    return std::nullopt;
  }
  rec.confidence = Confidence::medium;
  rec.rationale.push_back(
      "no direct reclaim in this short run, but the profile allocates in bursts and a burst "
      "at the measured rate would cross from low to min before kswapd is back");
  return sized_for_burst(zone, burst, current, rec);
}

// Nothing measured: the counters since boot say whether kswapd falls behind at times.
std::optional<int64_t> from_boot_counters(const RuleContext& ctx, int64_t current,
                                          Recommendation& rec) {
  add_boot_evidence(ctx, rec);
  const auto stalls_since_boot = ctx.facts.vmstat.sum_prefix("allocstall").value_or(0);
  const auto direct = direct_share_since_boot(ctx.facts.vmstat);
  if (stalls_since_boot > 0 && direct && *direct >= 0.05 && current < kUsualLowWsf) {
    rec.confidence = Confidence::low;
    rec.rationale.push_back(
        fmt::format("since boot {} direct-reclaim stalls and {:.1f} % of page scanning done by "
                    "allocations themselves: kswapd falls behind at times",
                    stalls_since_boot, *direct * 100));
    rec.evidence_missing = missing_because(ctx.run, ctx.profile, "demand-paging",
                                           "sizing the gap to a measured allocation rate");
    return kUsualLowWsf;
  }
  rec.confidence = Confidence::medium;
  rec.rationale.push_back(
      direct
          ? fmt::format("since boot {:.1f} % of page scanning was direct reclaim: kswapd keeps up",
                        *direct * 100)
          : "no page scanning since boot: memory has not been under pressure");
  if (ctx.profile.goals.allocation_bursts) {
    rec.evidence_missing =
        missing_because(ctx.run, ctx.profile, "demand-paging", "checking the gap against a burst");
  }
  return std::nullopt;
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
  if (ctx.profile.goals.allocation_bursts && burst) return for_bursts(zone, current, *burst, rec);
  if (!ctx.run) return from_boot_counters(ctx, current, rec);
  no_stalls_in_run(stalls, rec);
  return std::nullopt;
}

Recommendation wsf_rule(const RuleContext& ctx, const Stalls& stalls) {
  Recommendation rec = start(ctx, "vm.watermark_scale_factor");
  rec.sources = sources_for(ctx.profile, "allocation_bursts",
                            {"kernel-vm-rst", "kernel-watermarks", "kernel-kswapd"});
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
  if (!target || *target == current) {
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

}  // namespace

std::vector<Recommendation> watermark_rules(const RuleContext& ctx) {
  if (ctx.now.zones.empty()) return {};
  const Stalls stalls = gather(ctx);
  std::vector<Recommendation> out;
  if (ctx.facts.settings.text("vm.min_free_kbytes")) out.push_back(min_free_rule(ctx, stalls));
  if (ctx.facts.settings.text("vm.watermark_scale_factor")) out.push_back(wsf_rule(ctx, stalls));
  return out;
}

}  // namespace mmtune::advisor
