// vm.overcommit_memory, only where the profile's goals call for it.
//
// The rule, from overcommit-accounting.rst, mm/util.c and the vendors (docs/advice.md):
//   - fork-based snapshots (Redis BGSAVE, fork-based backups) want 1: under 2 (strict) fork() of a
//     parent with S of writable private memory needs S of room below CommitLimit, and fails
//     when the host is full even though copy-on-write would copy only what gets written; under 0
//     (heuristic) a single request larger than RAM + swap is refused, and Redis warns on every
//     start (syscheck.c);
//   - strict accounting (PostgreSQL's advice: failed allocations instead of the OOM killer taking
//     the postmaster) wants 2 — but only when the commit limit leaves room for what is already
//     committed, else everything starts failing at once;
//   - otherwise nothing is said.
// The numbers: the model's CommitLimit for the host's RAM, hugetlb, overcommit_ratio and swap
// against Committed_AS; the evidence: fork cost per GiB from the cow-fork workload.
#include <fmt/format.h>

#include "advisor/evidence.hpp"
#include "advisor/rules.hpp"
#include "facts/units.hpp"
#include "model/advice_inputs.hpp"

namespace mmtune::advisor {

std::vector<Recommendation> overcommit_rules(const RuleContext& ctx) {
  const OvercommitGoal goal = ctx.profile.goals.overcommit;
  if (goal == OvercommitGoal::keep) return {};
  Recommendation rec = start(ctx, "vm.overcommit_memory");
  if (!rec.current) return {};
  rec.sources = sources_for(ctx.profile, "overcommit", {"kernel-overcommit", "kernel-vm-rst"});
  const int64_t current = ctx.facts.settings.integer("vm.overcommit_memory").value_or(0);
  const facts::MemInfo& mem = ctx.facts.meminfo;
  const uint64_t hugetlb = mem.fields.get_or("Hugetlb", 0);
  const int64_t ratio = ctx.facts.settings.integer("vm.overcommit_ratio").value_or(50);
  const model::Prediction limit =
      model::commit_limit_bytes(mem.total_bytes, hugetlb, ratio, mem.swap_total_bytes);
  const auto committed = mem.fields.get("Committed_AS");
  rec.numbers.push_back(limit);
  const std::string committed_text =
      committed ? fmt::format("Committed_AS is {} ({:.0f} % of that limit)",
                              facts::format_bytes(*committed),
                              limit.value > 0 ? double(*committed) / limit.value * 100 : 0)
                : "Committed_AS is not known here";
  rec.rationale.push_back(
      fmt::format("under overcommit_memory=2 the commit limit would be {} ({}); {}",
                  facts::format_bytes(uint64_t(limit.value)), limit.why.text, committed_text));

  if (goal == OvercommitGoal::fork_safe) {
    set_value(rec, "1");
    rec.confidence = current == 2 ? Confidence::high : Confidence::medium;
    rec.rationale.push_back(current == 2 ? "strict accounting charges a fork() with the parent's "
                                           "whole writable private memory: a "
                                           "snapshot of a large parent fails with ENOMEM when the "
                                           "host is busy, although copy-on-write "
                                           "copies only what gets written"
                                         : "the work forks a large parent for snapshots; 1 never "
                                           "refuses the fork, and the vendor's "
                                           "startup check asks for it (0 refuses only single "
                                           "requests above RAM + swap, but warns)");
    if (auto per_gib = measured(ctx.run, "cow-fork", "fork_ms_per_gib")) {
      rec.evidence.push_back(*per_gib);
      rec.rationale.push_back(
          fmt::format("measured here: fork() costs {:.1f} ms per GiB of parent memory (page "
                      "tables), so a snapshot is cheap to start; the copies come later",
                      per_gib->value));
    } else {
      rec.evidence_missing = missing_because(ctx.run, ctx.profile, "cow-fork",
                                             "the fork cost of a large parent on this host");
    }
    rec.summary =
        rec.change
            ? fmt::format("{} → 1: fork-based snapshots of a large parent must not fail", current)
            : "keep 1: fork-based snapshots never fail on accounting";
    return {rec};
  }

  // Strict: only when what is committed already fits well below the limit.
  const bool fits = committed && double(*committed) < 0.8 * limit.value;
  if (current == 2 || fits) {
    set_value(rec, "2");
    rec.confidence = Confidence::low;
    rec.rationale.push_back(
        "strict accounting makes an allocation fail instead of the OOM killer picking a "
        "process (for a database, possibly the postmaster); it applies to every process on "
        "the host, so it suits hosts dedicated to this work");
    rec.summary = rec.change
                      ? fmt::format(
                            "{} → 2: fail allocations rather than OOM-kill (Committed_AS fits the "
                            "limit)",
                            current)
                      : "keep 2: strict accounting";
  } else {
    rec.confidence = Confidence::medium;
    rec.rationale.push_back(
        committed ? "what is committed already is too close to the strict limit: switching to 2 "
                    "would make new allocations fail at once; raise overcommit_ratio or add swap "
                    "first"
                  : "without Committed_AS the strict limit cannot be checked against what runs");
    rec.summary =
        fmt::format("keep {}: strict accounting would refuse allocations at once here", current);
  }
  return {rec};
}

}  // namespace mmtune::advisor
