// The model of a whole host: every per-topic model applied to one snapshot.
//
// Inputs are taken where the kernel takes them, from one snapshot: managed pages and lowmem_reserve
// from /proc/zoneinfo (the marks are a function of managed pages, which grow on hosts that
// initialise memory lazily), free memory for the dirty limits from MemFree, the file LRU from
// /proc/vmstat, free 2 MiB blocks from /proc/buddyinfo. For a what-if only the settings change;
// the memory stays as read.
//
// Plain words, e.g. for this machine's Normal zone and defaults:
//   kswapd wakes when free memory in zone Normal falls below 36.7 MiB and reclaims until 44.0 MiB;
//   allocations stall in direct reclaim below 29.4 MiB.
//   writers are throttled once dirty pages exceed 3.3 GiB; the hard limit is 4.4 GiB.
#include "model/host_model.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "facts/units.hpp"

namespace mmtune::model {
namespace {

bool thp_enabled(const facts::Settings& settings) {
  const std::string mode = pmd_thp_mode(settings);  // khugepaged runs for PMD THP only
  return mode == "always" || mode == "madvise";
}

std::vector<std::string> plain_words(const HostModel& m) {
  std::vector<std::string> lines;
  for (size_t i = 0; i < m.zones.size(); ++i) {
    const ZoneWatermarks& z = m.zones[i];
    const ReclaimBands& b = m.bands[i];
    lines.push_back(fmt::format(
        "kswapd wakes when free memory in zone {}{} falls below {} and reclaims until {}; "
        "allocations "
        "stall in direct reclaim below {}",
        z.zone, m.zones.size() > 3 ? fmt::format(" (node {})", z.node) : "",
        facts::format_bytes(b.kswapd_wakes_below_bytes),
        facts::format_bytes(b.kswapd_sleeps_at_bytes),
        facts::format_bytes(b.direct_reclaim_below_bytes)));
  }
  const DirtyLimits& d = m.dirty;
  lines.push_back(fmt::format(
      "background writeback starts above {} of dirty pages; writers are throttled once dirty pages "
      "exceed {} "
      "and settle near {}; the hard limit is {} (of {} dirtyable)",
      facts::format_bytes(d.background_pages * kPageSize),
      facts::format_bytes(d.freerun_pages * kPageSize),
      facts::format_bytes(d.setpoint_pages * kPageSize),
      facts::format_bytes(d.threshold_pages * kPageSize),
      facts::format_bytes(d.dirtyable_pages * kPageSize)));
  lines.push_back(
      d.age_unbounded
          ? std::string("periodic writeback is off: dirty data below the background "
                        "threshold may stay unwritten indefinitely")
          : fmt::format("dirty data is written back at the latest {:.0f} s after it was "
                        "dirtied",
                        d.worst_age_seconds.value));
  const double anon = m.reclaim.anon_share.value;
  lines.push_back(fmt::format(
      "reclaim ({} LRU, swappiness {}): {}{}", m.lru == LruKind::mglru ? "MGLRU" : "classic",
      m.settings.text("vm.swappiness").value_or("?"), to_string(m.reclaim.decision),
      m.reclaim.decision == ScanDecision::fraction
          ? fmt::format(", anon:file = {:.0f}:{:.0f} at equal IO cost", anon * 100,
                        (1 - anon) * 100)
          : std::string(" — ") + m.reclaim.anon_share.why.rule));
  auto thp_line = [](std::string_view who, const ThpPrediction& p) {
    return fmt::format("THP for {}: {}", who, to_string(p.outcome));
  };
  if (m.settings.text("thp.enabled")) {
    lines.push_back(thp_line("plain anonymous memory", m.thp_plain) + "; " +
                    thp_line("MADV_HUGEPAGE regions", m.thp_madvised) +
                    fmt::format(" ({} free 2 MiB blocks)", m.thp_plain.free_huge_blocks));
  } else {
    lines.push_back("THP: not available on this kernel");
  }
  if (!m.fragmentation.zones.empty()) lines.push_back("free memory " + m.fragmentation.summary);
  const double configured = double(m.watermark_settings.min_free_kbytes);
  lines.push_back(
      configured == m.expected_min_free_kbytes.value
          ? fmt::format("min_free_kbytes {} kB is what the kernel computes itself ({})",
                        m.watermark_settings.min_free_kbytes, m.expected_min_free_kbytes.why.text)
      : m.agreement
          ? fmt::format("min_free_kbytes {} kB differs from the {} kB the kernel computes itself: "
                        "set with sysctl, or memory changed since",
                        m.watermark_settings.min_free_kbytes, m.expected_min_free_kbytes.value)
          : fmt::format(
                "min_free_kbytes {} kB (the kernel's own choice for this memory and THP mode "
                "would be {} kB)",
                m.watermark_settings.min_free_kbytes, m.expected_min_free_kbytes.value));
  return lines;
}

}  // namespace

KernelAgreement compare_with_kernel(const std::vector<ZoneWatermarks>& model,
                                    const std::vector<facts::Zone>& zones,
                                    const facts::Counters& vmstat) {
  KernelAgreement agreement;
  for (const ZoneWatermarks& z : model) {
    auto it = std::find_if(zones.begin(), zones.end(), [&](const facts::Zone& zone) {
      return zone.node == z.node && zone.name == z.zone;
    });
    if (it == zones.end()) continue;
    ++agreement.zones_compared;
    if (it->min_pages == z.min_pages + z.boost_pages &&
        it->low_pages == z.low_pages + z.boost_pages &&
        it->high_pages == z.high_pages + z.boost_pages) {
      ++agreement.zones_matching;
    }
  }
  agreement.kernel_threshold_pages = vmstat.get("nr_dirty_threshold");
  agreement.kernel_background_pages = vmstat.get("nr_dirty_background_threshold");
  return agreement;
}

HostModel model_host(const facts::HostFacts& facts, const facts::Settings& settings) {
  HostModel m;
  m.settings = settings;
  m.watermark_settings = watermark_settings_from(settings);
  m.expected_min_free_kbytes =
      expected_min_free_kbytes(facts.zones, thp_enabled(settings), facts.kernel);
  m.zones = zone_watermarks(facts.zones, m.watermark_settings, facts.kernel);
  for (const ZoneWatermarks& zone : m.zones) m.bands.push_back(reclaim_bands(zone));
  m.totalreserve_pages = totalreserve_pages(m.zones);
  m.dirty_inputs = dirty_inputs_from(facts, m.totalreserve_pages);
  m.dirty = dirty_limits(m.dirty_inputs, dirty_settings_from(settings), facts.kernel);

  m.lru = facts.mglru_enabled() ? LruKind::mglru : LruKind::classic;
  uint64_t total_high = 0;
  for (const ZoneWatermarks& zone : m.zones) total_high += zone.high_pages;
  ReclaimShape reclaim;
  reclaim.swappiness = int(settings.integer("vm.swappiness").value_or(60));
  reclaim.lru = m.lru;
  reclaim.swap_available = facts.meminfo.swap_free_bytes > 0;
  reclaim.file_is_tiny = m.dirty_inputs.file_lru_pages + m.dirty_inputs.free_pages <= total_high;
  m.reclaim = scan_balance(reclaim);

  ThpShape region{.region_bytes = kGiB};
  m.thp_plain = predict_thp(region, settings, facts.buddyinfo);
  region.madv_hugepage = true;
  m.thp_madvised = predict_thp(region, settings, facts.buddyinfo);
  facts::HostFacts with_settings = facts;
  with_settings.settings = settings;
  m.fragmentation = predict_fragmentation(with_settings);
  m.summary = plain_words(m);
  return m;
}

HostModel model_host(const facts::HostFacts& facts) {
  HostModel m = model_host(facts, facts.settings);
  m.agreement = compare_with_kernel(m.zones, facts.zones, facts.vmstat);
  // Again: with the agreement known, the min_free_kbytes line speaks of this host's own value.
  m.summary = plain_words(m);
  return m;
}

}  // namespace mmtune::model
