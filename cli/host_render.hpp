#pragma once
// How `mmtune host` shows the host facts: the readable summary and the --json document.
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "facts/facts.hpp"
#include "probes/readers.hpp"

namespace mmtune::cli {

// The host facts (schema mmtune.host/1) plus "thresholds": what the model derives from them.
nlohmann::json host_json(const facts::HostFacts& facts);

// The terminal summary; root is where the facts were read ("/" or a recorded host).
std::string host_text(const facts::HostFacts& facts, const std::string& root);

// The cgroup v2 memory cgroups at or near their ceiling (probes::memory_cgroups_near_limit): path,
// usage against memory.max / memory.high, memory.events and memory.pressure. The text is empty
// when there are none.
nlohmann::json cgroups_near_limit_json(const std::vector<probes::CgroupNearLimit>& cgroups);
std::string cgroups_near_limit_text(const std::vector<probes::CgroupNearLimit>& cgroups,
                                    double fraction);

}  // namespace mmtune::cli
