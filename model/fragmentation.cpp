// External fragmentation: the kernel's indexes, compaction_suitable and the defrag modes.
//
// fill_contig_page_info (mm/vmstat.c) sums a zone's free lists for an order k:
//   free_pages = Σ n[o]·2^o,  free_blocks_total = Σ n[o],  free_blocks_suitable = Σ_{o≥k}
//   n[o]·2^(o−k)
// fragmentation_index (__fragmentation_index):
//   0 when free_blocks_total = 0; −1000 when free_blocks_suitable > 0 (the request would not fail);
//   else 1000 − (1000 + free_pages·1000 / 2^k) / free_blocks_total, with integer divisions.
//   Many small free blocks holding plenty of pages → towards 1000 (fragmentation); few free pages
//   → towards 0 (lack of memory).
// unusable_free_index: (free_pages − free_blocks_suitable·2^k)·1000 / free_pages; 1000 with none.
//
// compaction_suitable (mm/compaction.c; 6.1 and 6.12 agree on the decision):
//   1. the order's own watermark: free − (2^k − 1) > min + lowmem_reserve[highest zone] and a free
//      block of order ≥ k → no compaction needed (COMPACT_SUCCESS);
//   2. order-0 room for migration targets: free > (k > 3 ? low : min) + 2^(k+1) + lowmem_reserve,
//      else COMPACT_SKIPPED;
//   3. for costly orders (k > PAGE_ALLOC_COSTLY_ORDER = 3): an index in [0, extfrag_threshold]
//      means the failure is for lack of memory: COMPACT_NOT_SUITABLE_ZONE (reclaim instead);
//   4. otherwise COMPACT_CONTINUE: compaction is worth trying.
// The min/low marks from zoneinfo include the watermark boost, as wmark_pages() does.
//
// Assumptions: buddyinfo counts every migrate type's lists (a HighAtomic or Isolate block counts as
// usable here); the highatomic reserve is not subtracted; per-CPU lists are not free-list pages.
//
// Worked example (zone Normal, order 9): 50 000 free blocks holding 450 000 pages, none of order
// ≥ 9: index = 1000 − (1000 + 450 000·1000/512)/50 000 = 1000 − 878 001/50 000 = 1000 − 17 = 983.
#include "model/fragmentation.hpp"

#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>
#include <map>

#include "facts/error.hpp"

