// Transparent Huge Pages at fault time.
//
// Eligibility (mm/huge_memory.c __thp_vma_allowable_orders, transhuge_vma_suitable): a fault may
// get a PMD THP when
//   - the VMA is not VM_NOHUGEPAGE (MADV_NOHUGEPAGE) and the process did not PR_SET_THP_DISABLE,
//   - enabled = always, or enabled = madvise and the VMA is VM_HUGEPAGE (MADV_HUGEPAGE),
//   - the 2 MiB-aligned range around the fault lies inside the VMA (an unaligned region of
//     length L holds ⌊(L − head)/2 MiB⌋ such ranges; since ≈6.7 large anonymous mmaps are
//     placed 2 MiB-aligned).
// How hard the allocation tries is the defrag mode (vma_thp_gfp_mask):
//   always        GFP_TRANSHUGE (+__GFP_NORETRY unless madvised): direct reclaim + compaction
//   defer         GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM: wake kswapd/kcompactd, fail fast
//   defer+madvise madvised: direct; otherwise like defer
//   madvise       madvised: direct; otherwise no reclaim, no wake-ups
//   never         GFP_TRANSHUGE_LIGHT: no reclaim, no wake-ups
// A fault that cannot get 2 MiB falls back to 4 KiB (thp_fault_fallback); khugepaged may collapse
// the range later if it scans the VMA (enabled = always, or madvise and VM_HUGEPAGE).
//
// Supply: free order ≥ 9 blocks in /proc/buddyinfo (an order-10 block is two 2 MiB blocks). Without
// direct compaction, at most that many faults get huge pages; with it, more may, at the price of
// compaction stalls (compact_stall, allocstall).
//
// Bloat: a huge fault makes 2 MiB resident for one touched byte, so with a fraction t of each range
// touched the extra RSS is huge faults × 2 MiB × (1 − t). khugepaged collapses a range that has at
// least 512 − max_ptes_none pages present, so a collapse adds at most max_ptes_none × 4 KiB
// (511 by default: one resident page becomes 2 MiB; MongoDB 8 sets 0). Since 6.12 the
// deferred-split shrinker splits under-used THPs (> max_ptes_none zero-filled pages) under memory
// pressure.
//
// Assumptions: anonymous private memory, PMD size only (no mTHP), free blocks are not taken by
// others meanwhile, the zone stays above its watermark.
//
// Worked example: enabled = madvise, defrag = madvise, a 2 MiB-aligned 1 GiB region with
// MADV_HUGEPAGE and 752 free order-9 blocks → 512 ranges, eligible, direct compaction allowed,
// blocks suffice: 512 huge faults, coverage 100 %.
#include "model/thp.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "facts/error.hpp"
#include "facts/units.hpp"

