// Free-memory reserves: min_free_kbytes and the zone watermarks.
//
// Default min_free_kbytes — calculate_min_free_kbytes() (mm/page_alloc.c), run at boot and whenever
// memory is added (init_per_zone_wmark_min):
//   lowmem_kbytes = nr_free_buffer_pages() · 4        Σ max(0, managed − high) for zones ≤ Normal
//   new = int_sqrt(lowmem_kbytes · 16)                = 4·√lowmem_kbytes
//   min_free_kbytes = clamp(new, 128, 262144)         (cap 65536 before 5.7)
// unless the sysctl was written (user_min_free_kbytes) and new is not larger: a recomputation never
// lowers a user value. 1 GiB → 4096 kB, 4 GiB → 8192, 16 GiB → 16384, 64 GiB → 32768.
//
// THP bump — set_recommended_min_free_kbytes() (mm/khugepaged.c), run when khugepaged starts
// (enabled = always|madvise) and after memory is added:
//   rec = pageblock (512) · zones · (2 + MIGRATE_PCPTYPES² = 9)   zones: populated, ≤ Normal, all
//   nodes rec = min(rec, nr_free_buffer_pages / 20) pages; if rec·4 kB > min_free_kbytes it
//   replaces it,
// even a user value. 3 zones → 16896 pages = 67584 kB; 2 zones → 45056 kB; 4 zones → 90112 kB.
// Disabling THP (≈6.5+) recomputes the default instead.
//
// Per-zone watermarks — __setup_per_zone_wmarks(), re-run on every write of min_free_kbytes or
// watermark_scale_factor and when memory is added:
//   pages_min = min_free_kbytes / 4
//   lowmem    = Σ managed of zones that are neither HighMem nor (6.1+) Movable
//   tmp       = pages_min · managed / lowmem                      (proportional share)
//   min       = tmp; HighMem and (6.1+) Movable: clamp(managed/1024, 32, 128)
//   gap       = max(tmp/4, managed · watermark_scale_factor / 10000)
//   low = min + gap, high = low + gap, promo = high + gap       (4.6+; before: low = min + tmp/4,
//                                                                 high = min + tmp/2)
// The printed marks add the current boost (wmark_pages = _watermark + watermark_boost).
// totalreserve_pages = Σ min(high + max lowmem_reserve, managed) (calculate_totalreserve_pages):
// what the dirty limits subtract from free memory.
//
// Boost — boost_watermark(): after a fragmentation fallback a zone's boost grows by one pageblock
// (512 pages), up to max(512, high · watermark_boost_factor / 10000); off for factor 0 and for
// zones smaller than 4 pageblocks. kswapd reclaims the boost away without writing or swapping.
//
// Bands (get_page_from_freelist, __alloc_pages_slowpath, wakeup_kswapd, pgdat_balanced): below low
// the fast path fails and kswapd is woken; it reclaims until high. Below min, allocations that may
// block reclaim directly (allocstall); __GFP_HIGH and atomic allocations may dip to min/2 and less.
//
// Assumptions: 4 KiB pages, 64-bit (no HighMem unless a zone says so); the managed pages and the
// lowmem_reserve are those of the same read of /proc/zoneinfo. On hosts that initialise memory
// lazily, managed grows and the kernel recomputes the marks: compute from the managed pages read
// at the same moment.
//
// Worked example (a 64 GiB host, one Normal zone of 16 M pages, THP on; docs/model.md works one
// through on this project's test machine):
// min_free_kbytes = 67584 → pages_min 16896 = min ≈ 66 MiB; gap = max(4224, 16777) = 16777 pages
// → low ≈ 131 MiB, high ≈ 197 MiB. With watermark_scale_factor 200 the gap is 335544 pages
// (1.3 GiB): kswapd wakes 1.2 GiB earlier and reclaims 1.2 GiB more per wake-up.
#include "model/watermarks.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "facts/error.hpp"
#include "facts/units.hpp"

