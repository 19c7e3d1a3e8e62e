// vm.overcommit_memory, only where the profile's goals call for it.
//
// The rule, from overcommit-accounting.rst, mm/util.c and the vendors (docs/advice.md):
//   - fork-based snapshots (Redis BGSAVE, fork-based backups) want 1: under 2 (strict) fork() of a
//     parent with S of writable private memory needs S of room below CommitLimit, and fails
//     when the host is full even though copy-on-write would copy only what gets written; under 0
//     (heuristic) a single request larger than RAM + swap is refused, and Redis warns on every
//     start (syscheck.c);
//   - strict accounting (PostgreSQL's advice: failed allocations instead of the OOM killer taking
//     the postmaster) wants 2 — never alone: with the default overcommit_ratio 50 and no swap
//     the commit limit is half of RAM, and a database whose commitments grow past it can no
//     longer fork or allocate. So 2 comes with an overcommit_ratio (or overcommit_kbytes, when the
//     host uses that form) computed from RAM, hugetlb and swap: 90 % of the RAM outside hugetlb
//     (10 % left to the kernel and a minimal page cache) plus swap, and at least 25 % above the
//     Committed_AS measured now. When even 100 % cannot give that headroom, 2 is not advised.
//     Both are one group: the renderings emit both or neither;
//   - a kubelet-managed node: kubelet sets overcommit_memory=1 itself (and kernel.panic*), so
//     nothing is said here; the finding "kubelet-owns-sysctls" says why;
//   - otherwise nothing is said.
// The numbers: the model's CommitLimit for the host's RAM, hugetlb, overcommit_ratio and swap
// against Committed_AS; the evidence: fork cost per GiB from the cow-fork workload.
#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "advisor/evidence.hpp"
#include "advisor/rules.hpp"
#include "facts/units.hpp"
#include "model/advice_inputs.hpp"