namespace mmtune::model {
namespace {

// "2 MiB" for order 9: a block is always a whole number of KiB, MiB or GiB.
std::string block_size(unsigned order) {
  const uint64_t bytes = kPageSize << order;
  if (bytes % kGiB == 0) return fmt::format("{} GiB", bytes / kGiB);
  if (bytes % kMiB == 0) return fmt::format("{} MiB", bytes / kMiB);
  return fmt::format("{} KiB", bytes / kKiB);
}

std::string milli_text(int milli) { return fmt::format("{:.3f}", milli / 1000.0); }

// The order's own watermark check at the min mark (__zone_watermark_ok with ALLOC_WMARK_MIN).
bool order_available(const facts::Zone& zone, const ContigPageInfo& info, unsigned order,
                     uint64_t reserve) {
  const uint64_t unusable = (uint64_t(1) << order) - 1;
  return info.free_blocks_suitable > 0 && zone.free_pages > unusable &&
         zone.free_pages - unusable > zone.min_pages + reserve;
}

Explanation suitability_why(const CompactionSuitability& s, const ContigPageInfo& info) {
  const std::string zone = fmt::format("node {} {}", s.node, s.zone);
  switch (s.verdict) {
    case CompactionVerdict::not_needed:
      return {"a free block of order ≥ k above min + lowmem_reserve: the allocation succeeds",
              "__zone_watermark_ok (mm/page_alloc.c)",
              fmt::format("{}: {} free {} blocks, {} free pages > min {} + reserve {}", zone,
                          info.free_blocks_suitable, block_size(s.order), s.free_pages,
                          s.watermark_pages - (2ull << s.order), s.lowmem_reserve)};
    case CompactionVerdict::skipped:
      return {"compaction needs free > low + 2^(k+1) + lowmem_reserve for migration targets",
              "__compaction_suitable (mm/compaction.c)",
              fmt::format("{}: free {} ≤ {} + {} pages: COMPACT_SKIPPED", zone, s.free_pages,
                          s.watermark_pages, s.lowmem_reserve)};
    case CompactionVerdict::not_suitable:
      return {"fragmentation index in [0, extfrag_threshold]: a failure is for lack of memory",
              "compaction_suitable (mm/compaction.c)",
              fmt::format("{}: index {} ≤ {}: COMPACT_NOT_SUITABLE_ZONE", zone,
                          milli_text(s.fragmentation_milli), milli_text(int(s.extfrag_threshold)))};
    case CompactionVerdict::worth_trying:
      break;
  }
  return {"free > low + 2^(k+1) + reserve and index above extfrag_threshold: compaction runs",
          "compaction_suitable (mm/compaction.c)",
          fmt::format("{}: index {} > {}, free {} > {} + {}: COMPACT_CONTINUE", zone,
                      milli_text(s.fragmentation_milli), milli_text(int(s.extfrag_threshold)),
                      s.free_pages, s.watermark_pages, s.lowmem_reserve)};
}

// The verdict for the allocation over all zones: one zone that can serve it is enough; else the
// kernel compacts the zones where that is worth trying.
CompactionVerdict overall_verdict(const std::vector<CompactionSuitability>& zones) {
  for (CompactionVerdict v : {CompactionVerdict::not_needed, CompactionVerdict::worth_trying,
                              CompactionVerdict::not_suitable}) {
    for (const CompactionSuitability& z : zones)
      if (z.verdict == v) return v;
  }
  return CompactionVerdict::skipped;
}

std::string cause_of(CompactionVerdict verdict) {
  switch (verdict) {
    case CompactionVerdict::not_needed:
      return "none";
    case CompactionVerdict::worth_trying:
      return "fragmentation";
    case CompactionVerdict::not_suitable:
    case CompactionVerdict::skipped:
      break;
  }
  return "lack of memory";
}

DefragOutcome defrag_outcome(std::string_view mode, CompactionVerdict verdict) {
  DefragOutcome out{defrag_behaviour(mode, true), defrag_behaviour(mode, false), false, false, {}};
  const bool failing = verdict != CompactionVerdict::not_needed;
  out.stalls_madvised = failing && out.madvised.direct_compaction;
  out.stalls_plain = failing && out.plain.direct_compaction;
  if (!failing) {
    out.text = "huge pages from the free blocks, no stall";
  } else if (out.stalls_madvised) {
    out.text = verdict == CompactionVerdict::worth_trying
                   ? "stalls in direct compaction"
                   : "stalls in direct reclaim (compaction is skipped)";
    if (!out.stalls_plain) out.text += " for MADV_HUGEPAGE regions only";
  } else if (out.madvised.wakes_kcompactd) {
    out.text = "falls back to 4 KiB at once and wakes kcompactd";
  } else {
    out.text = "falls back to 4 KiB at once";
  }
  return out;
}

// "defrag=always will stall in direct compaction, defer+madvise and madvise only for regions that
// asked (MADV_HUGEPAGE)".
std::string stall_sentence(const std::vector<DefragOutcome>& modes, std::string_view how) {
  std::vector<std::string> all, asked;
  for (const DefragOutcome& m : modes) {
    if (m.stalls_plain)
      all.push_back(m.madvised.mode);
    else if (m.stalls_madvised)
      asked.push_back(m.madvised.mode);
  }
  std::string text = all.empty()
                         ? "no defrag mode stalls every region"
                         : fmt::format("defrag={} will stall in {}", fmt::join(all, " and "), how);
  if (!asked.empty())
    text +=
        fmt::format(", {} only for regions that asked (MADV_HUGEPAGE)", fmt::join(asked, " and "));
  return text;
}

std::string summary_of(const FragmentationPrediction& p, const CompactionSuitability* decider) {
  const std::string where =
      decider ? fmt::format("node {} {}", decider->node, decider->zone) : std::string("no zone");
  switch (p.verdict) {
    case CompactionVerdict::not_needed:
      return fmt::format(
          "at order {}, {} free {} blocks: huge-page faults need no compaction, "
          "whatever the defrag mode (index −1.000 in {})",
          p.order, p.free_blocks.value, block_size(p.order), where);
    case CompactionVerdict::worth_trying:
      return fmt::format("at order {}, index {:.3f} ({}): failures are due to fragmentation; {}",
                         p.order, p.fragmentation_index.value, where,
                         stall_sentence(p.modes, "direct compaction"));
    case CompactionVerdict::not_suitable:
      return fmt::format(
          "at order {}, index {:.3f} ≤ extfrag_threshold {:.3f} ({}): failures are for lack of "
          "memory, compaction is skipped; {}",
          p.order, p.fragmentation_index.value, p.extfrag_threshold / 1000.0, where,
          stall_sentence(p.modes, "direct reclaim"));
    case CompactionVerdict::skipped:
      break;
  }
  return fmt::format(
      "at order {}, free memory in {} is below low + {} pages: too little for compaction; {}",
      p.order, where, 2ull << p.order, stall_sentence(p.modes, "direct reclaim"));
}

// The eligible zone with the most free pages decides what a failing allocation meets.
const CompactionSuitability* deciding_zone(const std::vector<CompactionSuitability>& zones) {
  const CompactionSuitability* best = nullptr;
  for (const CompactionSuitability& z : zones)
    if (!best || z.free_pages > best->free_pages) best = &z;
  return best;
}

// The zones of each node in zoneinfo order (their index in the node), with their buddyinfo line.
std::vector<CompactionSuitability> all_suitability(const facts::HostFacts& facts, unsigned order,
                                                   int64_t threshold) {
  std::vector<CompactionSuitability> out;
  std::vector<int> nodes;
  for (const facts::Zone& z : facts.zones)
    if (std::find(nodes.begin(), nodes.end(), z.node) == nodes.end()) nodes.push_back(z.node);
  for (int node : nodes) {
    std::vector<const facts::Zone*> zones;
    for (const facts::Zone& z : facts.zones)
      if (z.node == node) zones.push_back(&z);
    size_t highest = zones.size() - 1;
    for (size_t i = 0; i < zones.size(); ++i)
      if (zones[i]->name == "Movable") highest = i;
    for (size_t i = 0; i < zones.size(); ++i) {
      auto buddy = std::find_if(facts.buddyinfo.begin(), facts.buddyinfo.end(), [&](auto& b) {
        return b.node == node && b.zone == zones[i]->name;
      });
      if (zones[i]->managed_pages == 0 || buddy == facts.buddyinfo.end()) continue;
      out.push_back(compaction_suitable(*zones[i], i, *buddy, order, threshold, highest));
    }
  }
  return out;
}

}  // namespace

ContigPageInfo contig_page_info(std::span<const uint64_t> free_blocks, unsigned order) {
  ContigPageInfo info;
  for (size_t o = 0; o < free_blocks.size(); ++o) {
    info.free_blocks_total += free_blocks[o];
    info.free_pages += free_blocks[o] << o;
    if (o >= order) info.free_blocks_suitable += free_blocks[o] << (o - order);
  }
  return info;
}

int fragmentation_index(const ContigPageInfo& info, unsigned order) {
  if (info.free_blocks_total == 0) return 0;
  if (info.free_blocks_suitable > 0) return -1000;
  const uint64_t requested = uint64_t(1) << order;
  return 1000 -
         static_cast<int>((1000 + info.free_pages * 1000 / requested) / info.free_blocks_total);
}

int unusable_free_index(const ContigPageInfo& info, unsigned order) {
  if (info.free_pages == 0) return 1000;
  return static_cast<int>((info.free_pages - (info.free_blocks_suitable << order)) * 1000 /
                          info.free_pages);
}

std::vector<ZoneIndexes> zone_indexes(const std::vector<facts::BuddyZone>& buddyinfo,
                                      unsigned order) {
  std::vector<ZoneIndexes> out;
  for (const facts::BuddyZone& zone : buddyinfo) {
    ZoneIndexes z{zone.node, zone.zone, 0, 0, {}, {}};
    for (unsigned o = 0; o < zone.free_blocks.size(); ++o) {
      const ContigPageInfo info = contig_page_info(zone.free_blocks, o);
      z.fragmentation_milli.push_back(fragmentation_index(info, o));
      z.unusable_milli.push_back(unusable_free_index(info, o));
      z.free_pages = info.free_pages;
      if (o == order) z.free_blocks_at_order = info.free_blocks_suitable;
    }
    out.push_back(std::move(z));
  }
  return out;
}

std::string_view to_string(CompactionVerdict verdict) {
  switch (verdict) {
    case CompactionVerdict::not_needed:
      return "not needed";
    case CompactionVerdict::skipped:
      return "skipped (too little free memory)";
    case CompactionVerdict::not_suitable:
      return "not suitable (lack of memory)";
    case CompactionVerdict::worth_trying:
      return "worth trying (fragmentation)";
  }
  return "?";
}

CompactionSuitability compaction_suitable(const facts::Zone& zone, size_t zone_index,
                                          const facts::BuddyZone& buddy, unsigned order,
                                          int64_t extfrag_threshold, size_t highest_zone) {
  if (zone_index > highest_zone) {
    fail(ErrorKind::internal, "compaction_suitable: zone {} is above the allocation's zones",
         zone.name);
  }
  CompactionSuitability s;
  s.node = zone.node;
  s.zone = zone.name;
  s.order = order;
  s.extfrag_threshold = extfrag_threshold;
  s.free_pages = zone.free_pages;
  s.lowmem_reserve = highest_zone < zone.protection.size() ? zone.protection[highest_zone] : 0;
  const ContigPageInfo info = contig_page_info(buddy.free_blocks, order);
  s.fragmentation_milli = fragmentation_index(info, order);
  s.watermark_pages = (order > kCostlyOrder ? zone.low_pages : zone.min_pages) + (2ull << order);
  if (order_available(zone, info, order, s.lowmem_reserve)) {
    s.verdict = CompactionVerdict::not_needed;
    s.watermark_pages = zone.min_pages + (2ull << order);  // so the explanation shows min
  } else if (zone.free_pages <= s.watermark_pages + s.lowmem_reserve) {
    s.verdict = CompactionVerdict::skipped;
  } else if (order > kCostlyOrder && s.fragmentation_milli >= 0 &&
             s.fragmentation_milli <= extfrag_threshold) {
    s.verdict = CompactionVerdict::not_suitable;
  } else {
    s.verdict = CompactionVerdict::worth_trying;
  }
  s.why = suitability_why(s, info);
  return s;
}

FragmentationPrediction predict_fragmentation(const facts::HostFacts& facts, unsigned order) {
  FragmentationPrediction p;
  p.order = order;
  p.extfrag_threshold =
      facts.settings.integer("vm.extfrag_threshold").value_or(kDefaultExtfragThreshold);
  p.zones = zone_indexes(facts.buddyinfo, order);
  p.suitability = all_suitability(facts, order, p.extfrag_threshold);
  p.verdict = overall_verdict(p.suitability);
  p.cause = cause_of(p.verdict);
  for (std::string_view mode : defrag_modes()) p.modes.push_back(defrag_outcome(mode, p.verdict));

  uint64_t usable_blocks = 0;
  for (const CompactionSuitability& s : p.suitability) {
    if (s.verdict != CompactionVerdict::not_needed) continue;
    for (const ZoneIndexes& z : p.zones)
      if (z.node == s.node && z.zone == s.zone) usable_blocks += z.free_blocks_at_order;
  }
  p.free_blocks = {"free_blocks",
                   double(usable_blocks),
                   "blocks",
                   {fmt::format("free blocks of order ≥ {} in {}-units, zones above min + reserve",
                                order, block_size(order)),
                    "fill_contig_page_info (mm/vmstat.c)",
                    fmt::format("= {} blocks of {}", usable_blocks, block_size(order))}};

  const CompactionSuitability* decider = deciding_zone(p.suitability);
  if (decider) {
    p.zone = decider->zone;
    p.node = decider->node;
    const ZoneIndexes* z = nullptr;
    for (const ZoneIndexes& candidate : p.zones)
      if (candidate.node == decider->node && candidate.zone == decider->zone) z = &candidate;
    const int frag = decider->fragmentation_milli;
    const int unusable = z && order < z->unusable_milli.size() ? z->unusable_milli[order] : 1000;
    p.fragmentation_index = {
        "fragmentation_index",
        frag / 1000.0,
        "ratio",
        {"1000 − (1000 + free_pages·1000/2^k) / free_blocks_total; −1 when a block is free",
         "__fragmentation_index (mm/vmstat.c)",
         fmt::format("node {} {}, order {}: {}", decider->node, decider->zone, order,
                     milli_text(frag))}};
    p.unusable_index = {
        "unusable_index",
        unusable / 1000.0,
        "ratio",
        {"(free_pages − suitable blocks·2^k) / free_pages", "unusable_free_index (mm/vmstat.c)",
         fmt::format("node {} {}, order {}: {}", decider->node, decider->zone, order,
                     milli_text(unusable))}};
  }
  p.summary = summary_of(p, decider);
  return p;
}

HugeFaultRange expected_huge_faults(const DefragBehaviour& behaviour, uint64_t faults,
                                    uint64_t free_blocks, uint64_t compactable_blocks) {
  const uint64_t low = std::min(faults, free_blocks);
  // kcompactd, once woken, frees blocks while the later faults of the same region run.
  const bool compaction = behaviour.direct_compaction || behaviour.wakes_kcompactd;
  const uint64_t high = compaction ? std::min(faults, free_blocks + compactable_blocks) : low;
  const std::string mode = fmt::format("defrag = {} ({})", behaviour.mode, behaviour.gfp);
  HugeFaultRange range;
  range.low = {
      "huge_faults_low",
      double(low),
      "faults",
      {"at least min(faults, free 2 MiB blocks)", "get_page_from_freelist (mm/page_alloc.c)",
       fmt::format("{}: min({}, {}) = {}", mode, faults, free_blocks, low)}};
  range.high = {"huge_faults_high",
                double(high),
                "faults",
                {compaction ? "at most min(faults, free blocks + blocks compaction can free)"
                            : "no compaction: exactly the free blocks",
                 behaviour.direct_compaction ? "__alloc_pages_direct_compact (mm/page_alloc.c)"
                                             : "wakeup_kcompactd (mm/compaction.c)",
                 fmt::format("{}: min({}, {} + {}) = {}", mode, faults, free_blocks,
                             compaction ? compactable_blocks : 0, high)}};
  return range;
}

HugeFaultRange expected_reservation(uint64_t requested, uint64_t free_blocks,
                                    uint64_t compactable_blocks, unsigned order) {
  const uint64_t low = std::min(requested, free_blocks);
  const uint64_t high = std::min(requested, free_blocks + compactable_blocks);
  const std::string size = block_size(order);
  HugeFaultRange range;
  range.low = {"reserved_low",
               double(low),
               "pages",
               {"at least min(requested, free blocks)", "alloc_buddy_hugetlb_folio (mm/hugetlb.c)",
                fmt::format("min({}, {} free {} blocks) = {}", requested, free_blocks, size, low)}};
  range.high = {
      "reserved_high",
      double(high),
      "pages",
      {"__GFP_RETRY_MAYFAIL: reclaims and compacts; at most free + compactable blocks",
       "alloc_buddy_hugetlb_folio (mm/hugetlb.c)",
       fmt::format("min({}, {} + {}) = {}", requested, free_blocks, compactable_blocks, high)}};
  return range;
}

namespace {

// extfrag_for_order (mm/vmstat.c): integer percent of free pages in blocks below the order.
uint64_t extfrag_for_order(std::span<const uint64_t> free_blocks, unsigned order) {
  const ContigPageInfo info = contig_page_info(free_blocks, order);
  if (info.free_pages == 0) return 0;
  return (info.free_pages - (info.free_blocks_suitable << order)) * 100 / info.free_pages;
}

}  // namespace

std::vector<ProactiveCompaction> proactive_compaction(const facts::HostFacts& facts,
                                                      int64_t proactiveness) {
  std::map<int, uint64_t> node_present, weighted;
  std::map<int, std::vector<std::string>> terms;
  for (const facts::Zone& zone : facts.zones) node_present[zone.node] += zone.present_pages;
  for (const facts::Zone& zone : facts.zones) {
    for (const facts::BuddyZone& buddy : facts.buddyinfo) {
      if (buddy.node != zone.node || buddy.zone != zone.name || zone.present_pages == 0) continue;
      const uint64_t score = extfrag_for_order(buddy.free_blocks, kThpOrder);
      weighted[zone.node] += zone.present_pages * score / (node_present[zone.node] + 1);
      terms[zone.node].push_back(fmt::format("{} {}·{}", zone.name, zone.present_pages, score));
    }
  }
  const int64_t low = std::max<int64_t>(100 - proactiveness, 5);
  const int64_t high = std::min<int64_t>(low + 10, 100);
  std::vector<ProactiveCompaction> out;
  for (const auto& [node, score] : weighted) {
    ProactiveCompaction p;
    p.node = node;
    p.low = low;
    p.high = high;
    p.compacts = proactiveness > 0 && int64_t(score) > high;
    p.score = {fmt::format("node {} fragmentation score", node),
               double(score),
               "%",
               {"Σ zones present_pages · extfrag_for_order(zone, 9) / (node present_pages + 1)",
                "fragmentation_score_node (mm/compaction.c), extfrag_for_order (mm/vmstat.c)",
                fmt::format("({}) / {} = {}; proactiveness {}: compacts above {} down to {}",
                            fmt::join(terms[node], " + "), node_present[node] + 1, score,
                            proactiveness, high, low)}};
    out.push_back(std::move(p));
  }
  return out;
}

}  // namespace mmtune::model
