// vm.swappiness: how reclaim splits its pressure between anonymous memory (swap) and the page
// cache.
//
// The rule, from docs/advice.md (the scan balance: docs/model.md, Reclaim balance):
//   - no swap: anonymous memory cannot be reclaimed, so every reclaim — global, or a memory
//     cgroup's — scans the file LRU only (get_scan_count: no swap → SCAN_FILE; MGLRU: swappiness
//     counts as 0). The value changes nothing until swap or zram is added: keep it, and say what
//     to set then;
//   - "avoid swapping" work (databases, caches, JVMs): 1, never 0. Classic LRU: at 0 a memory
//     cgroup never swaps and global reclaim swaps only once file + free ≤ Σ high (then all at
//     once); MGLRU: 0 means file only with no escape, so a host with free swap can OOM or thrash
//     its page cache (ScyllaDB: "0 is too low"; Percona);
//   - "low" (batch, virtualization hosts, tuned's throughput profiles): 10;
//   - zram/zswap hosts: anon is cheap to bring back, values above 100 (vm.rst's example: 133 when
//     swap IO is twice as fast as filesystem IO);
//   - otherwise keep, but never 0 on an MGLRU host with swap.
// The numbers: the model's share of reclaim pressure on anon at equal IO cost for the current and
// the recommended value; the evidence: swap-in/out and refaults in the run (host sampler), and
// since boot.
#include <fmt/format.h>

#include "advisor/evidence.hpp"
#include "advisor/rules.hpp"
#include "model/reclaim.hpp"