namespace mmtune::advisor {
namespace {

constexpr int64_t kStrictRatio = 90;         // % of the RAM outside hugetlb
constexpr double kCommittedHeadroom = 1.25;  // the limit stays 25 % above Committed_AS
constexpr std::string_view kStrictGroup = "overcommit-strict";

struct Memory {
  uint64_t ram = 0, hugetlb = 0, swap = 0;
  std::optional<uint64_t> committed;
  uint64_t outside_hugetlb() const { return ram > hugetlb ? ram - hugetlb : 0; }
};

Memory memory_of(const facts::HostFacts& facts) {
  const facts::MemInfo& mem = facts.meminfo;
  return {mem.total_bytes, mem.fields.get_or("Hugetlb", 0), mem.swap_total_bytes,
          mem.fields.get("Committed_AS")};
}

std::string committed_text(const Memory& m, const model::Prediction& limit) {
  return m.committed ? fmt::format("Committed_AS is {} ({:.0f} % of that limit)",
                                   facts::format_bytes(*m.committed),
                                   limit.value > 0 ? double(*m.committed) / limit.value * 100 : 0)
                     : "Committed_AS is not known here";
}

std::vector<Recommendation> fork_safe(const RuleContext& ctx, Recommendation rec, int64_t current) {
  rec.id = "overcommit-fork-snapshots";
  set_value(rec, "1");
  rec.confidence = current == 2 ? Confidence::high : Confidence::medium;
  rec.rationale.push_back(current == 2 ? "strict accounting charges a fork() with the parent's "
                                         "whole writable private memory: a snapshot of a large "
                                         "parent fails with ENOMEM when the host is busy, although "
                                         "copy-on-write copies only what gets written"
                                       : "the work forks a large parent for snapshots; 1 never "
                                         "refuses the fork, and the vendor's startup check asks "
                                         "for it (0 refuses only single requests above RAM + "
                                         "swap, but warns)");
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

// The ratio whose limit is 90 % of the RAM outside hugetlb plus swap, raised to keep 25 % above
// what is committed; nullopt when no ratio up to 100 does.
std::optional<int64_t> strict_ratio(const Memory& m) {
  if (!m.committed || m.outside_hugetlb() == 0) return std::nullopt;
  const double wanted = double(*m.committed) * kCommittedHeadroom - double(m.swap);
  const auto needed = int64_t(std::ceil(std::max(0.0, wanted) * 100 / double(m.outside_hugetlb())));
  const int64_t ratio = std::max(kStrictRatio, needed);
  if (ratio > 100) return std::nullopt;
  return ratio;
}

// The limit partner: overcommit_kbytes when the host sets its limit that way, else the ratio.
Recommendation limit_partner(const RuleContext& ctx, const Memory& m, int64_t ratio,
                             const Recommendation& memory) {
  const bool kbytes = ctx.facts.settings.integer("vm.overcommit_kbytes").value_or(0) > 0;
  Recommendation rec = start(ctx, kbytes ? "vm.overcommit_kbytes" : "vm.overcommit_ratio");
  rec.id = memory.id;
  rec.group = memory.group;
  rec.sources = memory.sources;
  rec.confidence = memory.confidence;
  const uint64_t limit_kb = m.outside_hugetlb() / 1024 * uint64_t(ratio) / 100;
  set_value(rec, kbytes ? std::to_string(limit_kb) : std::to_string(ratio));
  rec.rationale.push_back(fmt::format(
      "strict accounting needs a limit that fits the host: {} % of the {} outside hugetlb{}, "
      "kept at least {:.0f} % above Committed_AS",
      ratio, facts::format_bytes(m.outside_hugetlb()),
      m.swap ? fmt::format(" plus {} of swap", facts::format_bytes(m.swap)) : std::string(),
      (kCommittedHeadroom - 1) * 100));
  rec.rationale.push_back("set together with vm.overcommit_memory=2, never alone");
  rec.numbers = memory.numbers;
  rec.summary = rec.change ? fmt::format("{} → {}: the commit limit for overcommit_memory=2",
                                         rec.current.value_or("absent"), rec.recommended)
                           : fmt::format("keep {}: the commit limit for overcommit_memory=2",
                                         rec.recommended);
  return rec;
}

std::vector<Recommendation> strict(const RuleContext& ctx, Recommendation rec, int64_t current) {
  const Memory m = memory_of(ctx.facts);
  const int64_t ratio_now = ctx.facts.settings.integer("vm.overcommit_ratio").value_or(50);
  const model::Prediction now = model::commit_limit_bytes(m.ram, m.hugetlb, ratio_now, m.swap);
  rec.numbers.push_back(now);
  rec.rationale.push_back(
      fmt::format("at overcommit_ratio {} the strict commit limit would be {} ({}); {}", ratio_now,
                  facts::format_bytes(uint64_t(now.value)), now.why.text, committed_text(m, now)));
  const std::optional<int64_t> ratio = strict_ratio(m);
  if (!ratio || (!ctx.facts.settings.text("vm.overcommit_ratio") && current != 2)) {
    rec.id = "overcommit-strict-unsafe";
    rec.confidence = Confidence::medium;
    rec.rationale.push_back(
        m.committed ? "what is committed already does not fit 25 % below any limit this host "
                      "can back (RAM outside hugetlb plus swap): strict accounting would make "
                      "allocations fail at once; add swap or memory first"
                    : "without Committed_AS the strict limit cannot be checked against what runs");
    rec.summary =
        fmt::format("keep {}: strict accounting would refuse allocations at once here", current);
    return {rec};
  }
  rec.id = "overcommit-strict-sized";
  rec.group = std::string(kStrictGroup);
  set_value(rec, "2");
  rec.confidence = Confidence::low;
  const model::Prediction then = model::commit_limit_bytes(m.ram, m.hugetlb, *ratio, m.swap);
  rec.numbers.push_back(then);
  rec.rationale.push_back(fmt::format("with overcommit_ratio {} the limit is {} ({}); {}", *ratio,
                                      facts::format_bytes(uint64_t(then.value)), then.why.text,
                                      committed_text(m, then)));
  rec.rationale.push_back(
      "strict accounting makes an allocation fail instead of the OOM killer picking a "
      "process (for a database, possibly the postmaster); it applies to every process on "
      "the host, so it suits hosts dedicated to this work");
  rec.summary = rec.change ? fmt::format(
                                 "{} → 2 with overcommit_ratio {}: fail allocations "
                                 "rather than OOM-kill, within a limit the host backs",
                                 current, *ratio)
                           : fmt::format("keep 2: strict accounting, limit at ratio {}", *ratio);
  Recommendation partner = limit_partner(ctx, m, *ratio, rec);
  return {rec, partner};
}

}  // namespace

std::vector<Recommendation> overcommit_rules(const RuleContext& ctx) {
  const OvercommitGoal goal = ctx.profile.goals.overcommit;
  if (goal == OvercommitGoal::keep || ctx.facts.kubelet) return {};
  Recommendation rec = start(ctx, "vm.overcommit_memory");
  if (!rec.current) return {};
  rec.sources = sources_for(ctx.profile, "overcommit", {"kernel-overcommit", "kernel-vm-rst"});
  const int64_t current = ctx.facts.settings.integer("vm.overcommit_memory").value_or(0);
  if (goal == OvercommitGoal::fork_safe) {
    const Memory m = memory_of(ctx.facts);
    const int64_t ratio = ctx.facts.settings.integer("vm.overcommit_ratio").value_or(50);
    const model::Prediction limit = model::commit_limit_bytes(m.ram, m.hugetlb, ratio, m.swap);
    rec.numbers.push_back(limit);
    rec.rationale.push_back(fmt::format(
        "under overcommit_memory=2 the commit limit would be {} ({}); {}",
        facts::format_bytes(uint64_t(limit.value)), limit.why.text, committed_text(m, limit)));
    return fork_safe(ctx, rec, current);
  }
  return strict(ctx, rec, current);
}

}  // namespace mmtune::advisor
