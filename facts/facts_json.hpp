#pragma once
// The JSON form of the host facts: schema "mmtune.host/1". Results, baselines and reports embed
// it, so it is complete (from_json(to_json(x)) == x), stable (nlohmann's object keys are sorted)
// and free of timestamps. An absent optional is null; an absent map is {}.
//
// The ADL pairs (to_json/from_json for each part) let nlohmann convert the parts directly
// (`json j = zone;`); host_facts_to_json / host_facts_from_json add and check the schema tag.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "facts/facts.hpp"

// std::optional as its value, or null when empty (nlohmann 3.11.2 has no std::optional support).
namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& value) {
    if (value) {
      j = *value;
    } else {
      j = nullptr;
    }
  }
  static void from_json(const json& j, std::optional<T>& value) {
    if (j.is_null()) {
      value.reset();
    } else {
      value = j.get<T>();
    }
  }
};
}  // namespace nlohmann

namespace mmtune::facts {

inline constexpr std::string_view kHostSchema = "mmtune.host/1";

// Tables as objects of name → value.
void to_json(nlohmann::json& j, const Counters& c);
void from_json(const nlohmann::json& j, Counters& c);
void to_json(nlohmann::json& j, const Settings& s);
void from_json(const nlohmann::json& j, Settings& s);

// The rest as objects with a key per member, named as the member. Every key must be there (the
// schema is complete); an optional member is null when absent. host_facts_from_json alone fills
// the keys added after the first documents (uptime_s, choices, cgroups, kubelet, persisted, a
// cgroup's high_bytes and peak_bytes) when a document lacks them.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(KernelInfo, release, major, minor, patch, cmdline)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(CpuInfo, online, online_list, cache_line_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(MemInfo, fields, total_bytes, free_bytes, available_bytes,
                                   active_file_bytes, inactive_file_bytes, active_anon_bytes,
                                   inactive_anon_bytes, dirty_bytes, writeback_bytes,
                                   swap_total_bytes, swap_free_bytes, anon_huge_bytes,
                                   page_tables_bytes)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Zone, node, name, free_pages, min_pages, low_pages, high_pages,
                                   promo_pages, boost_pages, spanned_pages, present_pages,
                                   managed_pages, protection)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(BuddyZone, node, zone, free_blocks)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PsiLine, avg10, avg60, avg300, total_us)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Psi, some, full)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(SwapDevice, filename, type, size_bytes, used_bytes, priority)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(NumaNode, id, cpus, cpulist, distances, mem_total_bytes,
                                   mem_free_bytes, numastat)
// high_bytes, peak_bytes, io_max and io_stat are written only where the host has them (so
// documents recorded before they existed read the same).
void to_json(nlohmann::json& j, const CgroupMemory& c);
void from_json(const nlohmann::json& j, CgroupMemory& c);

NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(PersistedSetting, knob, value, file, line, stage)
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(Persistence, assignments, files, tuned_profiles, tuned_chain,
                                   tuned_enabled)

// pages_per_node's node numbers become the keys "0", "1", ….
void to_json(nlohmann::json& j, const ProcessMemory& p);
void from_json(const nlohmann::json& j, ProcessMemory& p);
// The members only: a document needs host_facts_to_json / host_facts_from_json.
NLOHMANN_DEFINE_TYPE_NON_INTRUSIVE(HostFacts, kernel, cpu, meminfo, vmstat, zones, buddyinfo, psi,
                                   swaps, settings, mglru, numa, cgroup, uptime_s, choices, cgroups,
                                   kubelet, persisted)

// The "schema" tag of any mmtune document, or "" when there is none: not an object, no tag, or a
// tag that is not a string (nlohmann's value("schema", "") throws on the last).
std::string schema_of(const nlohmann::json& document);

// With "schema": "mmtune.host/1".
nlohmann::json host_facts_to_json(const HostFacts& facts);
// Checks the schema tag; throws Error{bad_input} ("host facts: …") when j is not a valid
// mmtune.host/1 document.
HostFacts host_facts_from_json(const nlohmann::json& j);

}  // namespace mmtune::facts
