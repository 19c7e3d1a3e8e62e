#pragma once
// The JSON form of the host facts: schema "mmtune.host/1". Results, baselines and reports embed
// it, so it is complete (from_json(to_json(x)) == x), stable (nlohmann's object keys are sorted)
// and free of timestamps. An absent optional is null; an absent map is {}.
//
// The ADL pairs (to_json/from_json for each part) let nlohmann convert the parts directly
// (`json j = zone;`); host_facts_to_json / host_facts_from_json add and check the schema tag.
#include <nlohmann/json.hpp>
#include <string_view>

#include "facts/facts.hpp"

namespace mmtune::facts {

inline constexpr std::string_view kHostSchema = "mmtune.host/1";

void to_json(nlohmann::json& j, const Counters& c);
void from_json(const nlohmann::json& j, Counters& c);
void to_json(nlohmann::json& j, const KernelInfo& k);
void from_json(const nlohmann::json& j, KernelInfo& k);
void to_json(nlohmann::json& j, const CpuInfo& c);
void from_json(const nlohmann::json& j, CpuInfo& c);
void to_json(nlohmann::json& j, const MemInfo& m);
void from_json(const nlohmann::json& j, MemInfo& m);
void to_json(nlohmann::json& j, const Zone& z);
void from_json(const nlohmann::json& j, Zone& z);
void to_json(nlohmann::json& j, const BuddyZone& b);
void from_json(const nlohmann::json& j, BuddyZone& b);
void to_json(nlohmann::json& j, const PsiLine& p);
void from_json(const nlohmann::json& j, PsiLine& p);
void to_json(nlohmann::json& j, const Psi& p);
void from_json(const nlohmann::json& j, Psi& p);
void to_json(nlohmann::json& j, const SwapDevice& s);
void from_json(const nlohmann::json& j, SwapDevice& s);
void to_json(nlohmann::json& j, const Settings& s);
void from_json(const nlohmann::json& j, Settings& s);
void to_json(nlohmann::json& j, const NumaNode& n);
void from_json(const nlohmann::json& j, NumaNode& n);
void to_json(nlohmann::json& j, const CgroupMemory& c);
void from_json(const nlohmann::json& j, CgroupMemory& c);
void to_json(nlohmann::json& j, const ProcessMemory& p);
void from_json(const nlohmann::json& j, ProcessMemory& p);
// With "schema": "mmtune.host/1".
void to_json(nlohmann::json& j, const HostFacts& h);
// Checks the schema tag; throws Error{bad_input} naming what is wrong.
void from_json(const nlohmann::json& j, HostFacts& h);

nlohmann::json host_facts_to_json(const HostFacts& facts);
// Throws Error{bad_input} ("host facts: …") when j is not a valid mmtune.host/1 document.
HostFacts host_facts_from_json(const nlohmann::json& j);

}  // namespace mmtune::facts
