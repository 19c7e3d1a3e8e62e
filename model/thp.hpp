#pragma once
// Transparent Huge Pages at fault time: whether faults in a region get 2 MiB pages, may stall in
// direct compaction, or fall back to 4 KiB pages; and how much RSS THP can add. See thp.cpp.
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/prediction.hpp"

namespace mmtune::model {

struct ThpShape {
  uint64_t region_bytes = 0;
  uint64_t start_offset = 0;      // start address mod 2 MiB (0 = 2 MiB-aligned)
  bool madv_hugepage = false;     // MADV_HUGEPAGE on the VMA (VM_HUGEPAGE)
  bool madv_nohugepage = false;   // MADV_NOHUGEPAGE (VM_NOHUGEPAGE)
  bool prctl_disabled = false;    // prctl(PR_SET_THP_DISABLE)
  double touched_fraction = 1.0;  // fraction of each 2 MiB range actually written (for bloat)
};

enum class ThpOutcome {
  huge,                 // eligible and enough free 2 MiB blocks: huge pages without stalls
  huge_may_stall,       // eligible, blocks short, direct reclaim/compaction allowed: may stall
  fallback_when_short,  // eligible, blocks short, no direct compaction: the rest fall back to 4 KiB
  small_pages,          // not eligible: 4 KiB pages (mode, madvise, prctl or alignment)
};
std::string_view to_string(ThpOutcome outcome);

struct ThpPrediction {
  ThpOutcome outcome = ThpOutcome::small_pages;
  bool eligible = false;              // faults may get a PMD THP at all
  bool direct_compaction = false;     // the fault may enter direct reclaim/compaction (stall)
  bool wakes_kcompactd = false;       // the fault wakes kswapd/kcompactd instead of stalling
  bool khugepaged_collapses = false;  // khugepaged scans this VMA and may collapse it later
  uint64_t huge_ranges = 0;           // 2 MiB-aligned ranges inside the region
  uint64_t free_huge_blocks = 0;  // free order ≥ 9 blocks in 2 MiB units (buddyinfo, DMA excluded)
  Prediction huge_faults;         // faults expected to get a huge page
  Prediction coverage;            // fraction of the region in huge pages after the faults
  Prediction fault_bloat_bytes;   // RSS added by huge faults beyond what was touched
  Prediction collapse_bloat_bound_bytes;  // worst case RSS added by khugepaged collapses
  Explanation why;                        // the eligibility and defrag reasoning
};

// How one thp.defrag mode allocates a huge page at fault time (vma_thp_gfp_mask,
// mm/huge_memory.c), for a region with MADV_HUGEPAGE or without it.
struct DefragBehaviour {
  std::string mode;                // "always", "defer", "defer+madvise", "madvise", "never"
  bool madvised = false;           // the region asked with MADV_HUGEPAGE
  std::string gfp;                 // "GFP_TRANSHUGE | __GFP_NORETRY"
  bool direct_compaction = false;  // the faulting thread reclaims and compacts itself: it stalls
  bool wakes_kcompactd = false;    // kswapd/kcompactd are woken; the fault falls back at once
};
// An unknown mode behaves as never.
DefragBehaviour defrag_behaviour(std::string_view mode, bool madvised);
// The modes in the order of the kernel's defrag file.
std::span<const std::string_view> defrag_modes();

// The mode that governs PMD-size (2 MiB) THP: thp.hugepages-2048kB.enabled (6.8+ mTHP control)
// unless it is absent or "inherit", else thp.enabled; "absent" when the kernel has no THP. Mirrors
// hugepage_pmd_enabled / the per-order masks in mm/huge_memory.c.
std::string pmd_thp_mode(const facts::Settings& settings);

// Free order ≥ 9 blocks across zones, in 2 MiB units (an order-10 block counts 2). The DMA zone is
// left out: its lowmem_reserve keeps user allocations away.
uint64_t free_huge_blocks(const std::vector<facts::BuddyZone>& buddyinfo);
// 2 MiB-aligned ranges that fit inside [start_offset, start_offset + length).
uint64_t aligned_huge_ranges(uint64_t start_offset, uint64_t length);

// Reads thp.enabled, thp.defrag and thp.khugepaged.max_ptes_none from settings. A host without THP
// (no thp.enabled) gives small_pages. Throws Error{bad_input} for a touched fraction outside [0,
// 1].
ThpPrediction predict_thp(const ThpShape& shape, const facts::Settings& settings,
                          const std::vector<facts::BuddyZone>& buddyinfo);

}  // namespace mmtune::model
