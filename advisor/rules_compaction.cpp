// Compaction: vm.compaction_proactiveness and vm.extfrag_threshold, for profiles that measure
// fragmentation (a `fragmentation` step in a scenario) or when a fragmentation result is at hand.
//
// The rule, from vm.rst, mm/compaction.c and docs/advice.md (Fragmentation; the formulas:
// docs/model.md, Fragmentation and compaction):
//   - compaction_proactiveness 0 switches background compaction off: free 2 MiB blocks are then
//     made only by a fault or a reservation that compacts for itself (a stall) or by kcompactd when
//     woken. For work that wants huge pages (THP other than never, or a hugetlb reservation) the
//     kernel's default 20 comes back; any other value is kept, with the model's fragmentation
//     score per node against the marks where kcompactd starts and stops, and what the run saw
//     kcompactd rebuild in its repair window (free 2 MiB blocks, pages scanned and migrated);
//   - extfrag_threshold: the kernel compacts for an order only when its fragmentation index is
//     above the threshold (compaction_suitable). Above the default 500, compaction is skipped where
//     the kernel's own index says a failure is due to fragmentation — direct reclaim runs instead —
//     so when an index between 500 and the threshold was measured after fragmenting or is modelled
//     now, back to 500. Below 500, compaction is tried where memory is merely short; when most
//     compactions since boot failed (compact_fail / compact_stall ≥ 50 %), back to 500.
#include <fmt/format.h>

#include <algorithm>

#include "advisor/evidence.hpp"
#include "advisor/fragmentation_evidence.hpp"
#include "advisor/rules.hpp"
#include "advisor/signals.hpp"
#include "model/fragmentation.hpp"

