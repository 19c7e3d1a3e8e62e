// vm.zone_reclaim_mode and kernel.numa_balancing, only on hosts with more than one NUMA node (or
// where zone_reclaim_mode is on anyway).
//
// The rule, from vm.rst, kernel.rst, tuned and the vendors (docs/advice.md):
//   - zone_reclaim_mode 0: reclaiming the local node before allocating on a remote one trades the
//     page cache (and, with bit 4, swapping) for locality; the default is 0 since 3.16, and
//     databases and file servers want their cache (WiredTiger, DataStax);
//   - numa_balancing off for latency-sensitive work (tuned network-latency, sap-hana): its hinting
//     faults and migrations add latency; otherwise keep. Evidence: numa_hint_faults and
//     numa_pages_migrated since boot, and the distance table.
#include <fmt/format.h>

#include "advisor/evidence.hpp"
#include "advisor/rules.hpp"
#include "model/numa.hpp"

namespace mmtune::advisor {
namespace {

std::optional<model::Prediction> worst_remote_penalty(const facts::HostFacts& facts) {
  if (facts.numa.size() < 2) return std::nullopt;
  double worst = 1;
  int from = 0, to = 0;
  for (const facts::NumaNode& a : facts.numa) {
    for (const facts::NumaNode& b : facts.numa) {
      if (a.distances.empty()) continue;
      const double penalty = model::remote_penalty(facts.numa, a.id, b.id);
      if (penalty > worst) {
        worst = penalty;
        from = a.id;
        to = b.id;
      }
    }
  }
  return model::Prediction{
      "remote_penalty",
      worst,
      "x",
      {"penalty = distance(from, to) / distance(from, from)", "SLIT (node*/distance)",
       fmt::format("node {} → node {}: {:.2f}×", from, to, worst)}};
}

// vm.zone_reclaim_mode: 0, so that allocations spill to another node rather than reclaim the
// local page cache.
Recommendation zone_reclaim_rule(const RuleContext& ctx, int64_t zrm,
                                 const std::optional<model::Prediction>& penalty) {
  Recommendation rec = start(ctx, "vm.zone_reclaim_mode");
  rec.sources = sources_for(ctx.profile, "page_cache", {"kernel-vm-rst", "kernel-numa"});
  rec.sources.push_back("wiredtiger-zone-reclaim");
  set_value(rec, "0");
  rec.confidence = Confidence::high;
  if (penalty) rec.numbers.push_back(*penalty);
  rec.rationale.push_back(
      zrm != 0 ? fmt::format("zone_reclaim_mode={} reclaims the local node's page cache{} before "
                             "allocating on "
                             "another node: the cache shrinks while other nodes have free memory",
                             zrm, (zrm & 4) ? " and swaps" : "")
               : "0 lets allocations spill to another node instead of reclaiming the local page "
                 "cache");
  if (penalty) {
    rec.rationale.push_back(
        fmt::format("a remote access costs {:.2f}× a local one here ({}); a page-cache "
                    "miss costs a disk read",
                    penalty->value, penalty->why.text));
  }
  if (ctx.profile.goals.page_cache == PageCacheUse::important) {
    rec.rationale.push_back("the profile's work depends on its page cache");
  }
  if (auto failed = ctx.facts.vmstat.get("zone_reclaim_failed")) {
    rec.evidence.push_back(since_boot("zone_reclaim_failed", double(*failed), "events",
                                      "/proc/vmstat zone_reclaim_failed"));
  }
  rec.summary =
      rec.change
          ? fmt::format("{} → 0: keep the page cache rather than reclaim it for locality", zrm)
          : "keep 0: allocations spill to other nodes instead of shrinking the local page cache";
  return rec;
}

// kernel.numa_balancing: off when the profile says so (latency-bound or pinned work), else kept;
// with the hinting faults and migrations since boot and the numa-misplacement measurements.
Recommendation numa_balancing_rule(const RuleContext& ctx,
                                   const std::optional<model::Prediction>& penalty) {
  Recommendation rec = start(ctx, "kernel.numa_balancing");
  rec.sources = sources_for(ctx.profile, "numa_balancing", {"kernel-numa"});
  const int64_t current = ctx.facts.settings.integer("kernel.numa_balancing").value_or(0);
  if (penalty) rec.numbers.push_back(*penalty);
  for (const char* key : {"numa_hint_faults", "numa_pages_migrated"}) {
    if (auto value = ctx.facts.vmstat.get(key)) {
      rec.evidence.push_back(since_boot(key, double(*value), key[5] == 'h' ? "faults" : "pages",
                                        fmt::format("/proc/vmstat {}", key)));
    }
  }
  rec.confidence = Confidence::medium;
  if (ctx.profile.goals.numa_balancing == NumaBalancingGoal::off) {
    set_value(rec, "0");
    rec.rationale.push_back(
        "automatic NUMA balancing unmaps pages to sample accesses (hinting faults) and "
        "migrates them: latency spikes for work that is pinned or tail-latency bound");
    rec.summary =
        rec.change ? fmt::format("{} → 0: no hinting faults or migrations under latency-bound work",
                                 current)
                   : "keep 0: no hinting faults or migrations";
  } else {
    rec.rationale.push_back("the profile has no reason to change automatic NUMA balancing");
    rec.summary = fmt::format("keep {}", current);
  }
  if (penalty) {
    rec.rationale.push_back(fmt::format("a remote access costs {:.2f}× a local one here ({})",
                                        penalty->value, penalty->why.text));
  }
  for (const char* name : {"latency_penalty", "read_bandwidth_penalty", "balancing_migrates"}) {
    if (auto e = measured(ctx.run, "numa-misplacement", name)) {
      rec.evidence.push_back(*e);
      rec.rationale.push_back(fmt::format("measured: {} = {}", e->measurement, e->value));
    }
  }
  if (!ctx.run || !ctx.run->find_ok("numa-misplacement")) {
    rec.evidence_missing = missing_because(ctx.run, ctx.profile, "numa-misplacement",
                                           "the measured cost of misplaced memory on this host");
  }
  return rec;
}

}  // namespace

std::vector<Recommendation> numa_rules(const RuleContext& ctx) {
  const bool multi_node = ctx.facts.numa.size() >= 2;
  const auto penalty = worst_remote_penalty(ctx.facts);
  std::vector<Recommendation> out;
  if (auto zrm = ctx.facts.settings.integer("vm.zone_reclaim_mode");
      zrm && (multi_node || *zrm != 0)) {
    out.push_back(zone_reclaim_rule(ctx, *zrm, penalty));
  }
  if (multi_node && ctx.facts.settings.text("kernel.numa_balancing"))
    out.push_back(numa_balancing_rule(ctx, penalty));
  return out;
}

}  // namespace mmtune::advisor