namespace mmtune::model {
namespace {

constexpr uint64_t kSwapClusterMax = 32;
constexpr uint64_t kMigratePcpTypes = 3;

bool is_highmem(const std::string& zone) { return zone == "HighMem"; }

// Zones up to ZONE_NORMAL: what GFP_USER may use (gfp_zone(GFP_USER) == ZONE_NORMAL).
bool up_to_normal(const std::string& zone) {
  return zone == "DMA" || zone == "DMA32" || zone == "Normal";
}

uint64_t int_sqrt(uint64_t x) {
  uint64_t r = static_cast<uint64_t>(std::sqrt(double(x)));
  while (r * r > x) --r;
  while ((r + 1) * (r + 1) <= x) ++r;
  return r;
}

std::optional<int64_t> optional_setting(const facts::Settings& settings, std::string_view knob) {
  return settings.integer(knob);
}

}  // namespace

WatermarkSettings watermark_settings_from(const facts::Settings& settings) {
  auto min_free = settings.integer("vm.min_free_kbytes");
  if (!min_free || *min_free < 0)
    fail(ErrorKind::unsupported, "vm.min_free_kbytes is missing from the settings");
  return {uint64_t(*min_free), optional_setting(settings, "vm.watermark_scale_factor"),
          optional_setting(settings, "vm.watermark_boost_factor")};
}

std::vector<ZoneWatermarks> zone_watermarks(const std::vector<facts::Zone>& zones,
                                            const WatermarkSettings& settings,
                                            const facts::KernelInfo& kernel) {
  const bool movable_capped = kernel_at_least(kernel, 6, 1);
  auto capped = [&](const std::string& zone) {
    return is_highmem(zone) || (movable_capped && zone == "Movable");
  };
  const uint64_t pages_min = settings.min_free_kbytes >> 2;
  uint64_t lowmem = 0;
  for (const facts::Zone& zone : zones) {
    if (!capped(zone.name)) lowmem += zone.managed_pages;
  }
  if (lowmem == 0) fail(ErrorKind::unsupported, "zoneinfo: no zone has managed pages");

  std::vector<ZoneWatermarks> out;
  for (const facts::Zone& zone : zones) {
    if (zone.managed_pages == 0) continue;
    ZoneWatermarks z;
    z.node = zone.node;
    z.zone = zone.name;
    z.managed_pages = zone.managed_pages;
    const uint64_t tmp = pages_min * zone.managed_pages / lowmem;
    std::string min_text;
    if (capped(zone.name)) {
      z.min_pages = std::clamp<uint64_t>(zone.managed_pages / 1024, kSwapClusterMax, 128);
      min_text = fmt::format("min = clamp(managed/1024, 32, 128) = {}", z.min_pages);
    } else {
      z.min_pages = tmp;
      min_text = fmt::format("min = {}·{}/{} = {}", pages_min, zone.managed_pages, lowmem, tmp);
    }
    std::string gap_text;
    if (settings.watermark_scale_factor) {
      const uint64_t scaled =
          zone.managed_pages * uint64_t(*settings.watermark_scale_factor) / 10000;
      z.gap_pages = std::max(tmp >> 2, scaled);
      z.low_pages = z.min_pages + z.gap_pages;
      z.high_pages = z.low_pages + z.gap_pages;
      z.promo_pages = z.high_pages + z.gap_pages;
      gap_text = fmt::format("gap = max({}, {}) = {}", tmp >> 2, scaled, z.gap_pages);
    } else {  // before 4.6
      z.gap_pages = tmp >> 2;
      z.low_pages = z.min_pages + (tmp >> 2);
      z.high_pages = z.min_pages + (tmp >> 1);
      z.promo_pages = z.high_pages;
      gap_text = fmt::format("low = min + {}, high = min + {}", tmp >> 2, tmp >> 1);
    }
    z.boost_pages = zone.boost_pages.value_or(0);
    const int64_t boost_factor = settings.watermark_boost_factor.value_or(0);
    if (boost_factor > 0 && kPagesPerHugePage * 4 <= zone.managed_pages) {
      z.max_boost_pages =
          std::max(kPagesPerHugePage, z.high_pages * uint64_t(boost_factor) / 10000);
    }
    for (uint64_t protection : zone.protection)
      z.max_protection_pages = std::max(z.max_protection_pages, protection);
    z.reserve_pages = std::min(z.high_pages + z.max_protection_pages, zone.managed_pages);
    z.why = {
        settings.watermark_scale_factor
            ? "min = pages_min·managed/lowmem; gap = max(min/4, managed·wsf/10000); low = min + "
              "gap; "
              "high = low + gap"
            : "min = pages_min·managed/lowmem; low = min + min/4; high = min + min/2 (before 4.6)",
        "__setup_per_zone_wmarks (mm/page_alloc.c)",
        fmt::format("{}; {}; low = {}, high = {} pages", min_text, gap_text, z.low_pages,
                    z.high_pages)};
    out.push_back(std::move(z));
  }
  return out;
}

uint64_t totalreserve_pages(const std::vector<ZoneWatermarks>& zones) {
  uint64_t total = 0;
  for (const ZoneWatermarks& zone : zones) total += zone.reserve_pages;
  return total;
}

uint64_t free_buffer_pages(const std::vector<facts::Zone>& zones) {
  uint64_t sum = 0;
  for (const facts::Zone& zone : zones) {
    if (up_to_normal(zone.name) && zone.managed_pages > zone.high_pages) {
      sum += zone.managed_pages - zone.high_pages;
    }
  }
  return sum;
}

Prediction default_min_free_kbytes(uint64_t lowmem_kbytes, const facts::KernelInfo& kernel) {
  const uint64_t cap = kernel_at_least(kernel, 5, 7) ? 262144 : 65536;
  const uint64_t root = int_sqrt(lowmem_kbytes * 16);
  const uint64_t value = std::clamp<uint64_t>(root, 128, cap);
  return {"default_min_free_kbytes",
          double(value),
          "kB",
          {fmt::format("min_free_kbytes = clamp(int_sqrt(lowmem_kbytes·16), 128, {})", cap),
           "calculate_min_free_kbytes (mm/page_alloc.c)",
           fmt::format("= clamp(int_sqrt({}·16) = {}, 128, {}) = {} kB", lowmem_kbytes, root, cap,
                       value)}};
}

Prediction thp_recommended_min_free_kbytes(uint64_t populated_zones, uint64_t free_buffer) {
  const uint64_t wanted =
      kPagesPerHugePage * populated_zones * (2 + kMigratePcpTypes * kMigratePcpTypes);
  const uint64_t ceiling = free_buffer / 20;
  const uint64_t pages = std::min(wanted, ceiling);
  const uint64_t kbytes = pages * (kPageSize / kKiB);
  return {"thp_recommended_min_free_kbytes",
          double(kbytes),
          "kB",
          {"rec = min(512·zones·11, nr_free_buffer_pages/20) pages",
           "set_recommended_min_free_kbytes (mm/khugepaged.c)",
           fmt::format("= min(512·{}·11 = {}, {}/20 = {}) = {} pages = {} kB", populated_zones,
                       wanted, free_buffer, ceiling, pages, kbytes)}};
}

uint64_t thp_counted_zones(const std::vector<facts::Zone>& zones) {
  return std::count_if(zones.begin(), zones.end(), [](const facts::Zone& zone) {
    return up_to_normal(zone.name) && zone.present_pages > 0;
  });
}

Prediction expected_min_free_kbytes(const std::vector<facts::Zone>& zones, bool thp_enabled,
                                    const facts::KernelInfo& kernel) {
  const uint64_t free_buffer = free_buffer_pages(zones);
  Prediction standard = default_min_free_kbytes(free_buffer * (kPageSize / kKiB), kernel);
  if (!thp_enabled) {
    standard.name = "expected_min_free_kbytes";
    return standard;
  }
  Prediction bump = thp_recommended_min_free_kbytes(thp_counted_zones(zones), free_buffer);
  const bool bumped = bump.value > standard.value;
  return {"expected_min_free_kbytes",
          std::max(bump.value, standard.value),
          "kB",
          {"default, raised to the THP recommendation while khugepaged runs",
           "calculate_min_free_kbytes + set_recommended_min_free_kbytes",
           fmt::format("max(default {} kB, THP {} kB) = {} kB", standard.value, bump.value,
                       bumped ? bump.value : standard.value)}};
}

ReclaimBands reclaim_bands(const ZoneWatermarks& zone) {
  ReclaimBands bands;
  const uint64_t min = zone.min_pages + zone.boost_pages, low = zone.low_pages + zone.boost_pages,
                 high = zone.high_pages + zone.boost_pages;
  bands.direct_reclaim_below_bytes = min * kPageSize;
  bands.kswapd_wakes_below_bytes = low * kPageSize;
  bands.kswapd_sleeps_at_bytes = high * kPageSize;
  bands.burst_headroom_bytes = (low - min) * kPageSize;
  bands.why = {
      "kswapd wakes below low and reclaims up to high; below min allocations reclaim directly",
      "wakeup_kswapd / pgdat_balanced / __alloc_pages_slowpath (mm/vmscan.c, mm/page_alloc.c)",
      fmt::format("zone {}: direct reclaim ≤ {}, kswapd wakes < {}, sleeps at {}", zone.zone,
                  facts::format_bytes(bands.direct_reclaim_below_bytes),
                  facts::format_bytes(bands.kswapd_wakes_below_bytes),
                  facts::format_bytes(bands.kswapd_sleeps_at_bytes))};
  return bands;
}

}  // namespace mmtune::model