namespace mmtune::advisor {
namespace {

constexpr int64_t kDefaultProactiveness = 20;  // vm.rst
constexpr int64_t kDefaultExtfrag = model::kDefaultExtfragThreshold;

bool cares(const RuleContext& ctx, const std::optional<FragmentationEvidence>& frag) {
  return frag.has_value() || measures_fragmentation(ctx.profile);
}

bool wants_huge_pages(const Profile& profile) {
  return profile.goals.thp != ThpGoal::never || profile.goals.hugetlb.has_value();
}

// What the repair window of the run saw: free 2 MiB blocks before and after, kcompactd's work.
std::optional<std::string> repair_line(const FragmentationEvidence& frag) {
  if (!frag.free_repaired || !frag.free_fragmented) return std::nullopt;
  return fmt::format(
      "measured: with the host's proactiveness back and the pins held, free 2 MiB blocks went "
      "from {:.0f} after fragmenting (and the defrag modes) to {:.0f} at the end of the repair "
      "window ({:.0f} before fragmenting); kcompactd's migration scanner looked at {:.0f} pages, "
      "{:.0f} pages were migrated (host-wide)",
      frag.free_fragmented->value, frag.free_repaired->value,
      frag.free_before ? frag.free_before->value : 0.0,
      frag.repair_scanned ? frag.repair_scanned->value : 0.0,
      frag.repair_migrated ? frag.repair_migrated->value : 0.0);
}

void add_repair_evidence(const FragmentationEvidence& frag, Recommendation& rec) {
  for (const auto& e : {frag.free_before, frag.free_fragmented, frag.free_repaired,
                        frag.repair_scanned, frag.repair_migrated, frag.free_compacted}) {
    if (e) rec.evidence.push_back(*e);
  }
}

// The measured mode that compacted for itself and stalled the most, for a rationale line.
const DefragMeasured* worst_stall(const FragmentationEvidence& frag) {
  const DefragMeasured* worst = nullptr;
  for (const DefragMeasured& m : frag.modes) {
    if (m.stalled() && (!worst || m.p99_ms.value > worst->p99_ms.value)) worst = &m;
  }
  return worst;
}

Recommendation proactiveness_rule(const RuleContext& ctx,
                                  const std::optional<FragmentationEvidence>& frag) {
  Recommendation rec = start(ctx, "vm.compaction_proactiveness");
  rec.id = "compaction-proactiveness-keep";
  rec.sources = {"kernel-vm-rst", "kernel-compaction-proactive"};
  const int64_t current =
      ctx.facts.settings.integer("vm.compaction_proactiveness").value_or(kDefaultProactiveness);
  const bool wanted = wants_huge_pages(ctx.profile);
  const int64_t modelled = current == 0 && wanted ? kDefaultProactiveness : current;
  for (const model::ProactiveCompaction& node : model::proactive_compaction(ctx.facts, modelled)) {
    rec.numbers.push_back(node.score);
    rec.rationale.push_back(fmt::format(
        "node {}: fragmentation score {:.0f} (model, from buddyinfo); at proactiveness {} "
        "kcompactd compacts above {} down to {}: {}",
        node.node, node.score.value, modelled, node.high, node.low,
        node.compacts ? "it would be compacting now" : "no background compaction now"));
  }
  if (frag) {
    if (auto line = repair_line(*frag)) rec.rationale.push_back(*line);
    add_repair_evidence(*frag, rec);
  }
  if (current == 0 && wanted) {
    rec.id = "compaction-proactiveness-off";
    set_value(rec, std::to_string(kDefaultProactiveness));
    const DefragMeasured* stall = frag ? worst_stall(*frag) : nullptr;
    rec.confidence = stall ? Confidence::high : Confidence::medium;
    rec.rationale.insert(
        rec.rationale.begin(),
        "0 switches proactive compaction off: free 2 MiB blocks are made only when a fault or a "
        "reservation compacts for itself (it stalls) or kcompactd is woken; this work wants huge "
        "pages, so the kernel's default 20 comes back");
    if (stall) {
      rec.rationale.insert(rec.rationale.begin() + 1,
                           fmt::format("measured on fragmented free memory: {}", describe(*stall)));
    }
    rec.summary = fmt::format("0 → {}: background compaction back, so huge pages need fewer stalls",
                              kDefaultProactiveness);
    return rec;
  }
  rec.confidence = Confidence::medium;
  rec.rationale.insert(
      rec.rationale.begin(),
      wanted ? "background compaction keeps free 2 MiB blocks for huge pages; it also moves every "
               "process's pages (vm.rst: latency spikes): no evidence here to move it either way"
             : "this work wants no huge pages; background compaction serves other high-order "
               "allocations: no evidence here to move it");
  if (!frag) {
    rec.evidence_missing = missing_because(ctx.run, ctx.profile, "fragmentation",
                                           "what background compaction repairs here");
  }
  rec.summary = fmt::format("keep {}: {}", current,
                            wanted ? "background compaction for huge pages"
                                   : "no huge pages wanted, no evidence to move it");
  return rec;
}

// An index between the default and the threshold: compaction the kernel would try is skipped.
std::optional<std::string> skipped_compaction(const model::FragmentationPrediction& now,
                                              const std::optional<FragmentationEvidence>& frag,
                                              int64_t threshold) {
  const double limit = double(threshold) / 1000;
  const double def = double(kDefaultExtfrag) / 1000;
  if (frag && frag->extfrag_fragmented && frag->extfrag_fragmented->value > def &&
      frag->extfrag_fragmented->value <= limit) {
    return fmt::format(
        "measured after fragmenting: the kernel's extfrag_index at order 9 was {:.3f}",
        frag->extfrag_fragmented->value);
  }
  if (now.fragmentation_index.value > def && now.fragmentation_index.value <= limit)
    return fmt::format("now: {}", now.summary);
  return std::nullopt;
}

Recommendation extfrag_rule(const RuleContext& ctx,
                            const std::optional<FragmentationEvidence>& frag) {
  Recommendation rec = start(ctx, "vm.extfrag_threshold");
  rec.id = "extfrag-threshold-keep";
  rec.sources = {"kernel-vm-rst", "kernel-compaction-proactive"};
  const int64_t current =
      ctx.facts.settings.integer("vm.extfrag_threshold").value_or(kDefaultExtfrag);
  const model::FragmentationPrediction now = model::predict_fragmentation(ctx.facts);
  rec.numbers.push_back(now.fragmentation_index);
  rec.rationale.push_back(fmt::format(
      "the kernel compacts for an order only when its fragmentation index is above the threshold "
      "({:.3f}); model now: {}",
      double(current) / 1000, now.summary));
  if (frag && frag->extfrag_fragmented) {
    rec.evidence.push_back(*frag->extfrag_fragmented);
    rec.rationale.push_back(fmt::format(
        "measured after fragmenting: the kernel's extfrag_index at order 9 was {:.3f} ({})",
        frag->extfrag_fragmented->value,
        frag->extfrag_fragmented->value > double(current) / 1000
            ? "above the threshold: compaction ran"
            : "at or below the threshold: compaction was skipped"));
  }
  if (current > kDefaultExtfrag) {
    if (auto why = skipped_compaction(now, frag, current)) {
      rec.id = "extfrag-threshold-raised";
      set_value(rec, std::to_string(kDefaultExtfrag));
      rec.confidence = frag ? Confidence::high : Confidence::medium;
      rec.rationale.insert(rec.rationale.begin(),
                           fmt::format("{}: above the default {:.3f}, so failures due to "
                                       "fragmentation go to direct reclaim instead of compaction",
                                       *why, double(kDefaultExtfrag) / 1000));
      rec.summary = fmt::format("{} → {}: compaction skipped where the index says fragmentation",
                                current, kDefaultExtfrag);
      return rec;
    }
  } else if (current < kDefaultExtfrag) {
    const auto failed = compaction_fail_share(boot_counters(ctx.facts));
    if (failed) rec.signals.push_back(*failed);
    if (failed && failed->met) {
      rec.id = "extfrag-threshold-lowered";
      set_value(rec, std::to_string(kDefaultExtfrag));
      rec.confidence = Confidence::medium;
      rec.rationale.insert(rec.rationale.begin(),
                           fmt::format("below the default, compaction is tried where memory is "
                                       "merely short; since boot {}",
                                       describe(*failed)));
      rec.summary =
          fmt::format("{} → {}: most compactions since boot failed", current, kDefaultExtfrag);
      return rec;
    }
  }
  rec.confidence = current == kDefaultExtfrag ? Confidence::high : Confidence::medium;
  rec.summary = fmt::format("keep {}: {}", current,
                            current == kDefaultExtfrag ? "the kernel's default"
                                                       : "no evidence that it misleads compaction");
  return rec;
}

}  // namespace

std::vector<Recommendation> compaction_rules(const RuleContext& ctx) {
  const std::optional<FragmentationEvidence> frag = fragmentation_evidence(ctx.run);
  if (!cares(ctx, frag)) return {};
  std::vector<Recommendation> out;
  if (ctx.facts.settings.text("vm.compaction_proactiveness"))
    out.push_back(proactiveness_rule(ctx, frag));
  if (ctx.facts.settings.text("vm.extfrag_threshold")) out.push_back(extfrag_rule(ctx, frag));
  return out;
}

}  // namespace mmtune::advisor
