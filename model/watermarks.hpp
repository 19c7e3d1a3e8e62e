#pragma once
// Free-memory reserves: the default min_free_kbytes, the THP bump, per-zone min/low/high/promo
// watermarks, watermark boost, totalreserve_pages, and the bands in which kswapd runs and
// allocations stall. See the essay in watermarks.cpp.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/prediction.hpp"

namespace mmtune::model {

// Settings that shape the watermarks. watermark_scale_factor is absent on kernels before 4.6 (the
// gaps are then min/4 and min/2); watermark_boost_factor before 5.0.
struct WatermarkSettings {
  uint64_t min_free_kbytes = 0;
  std::optional<int64_t> watermark_scale_factor = 10;
  std::optional<int64_t> watermark_boost_factor = 15000;
};
// Reads vm.min_free_kbytes, vm.watermark_scale_factor and vm.watermark_boost_factor (absent stays
// absent). Throws Error{unsupported} when vm.min_free_kbytes is missing.
WatermarkSettings watermark_settings_from(const facts::Settings& settings);

struct ZoneWatermarks {
  int node = 0;
  std::string zone;            // "DMA", "DMA32", "Normal", "Movable", "HighMem"
  uint64_t managed_pages = 0;  // the input: managed pages when the marks were computed
  uint64_t min_pages = 0, low_pages = 0, high_pages = 0, promo_pages = 0;  // without boost
  uint64_t gap_pages = 0;             // low − min = high − low
  uint64_t boost_pages = 0;           // current boost (as read); the effective marks add it
  uint64_t max_boost_pages = 0;       // ceiling of the boost; 0 when boosting is off for this zone
  uint64_t max_protection_pages = 0;  // largest lowmem_reserve entry (read from zoneinfo)
  uint64_t reserve_pages = 0;         // this zone's part of totalreserve_pages
  Explanation why;                    // the arithmetic of min, low and high
};

// Watermarks of every zone with managed pages (zones with managed == 0 are skipped, as the
// allocator never uses them). Mirrors __setup_per_zone_wmarks for kernel; the current boost and
// the lowmem_reserve are taken from the zones as read. Throws Error{unsupported} when no zone has
// managed pages.
std::vector<ZoneWatermarks> zone_watermarks(const std::vector<facts::Zone>& zones,
                                            const WatermarkSettings& settings,
                                            const facts::KernelInfo& kernel);

// Σ min(high + max lowmem_reserve, managed) over zones: what dirty limits and overcommit treat as
// reserved (calculate_totalreserve_pages).
uint64_t totalreserve_pages(const std::vector<ZoneWatermarks>& zones);

// nr_free_buffer_pages(): Σ max(0, managed − high) over zones up to Normal, in pages, using the
// high marks given (the zones as read, or freshly computed ones).
uint64_t free_buffer_pages(const std::vector<facts::Zone>& zones);

// calculate_min_free_kbytes(): int_sqrt(lowmem_kbytes · 16), clamped to [128, 262144] (65536 before
// 5.7).
Prediction default_min_free_kbytes(uint64_t lowmem_kbytes, const facts::KernelInfo& kernel);
// set_recommended_min_free_kbytes(): 11 pageblocks per populated zone up to Normal, at most 5 % of
// nr_free_buffer_pages, in kB. populated_zones counts zones with present pages, over all nodes.
Prediction thp_recommended_min_free_kbytes(uint64_t populated_zones, uint64_t free_buffer_pages);
// Populated zones (present pages > 0) up to Normal, over all nodes: what the THP bump counts.
uint64_t thp_counted_zones(const std::vector<facts::Zone>& zones);

// The min_free_kbytes the kernel computes by itself for these zones: the default, raised to the THP
// recommendation when THP is enabled (always|madvise). A different value on the host means someone
// wrote the sysctl (or memory changed since).
Prediction expected_min_free_kbytes(const std::vector<facts::Zone>& zones, bool thp_enabled,
                                    const facts::KernelInfo& kernel);

// The reclaim bands of one zone in bytes, effective marks (boost included):
//   free ≤ min             allocations that may block enter direct reclaim (allocstall)
//   min < free ≤ low       kswapd is woken (the fast path fails at low)
//   low < free < high      kswapd, once woken, keeps reclaiming until free ≥ high
struct ReclaimBands {
  uint64_t direct_reclaim_below_bytes = 0;  // min
  uint64_t kswapd_wakes_below_bytes = 0;    // low
  uint64_t kswapd_sleeps_at_bytes = 0;      // high
  uint64_t burst_headroom_bytes = 0;        // low − min: what a burst may take before stalls
  Explanation why;
};
ReclaimBands reclaim_bands(const ZoneWatermarks& zone);

}  // namespace mmtune::model