namespace mmtune::advisor {
namespace {

bool has_zram(const facts::HostFacts& facts) {
  for (const facts::SwapDevice& swap : facts.swaps) {
    if (swap.filename.starts_with("/dev/zram")) return true;
  }
  return false;
}

model::ScanBalance balance_at(const RuleContext& ctx, int swappiness, bool swap) {
  model::ReclaimShape shape;
  shape.swappiness = swappiness;
  shape.lru = ctx.now.lru;
  shape.swap_available = swap;
  return model::scan_balance(shape);
}

std::string describe_balance(const model::ScanBalance& b, int swappiness) {
  if (b.decision == model::ScanDecision::fraction) {
    return fmt::format("at {} reclaim puts {:.1f} % of its pressure on anon at equal IO cost ({})",
                       swappiness, b.anon_share.value * 100, b.anon_share.why.text);
  }
  return fmt::format("at {}: {} ({})", swappiness, model::to_string(b.decision),
                     b.anon_share.why.text);
}

// The reclaim workload's phases: the share of what a memory cgroup reclaimed that was anon, at a
// low and a high swappiness.
void add_reclaim_evidence(const RuleContext& ctx, Recommendation& rec) {
  std::string shares;
  for (const EvidenceItem& e : measured_all(ctx.run, "reclaim", "anon_share.")) {
    shares += fmt::format("{}{} {:.1f} %", shares.empty() ? "" : ", ", e.measurement.substr(11),
                          e.value * 100);
    rec.evidence.push_back(e);
  }
  for (const EvidenceItem& e : measured_all(ctx.run, "reclaim", "psi_some_us."))
    rec.evidence.push_back(e);
  if (!shares.empty()) {
    rec.rationale.push_back(
        fmt::format("measured in a memory cgroup over its limit: the anon share of what was "
                    "reclaimed was {} (swappiness as labelled)",
                    shares));
  }
}

void add_swap_evidence(const RuleContext& ctx, Recommendation& rec) {
  add_reclaim_evidence(ctx, rec);
  for (const char* column : {"pswpin", "pswpout", "workingset_refault"}) {
    if (auto e = host_growth(ctx.run, column, "pages")) rec.evidence.push_back(*e);
  }
  const facts::Counters& v = ctx.facts.vmstat;
  for (const char* counter : {"pswpin", "pswpout"}) {
    if (auto value = v.get(counter)) {
      rec.evidence.push_back(
          since_boot(counter, double(*value), "pages", fmt::format("/proc/vmstat {}", counter)));
    }
  }
  if (auto anon = v.get("workingset_refault_anon")) {
    rec.evidence.push_back(since_boot("workingset_refault_anon", double(*anon), "pages",
                                      "/proc/vmstat workingset_refault_anon"));
  }
  if (auto file = v.get("workingset_refault_file")) {
    rec.evidence.push_back(since_boot("workingset_refault_file", double(*file), "pages",
                                      "/proc/vmstat workingset_refault_file"));
  }
}

struct Target {
  int value;
  std::string why;
};

// The value the profile's swap goal asks for on this host, and why.
Target swappiness_target(SwapGoal goal, int current, bool swap, bool zram) {
  Target t{current, ""};
  switch (goal) {
    case SwapGoal::avoid:
      t = {
          1,
          "the profile avoids swapping its anonymous memory: 1 keeps anon last in line without 0's "
          "hazards"};
      break;
    case SwapGoal::low:
      t = {10,
           "the profile tolerates a little swapping: 10 (tuned's throughput profiles) favours the "
           "page cache's "
           "reclaim"};
      break;
    case SwapGoal::compressed:
      t = zram ? Target{133,
                        "swap is zram: bringing anon back costs less than re-reading files "
                        "(vm.rst's example for swap "
                        "IO twice as fast as filesystem IO: 133)"}
               : Target{current,
                        "the profile expects compressed swap, but this host has no zram device: "
                        "the kernel's balance "
                        "stays"};
      break;
    case SwapGoal::keep:
      t.why = "the profile has no reason to move the anon/file balance";
      break;
  }
  if (t.value == 0 || (current == 0 && goal == SwapGoal::keep && swap))
    t = {1, "0 is the old advice for \"avoid swap\"; 1 does that without its hazards"};
  return t;
}

// Without swap anonymous memory cannot be reclaimed: the value changes nothing now.
void keep_without_swap(const RuleContext& ctx, int current, const Target& target,
                       const model::ScanBalance& now, Recommendation& rec) {
  rec.confidence = Confidence::high;
  rec.summary =
      target.value == current
          ? "keep: without swap reclaim scans only the page cache, whatever the value"
          : fmt::format("keep for now (no swap: no effect); set {} if swap or zram is added",
                        target.value);
  rec.rationale.push_back(
      fmt::format("no swap (SwapTotal 0): anonymous memory cannot be reclaimed, so reclaim — "
                  "global or a memory cgroup's — "
                  "takes only file pages (anon share {:.0f} %: {}); swappiness only steers the "
                  "balance between anon and file "
                  "once swap or zram exists",
                  now.anon_share.value * 100, now.anon_share.why.rule));
  if (target.value != current)
    rec.rationale.push_back(fmt::format("once swap exists: {} — {}", target.value, target.why));
  if (ctx.facts.cgroup.version == 1) {
    rec.rationale.push_back(
        "cgroup v1: each memory cgroup copies vm.swappiness into its memory.swappiness when it "
        "is created");
  }
}

// What 0 does now, and what 1 means under MGLRU.
void lru_hazards(bool mglru, int current, int target, Recommendation& rec) {
  if (current == 0) {
    rec.rationale.push_back(
        mglru ? "MGLRU with swappiness 0 scans file only with no escape hatch: with free swap the "
                "host can OOM or "
                "thrash its page cache (isolate_folios)"
              : "classic LRU with swappiness 0: a memory cgroup never swaps, and global reclaim "
                "swaps only once "
                "file + free ≤ Σ high watermarks — then hard (get_scan_count, file_is_tiny)");
  }
  if (mglru && target == 1) {
    rec.rationale.push_back(
        "MGLRU: 1 means file first — anon only when its oldest generation is older than the "
        "page cache's (never 0 here)");
  }
}

}  // namespace

std::vector<Recommendation> swappiness_rules(const RuleContext& ctx) {
  Recommendation rec = start(ctx, "vm.swappiness");
  if (!rec.current) return {};
  const int current = int(ctx.facts.settings.integer("vm.swappiness").value_or(60));
  const bool swap = ctx.facts.has_swap();
  const bool mglru = ctx.now.lru == model::LruKind::mglru;
  const bool zram = has_zram(ctx.facts);
  const SwapGoal goal = ctx.profile.goals.swap;
  rec.sources = sources_for(ctx.profile, "swap",
                            {"kernel-vm-rst", mglru ? "kernel-mglru" : "kernel-scan-balance"});
  const Target target = swappiness_target(goal, current, swap, zram);
  const model::ScanBalance now = balance_at(ctx, current, swap);
  rec.numbers.push_back(now.anon_share);
  if (!swap) {
    keep_without_swap(ctx, current, target, now, rec);
    add_swap_evidence(ctx, rec);
    return {rec};
  }

  const model::ScanBalance then = balance_at(ctx, target.value, swap);
  if (target.value != current) rec.numbers.push_back(then.anon_share);
  set_value(rec, std::to_string(target.value));
  rec.rationale.push_back(target.why);
  rec.rationale.push_back(describe_balance(now, current));
  if (rec.change) rec.rationale.push_back(describe_balance(then, target.value));
  lru_hazards(mglru, current, target.value, rec);
  rec.confidence = current == 0 || (goal == SwapGoal::avoid && current >= 30) ? Confidence::high
                                                                              : Confidence::medium;
  if (goal == SwapGoal::compressed && zram) rec.confidence = Confidence::low;
  rec.summary = rec.change ? fmt::format("{} → {}: {}", current, target.value, target.why)
                           : fmt::format("keep {}: {}", current, target.why);
  add_swap_evidence(ctx, rec);
  if (!ctx.run || !ctx.run->find_ok("reclaim")) {
    rec.evidence_missing = missing_because(ctx.run, ctx.profile, "reclaim",
                                           "how much this host's work actually swaps");
  }
  return {rec};
}

}  // namespace mmtune::advisor