namespace mmtune::model {
namespace {

constexpr size_t kHugeOrder = 9;

// Why faults in the region cannot get a PMD THP; empty when they can.
std::string ineligible_reason(const ThpShape& shape, const std::string& enabled,
                              uint64_t huge_ranges) {
  const bool mode_allows = enabled == "always" || (enabled == "madvise" && shape.madv_hugepage);
  if (enabled == "absent") return "this kernel has no THP (no transparent_hugepage/enabled)";
  if (shape.madv_nohugepage) return "MADV_NOHUGEPAGE excludes the VMA";
  if (shape.prctl_disabled) return "PR_SET_THP_DISABLE excludes the process";
  if (!mode_allows) {
    return enabled == "never" ? "enabled = never" : "enabled = madvise without MADV_HUGEPAGE";
  }
  if (huge_ranges == 0) return "no 2 MiB-aligned range fits inside the region";
  return "";
}

// For an eligible region: how hard faults try, what they get and why; returns the huge faults.
uint64_t eligible_outcome(ThpPrediction& out, const ThpShape& shape, const std::string& enabled,
                          const std::string& defrag) {
  const DefragBehaviour policy = defrag_behaviour(defrag, shape.madv_hugepage);
  out.direct_compaction = policy.direct_compaction;
  out.wakes_kcompactd = policy.wakes_kcompactd;
  out.khugepaged_collapses = true;  // khugepaged scans exactly the VMAs a fault may use THP for
  uint64_t huge = 0;
  if (out.free_huge_blocks >= out.huge_ranges) {
    out.outcome = ThpOutcome::huge;
    huge = out.huge_ranges;
  } else if (policy.direct_compaction) {
    out.outcome = ThpOutcome::huge_may_stall;
    huge = out.huge_ranges;  // compaction may make the blocks, at the price of stalls
  } else {
    out.outcome = ThpOutcome::fallback_when_short;
    huge = out.free_huge_blocks;
  }
  out.why = {"eligible: enabled = " + enabled + (shape.madv_hugepage ? " + MADV_HUGEPAGE" : "") +
                 "; defrag = " + defrag + " → " + policy.gfp,
             "__thp_vma_allowable_orders + vma_thp_gfp_mask (mm/huge_memory.c)",
             fmt::format("{} aligned 2 MiB ranges, {} free 2 MiB blocks: {}", out.huge_ranges,
                         out.free_huge_blocks, to_string(out.outcome))};
  return huge;
}

// The huge faults, the coverage they give and the RSS they add beyond what was touched.
void predict_faults(ThpPrediction& out, const ThpShape& shape, uint64_t huge) {
  out.huge_faults = {
      "huge_faults",
      double(huge),
      "faults",
      {out.direct_compaction ? "huge faults = aligned ranges (direct compaction allowed)"
                             : "huge faults = min(aligned ranges, free 2 MiB blocks)",
       "do_huge_pmd_anonymous_page (mm/huge_memory.c)",
       fmt::format("= {} (ranges {}, free blocks {})", huge, out.huge_ranges,
                   out.free_huge_blocks)}};
  const double coverage =
      shape.region_bytes ? double(huge * kHugePageSize) / double(shape.region_bytes) : 0;
  out.coverage = {"coverage",
                  coverage,
                  "ratio",
                  {"coverage = huge faults × 2 MiB / region", "AnonHugePages in /proc/meminfo",
                   fmt::format("= {} × 2 MiB / {} = {:.3f}", huge,
                               facts::format_bytes(shape.region_bytes), coverage)}};
  const auto fault_bloat =
      static_cast<uint64_t>(double(huge * kHugePageSize) * (1.0 - shape.touched_fraction));
  out.fault_bloat_bytes = {
      "fault_bloat_bytes",
      double(fault_bloat),
      "bytes",
      {"bloat = huge faults × 2 MiB × (1 − touched fraction)",
       "do_huge_pmd_anonymous_page (whole 2 MiB zeroed and mapped)",
       fmt::format("= {} × 2 MiB × {:.3f} = {}", huge, 1.0 - shape.touched_fraction,
                   facts::format_bytes(fault_bloat))}};
}

// What khugepaged may add to RSS collapsing the ranges that faulted as 4 KiB pages.
Prediction collapse_bloat_bound(const ThpPrediction& out, uint64_t huge, int64_t max_ptes_none) {
  const uint64_t collapsible = out.khugepaged_collapses ? out.huge_ranges - huge : 0;
  const uint64_t bloat = collapsible * uint64_t(std::max<int64_t>(max_ptes_none, 0)) * kPageSize;
  return {"collapse_bloat_bound_bytes",
          double(bloat),
          "bytes",
          {"khugepaged bloat ≤ ranges left in 4 KiB pages × max_ptes_none × 4 KiB",
           "hpage_collapse_scan_pmd (mm/khugepaged.c: none_or_zero ≤ max_ptes_none)",
           fmt::format("= {} × {} × 4 KiB = {}", collapsible, max_ptes_none,
                       facts::format_bytes(bloat))}};
}

}  // namespace

DefragBehaviour defrag_behaviour(std::string_view mode, bool madvised) {
  DefragBehaviour b{std::string(mode), madvised, "GFP_TRANSHUGE_LIGHT", false, false};
  if (mode == "always") {
    b.gfp = madvised ? "GFP_TRANSHUGE" : "GFP_TRANSHUGE | __GFP_NORETRY";
    b.direct_compaction = true;
  } else if (mode == "defer" || (mode == "defer+madvise" && !madvised)) {
    b.gfp = "GFP_TRANSHUGE_LIGHT | __GFP_KSWAPD_RECLAIM";
    b.wakes_kcompactd = true;
  } else if ((mode == "defer+madvise" || mode == "madvise") && madvised) {
    b.gfp = "GFP_TRANSHUGE_LIGHT | __GFP_DIRECT_RECLAIM";
    b.direct_compaction = true;
  }
  return b;  // never, madvise without MADV_HUGEPAGE, or an unknown mode
}

std::span<const std::string_view> defrag_modes() {
  static constexpr std::string_view kModes[] = {"always", "defer", "defer+madvise", "madvise",
                                                "never"};
  return kModes;
}

std::string_view to_string(ThpOutcome outcome) {
  switch (outcome) {
    case ThpOutcome::huge:
      return "huge pages";
    case ThpOutcome::huge_may_stall:
      return "huge pages, may stall in compaction";
    case ThpOutcome::fallback_when_short:
      return "huge pages while free 2 MiB blocks last, then 4 KiB";
    case ThpOutcome::small_pages:
      return "4 KiB pages";
  }
  return "?";
}

std::string pmd_thp_mode(const facts::Settings& settings) {
  auto per_size = settings.text("thp.hugepages-2048kB.enabled");
  if (per_size && *per_size != "inherit") return std::string(*per_size);
  return std::string(settings.text("thp.enabled").value_or("absent"));
}

uint64_t free_huge_blocks(const std::vector<facts::BuddyZone>& buddyinfo) {
  uint64_t blocks = 0;
  for (const facts::BuddyZone& zone : buddyinfo) {
    if (zone.zone == "DMA") continue;
    for (size_t order = kHugeOrder; order < zone.free_blocks.size(); ++order) {
      blocks += zone.free_blocks[order] << (order - kHugeOrder);
    }
  }
  return blocks;
}

uint64_t aligned_huge_ranges(uint64_t start_offset, uint64_t length) {
  uint64_t offset = start_offset % kHugePageSize;
  uint64_t head = offset == 0 ? 0 : kHugePageSize - offset;
  return length > head ? (length - head) / kHugePageSize : 0;
}

ThpPrediction predict_thp(const ThpShape& shape, const facts::Settings& settings,
                          const std::vector<facts::BuddyZone>& buddyinfo) {
  if (!(shape.touched_fraction >= 0 && shape.touched_fraction <= 1)) {
    fail(ErrorKind::bad_input, "thp: touched fraction {} must be in [0, 1]",
         shape.touched_fraction);
  }
  ThpPrediction out;
  const std::string enabled = pmd_thp_mode(settings);
  const std::string defrag(settings.text("thp.defrag").value_or("never"));
  const int64_t max_ptes_none = settings.integer("thp.khugepaged.max_ptes_none").value_or(511);
  out.huge_ranges = aligned_huge_ranges(shape.start_offset, shape.region_bytes);
  out.free_huge_blocks = free_huge_blocks(buddyinfo);

  const std::string reason = ineligible_reason(shape, enabled, out.huge_ranges);
  out.eligible = reason.empty();
  uint64_t huge = 0;
  if (out.eligible) {
    huge = eligible_outcome(out, shape, enabled, defrag);
  } else {
    out.outcome = ThpOutcome::small_pages;
    out.why = {"not eligible: " + reason, "__thp_vma_allowable_orders (mm/huge_memory.c)",
               fmt::format("{} aligned 2 MiB ranges; faults use 4 KiB pages", out.huge_ranges)};
  }
  predict_faults(out, shape, huge);
  out.collapse_bloat_bound_bytes = collapse_bloat_bound(out, huge, max_ptes_none);
  return out;
}

}  // namespace mmtune::model
