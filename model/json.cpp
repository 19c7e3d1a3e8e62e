#include "model/json.hpp"

#include <cmath>

namespace mmtune::model {

using nlohmann::json;

json to_json(const Explanation& e) {
  return {{"rule", e.rule}, {"kernel_function", e.kernel_function}, {"text", e.text}};
}

json to_json(const Prediction& p) {
  json out = to_json(p.why);
  out["name"] = p.name;
  out["unit"] = p.unit;
  if (!std::isfinite(p.value)) {
    out["value"] = nullptr;
  } else if (p.value == std::floor(p.value) && std::fabs(p.value) < 9e15) {
    out["value"] = static_cast<int64_t>(p.value);
  } else {
    out["value"] = p.value;
  }
  return out;
}

json to_json(const ZoneWatermarks& z) {
  return {{"node", z.node},
          {"zone", z.zone},
          {"managed_pages", z.managed_pages},
          {"min_pages", z.min_pages},
          {"low_pages", z.low_pages},
          {"high_pages", z.high_pages},
          {"promo_pages", z.promo_pages},
          {"gap_pages", z.gap_pages},
          {"boost_pages", z.boost_pages},
          {"max_boost_pages", z.max_boost_pages},
          {"max_protection_pages", z.max_protection_pages},
          {"reserve_pages", z.reserve_pages},
          {"why", to_json(z.why)}};
}

json to_json(const DirtyLimits& d) {
  return {{"dirtyable_pages", d.dirtyable_pages},
          {"background_pages", d.background_pages},
          {"threshold_pages", d.threshold_pages},
          {"freerun_pages", d.freerun_pages},
          {"setpoint_pages", d.setpoint_pages},
          {"background_halved", d.background_halved},
          {"age_unbounded", d.age_unbounded},
          {"explain",
           {{"dirtyable", to_json(d.dirtyable)},
            {"background", to_json(d.background)},
            {"threshold", to_json(d.threshold)},
            {"freerun", to_json(d.freerun)},
            {"setpoint", to_json(d.setpoint)},
            {"worst_age_seconds", to_json(d.worst_age_seconds)}}}};
}

json to_json(const ScanBalance& b) {
  return {{"decision", std::string(to_string(b.decision))},
          {"anon_reclaimable", b.anon_reclaimable},
          {"anon_share", to_json(b.anon_share)}};
}

json to_json(const ThpPrediction& t) {
  return {{"outcome", std::string(to_string(t.outcome))},
          {"eligible", t.eligible},
          {"direct_compaction", t.direct_compaction},
          {"wakes_kcompactd", t.wakes_kcompactd},
          {"khugepaged_collapses", t.khugepaged_collapses},
          {"huge_ranges", t.huge_ranges},
          {"free_huge_blocks", t.free_huge_blocks},
          {"huge_faults", to_json(t.huge_faults)},
          {"coverage", to_json(t.coverage)},
          {"fault_bloat_bytes", to_json(t.fault_bloat_bytes)},
          {"collapse_bloat_bound_bytes", to_json(t.collapse_bloat_bound_bytes)},
          {"why", to_json(t.why)}};
}

json to_json(const FragmentationPrediction& p) {
  json zones = json::array();
  for (const ZoneIndexes& z : p.zones) {
    zones.push_back({{"node", z.node},
                     {"zone", z.zone},
                     {"free_pages", z.free_pages},
                     {"fragmentation_milli", z.fragmentation_milli},
                     {"unusable_milli", z.unusable_milli}});
  }
  json suitability = json::array();
  for (const CompactionSuitability& s : p.suitability) {
    suitability.push_back({{"node", s.node},
                           {"zone", s.zone},
                           {"verdict", to_string(s.verdict)},
                           {"fragmentation_milli", s.fragmentation_milli},
                           {"free_pages", s.free_pages},
                           {"lowmem_reserve", s.lowmem_reserve},
                           {"watermark_pages", s.watermark_pages},
                           {"why", to_json(s.why)}});
  }
  json modes = json::array();
  for (const DefragOutcome& m : p.modes) {
    modes.push_back({{"mode", m.madvised.mode},
                     {"gfp_madvised", m.madvised.gfp},
                     {"gfp_plain", m.plain.gfp},
                     {"stalls_madvised", m.stalls_madvised},
                     {"stalls_plain", m.stalls_plain},
                     {"text", m.text}});
  }
  return {{"order", p.order},
          {"extfrag_threshold", p.extfrag_threshold},
          {"verdict", to_string(p.verdict)},
          {"cause", p.cause},
          {"node", p.node},
          {"zone", p.zone},
          {"fragmentation_index", to_json(p.fragmentation_index)},
          {"unusable_index", to_json(p.unusable_index)},
          {"free_blocks", to_json(p.free_blocks)},
          {"zones", zones},
          {"suitability", suitability},
          {"modes", modes},
          {"summary", p.summary}};
}

json to_json(const HostModel& m) {
  json zones = json::array();
  for (size_t i = 0; i < m.zones.size(); ++i) {
    json zone = to_json(m.zones[i]);
    const ReclaimBands& b = m.bands[i];
    zone["bands"] = {{"direct_reclaim_below_bytes", b.direct_reclaim_below_bytes},
                     {"kswapd_wakes_below_bytes", b.kswapd_wakes_below_bytes},
                     {"kswapd_sleeps_at_bytes", b.kswapd_sleeps_at_bytes},
                     {"burst_headroom_bytes", b.burst_headroom_bytes}};
    zones.push_back(std::move(zone));
  }
  json settings = json::object();
  for (const auto& [name, value] : m.settings.values) settings[name] = value;
  json out = {{"settings", settings},
              {"min_free_kbytes", m.watermark_settings.min_free_kbytes},
              {"watermark_scale_factor", m.watermark_settings.watermark_scale_factor
                                             ? json(*m.watermark_settings.watermark_scale_factor)
                                             : json(nullptr)},
              {"expected_min_free_kbytes", to_json(m.expected_min_free_kbytes)},
              {"zones", zones},
              {"totalreserve_pages", m.totalreserve_pages},
              {"dirty_inputs",
               {{"free_pages", m.dirty_inputs.free_pages},
                {"file_lru_pages", m.dirty_inputs.file_lru_pages},
                {"totalreserve_pages", m.dirty_inputs.totalreserve_pages}}},
              {"dirty", to_json(m.dirty)},
              {"lru", m.lru == LruKind::mglru ? "mglru" : "classic"},
              {"reclaim", to_json(m.reclaim)},
              {"thp_plain", to_json(m.thp_plain)},
              {"thp_madvised", to_json(m.thp_madvised)},
              {"fragmentation", to_json(m.fragmentation)},
              {"summary", m.summary}};
  if (m.agreement) {
    const KernelAgreement& a = *m.agreement;
    auto optional = [](const std::optional<uint64_t>& v) { return v ? json(*v) : json(nullptr); };
    out["kernel_agreement"] = {{"zones_compared", a.zones_compared},
                               {"zones_matching", a.zones_matching},
                               {"kernel_threshold_pages", optional(a.kernel_threshold_pages)},
                               {"kernel_background_pages", optional(a.kernel_background_pages)}};
  }
  return out;
}

json to_json(const DemandPagingPrediction& p) {
  return {{"pages_touched", p.pages_touched},
          {"faults", to_json(p.faults)},
          {"rss_bytes", to_json(p.rss_bytes)},
          {"page_table_bytes", to_json(p.page_table_bytes)}};
}

json to_json(const ForkPrediction& p) {
  return {{"entries_copied", to_json(p.entries_copied)},
          {"page_table_bytes", to_json(p.page_table_bytes)},
          {"cow_faults", to_json(p.cow_faults)},
          {"pages_copied", to_json(p.pages_copied)},
          {"memory_growth_bytes", to_json(p.memory_growth_bytes)}};
}

json to_json(const FalseSharingPrediction& p) {
  return {{"writers_per_line", p.writers_per_line},
          {"max_writers_per_line", p.max_writers_per_line},
          {"concurrent_writers", p.concurrent_writers},
          {"slowdown", std::string(to_string(p.slowdown))},
          {"shared_lines", to_json(p.shared_lines)},
          {"expected_slowdown_low", to_json(p.expected_slowdown_low)},
          {"expected_slowdown_high", to_json(p.expected_slowdown_high)}};
}

json to_json(const NumaPlacement& p) {
  json per_node = json::object();
  for (const auto& [node, bytes] : p.bytes_per_node) per_node[std::to_string(node)] = bytes;
  return {{"alloc_node", p.alloc_node},
          {"access_node", p.access_node},
          {"bytes_per_node", per_node},
          {"balancing_may_migrate", p.balancing_may_migrate},
          {"remote_fraction", to_json(p.remote_fraction)},
          {"penalty", to_json(p.penalty)},
          {"why", to_json(p.why)}};
}

json to_json(const DioForkPrediction& p) {
  json workarounds = json::array();
  for (const Workaround& w : p.workarounds) {
    workarounds.push_back(
        {{"buffer", std::string(to_string(w.buffer))}, {"safe", w.safe}, {"why", w.why}});
  }
  return {{"kernel_affected", p.kernel_affected},
          {"verdict", std::string(to_string(p.verdict))},
          {"why", to_json(p.why)},
          {"workarounds", workarounds}};
}

json to_json(const OomPoint& p) {
  return {{"swaps", p.swaps},
          {"swap_usable", to_json(p.swap_usable)},
          {"anon_at_oom", to_json(p.anon_at_oom)}};
}

}  // namespace mmtune::model
