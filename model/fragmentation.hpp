#pragma once
// External fragmentation of free memory, as the kernel measures and acts on it: the fragmentation
// index and the unusable free index per zone and order (mm/vmstat.c, what debugfs extfrag_index
// and unusable_index print), whether compaction is worth trying for an order
// (compaction_suitable, mm/compaction.c, with vm.extfrag_threshold), what each thp.defrag mode
// makes a huge-page fault do about it, and what a runtime hugetlb reservation can get. Pure: facts
// in, predictions out. The formulas and their kernel sources are in docs/model.md (Fragmentation
// and compaction).
#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/prediction.hpp"
#include "model/thp.hpp"

namespace mmtune::model {

inline constexpr unsigned kThpOrder = 9;              // a 2 MiB block: HPAGE_PMD_ORDER on x86_64
inline constexpr unsigned kCostlyOrder = 3;           // PAGE_ALLOC_COSTLY_ORDER
inline constexpr int kDefaultExtfragThreshold = 500;  // vm.extfrag_threshold's default

// What fill_contig_page_info (mm/vmstat.c) sums over one zone's free lists for one order.
struct ContigPageInfo {
  uint64_t free_pages = 0;            // Σ blocks[o] << o
  uint64_t free_blocks_total = 0;     // Σ blocks[o]
  uint64_t free_blocks_suitable = 0;  // Σ over o ≥ order of blocks[o] << (o − order)
};
ContigPageInfo contig_page_info(std::span<const uint64_t> free_blocks, unsigned order);

// fragmentation_index() in thousandths, as debugfs extfrag_index prints it: −1000 when a block of
// the order is free (the request would not fail), 0 with no free block at all, else
// 1000 − (1000 + free_pages·1000 / 2^order) / free_blocks_total (integer divisions). Towards 0 a
// failure is for lack of memory, towards 1000 for fragmentation.
int fragmentation_index(const ContigPageInfo& info, unsigned order);
// unusable_free_index() in thousandths: the share of free pages in blocks smaller than the order
// (1000 with no free page).
int unusable_free_index(const ContigPageInfo& info, unsigned order);

// Both indexes for every order of one zone's buddyinfo line.
struct ZoneIndexes {
  int node = 0;
  std::string zone;
  uint64_t free_pages = 0;               // Σ of the zone's free lists
  uint64_t free_blocks_at_order = 0;     // free_blocks_suitable at the order asked for
  std::vector<int> fragmentation_milli;  // index = order, like debugfs extfrag_index
  std::vector<int> unusable_milli;       // index = order, like debugfs unusable_index
};
std::vector<ZoneIndexes> zone_indexes(const std::vector<facts::BuddyZone>& buddyinfo,
                                      unsigned order = kThpOrder);

enum class CompactionVerdict {
  not_needed,    // a free block of the order above the min watermark: the allocation succeeds
  skipped,       // order-0 free pages at or below low + 2^(order+1) + lowmem_reserve: no room
  not_suitable,  // index in [0, extfrag_threshold]: a failure is for lack of memory, not order
  worth_trying,  // the kernel compacts: a failure is due to fragmentation
};
std::string_view to_string(CompactionVerdict verdict);

struct CompactionSuitability {
  int node = 0;
  std::string zone;
  unsigned order = kThpOrder;
  CompactionVerdict verdict = CompactionVerdict::skipped;
  int fragmentation_milli = 0;
  int64_t extfrag_threshold = kDefaultExtfragThreshold;
  uint64_t free_pages = 0;       // the zone's NR_FREE_PAGES (zoneinfo "pages free")
  uint64_t lowmem_reserve = 0;   // protection against the allocation's highest zone
  uint64_t watermark_pages = 0;  // low + 2^(order+1): what compaction needs free, plus the reserve
  Explanation why;
};

// compaction_suitable() (and, before it, the order's own watermark check) for one zone and an
// allocation whose highest usable zone has index highest_zone (ZONE_MOVABLE for user memory).
// zone_index is the zone's index in its node (DMA 0, DMA32 1, Normal 2, Movable 3 on x86_64).
CompactionSuitability compaction_suitable(const facts::Zone& zone, size_t zone_index,
                                          const facts::BuddyZone& buddy, unsigned order,
                                          int64_t extfrag_threshold, size_t highest_zone);

// One defrag mode against the free lists as they are, for a MADV_HUGEPAGE region.
struct DefragOutcome {
  DefragBehaviour madvised;      // for a region with MADV_HUGEPAGE
  DefragBehaviour plain;         // for one without (reaches THP only with enabled = always)
  bool stalls_madvised = false;  // faults of a MADV_HUGEPAGE region stall in direct compaction
  bool stalls_plain = false;     // faults of other regions do
  std::string text;              // "stalls in direct compaction", "falls back to 4 KiB at once"
};

// The whole picture at one order: per-zone indexes and verdicts, the zone that decides (the
// eligible zone with the most free pages), the cause of a failure, and per defrag mode whether a
// huge-page fault stalls.
struct FragmentationPrediction {
  unsigned order = kThpOrder;
  int64_t extfrag_threshold = kDefaultExtfragThreshold;
  std::vector<ZoneIndexes> zones;
  std::vector<CompactionSuitability> suitability;          // zones with managed pages
  CompactionVerdict verdict = CompactionVerdict::skipped;  // for the allocation as a whole
  std::string zone;  // the deciding zone ("Normal"), empty without zones
  int node = 0;
  Prediction fragmentation_index;    // ratio (the kernel's thousandths / 1000); −1: not failing
  Prediction unusable_index;         // ratio
  Prediction free_blocks;            // free blocks of the order above the min watermark, all zones
  std::string cause;                 // "none", "fragmentation", "lack of memory"
  std::vector<DefragOutcome> modes;  // in the order of defrag_modes()
  std::string summary;  // "at order 9, index 0.930 (node 0 Normal): failures are due to …"
};

// Reads vm.extfrag_threshold from facts.settings (default 500), zoneinfo and buddyinfo.
FragmentationPrediction predict_fragmentation(const facts::HostFacts& facts,
                                              unsigned order = kThpOrder);

// Huge faults a region of `faults` 2 MiB ranges gets under one defrag behaviour, as a range:
// without direct compaction exactly the free blocks there are (up to faults); with it, those plus
// at most the blocks compaction can free (compactable: blocks whose only obstacles are movable
// pages). A pinned page makes its block useless to compaction.
struct HugeFaultRange {
  Prediction low, high;  // faults
};
HugeFaultRange expected_huge_faults(const DefragBehaviour& behaviour, uint64_t faults,
                                    uint64_t free_blocks, uint64_t compactable_blocks);

// A runtime hugetlb reservation (a write to nr_hugepages) of `requested` pages of 2^order pages:
// alloc_buddy_hugetlb_folio asks with __GFP_RETRY_MAYFAIL, so it reclaims and compacts and retries;
// it gets at least the free blocks and at most those plus what compaction can free.
HugeFaultRange expected_reservation(uint64_t requested, uint64_t free_blocks,
                                    uint64_t compactable_blocks, unsigned order = kThpOrder);

// Proactive compaction (5.9+), per node: kcompactd compacts in the background while the node's
// fragmentation score is above its high mark, until it is below the low mark, and not at all with
// vm.compaction_proactiveness 0 or while kswapd runs (mm/compaction.c):
//   score(zone) = extfrag_for_order(zone, 9)            % of free pages in blocks below order 9
//   score(node) = Σ zones present_pages · score(zone) / (node present_pages + 1)
//   low = max(100 − proactiveness, 5), high = min(low + 10, 100)
struct ProactiveCompaction {
  int node = 0;
  Prediction score;  // percent
  int64_t low = 0, high = 0;
  bool compacts = false;  // score > high and proactiveness > 0
};
std::vector<ProactiveCompaction> proactive_compaction(const facts::HostFacts& facts,
                                                      int64_t proactiveness);

}  // namespace mmtune::model
