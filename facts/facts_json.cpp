#include "facts/facts_json.hpp"

#include "facts/error.hpp"

namespace mmtune::facts {

using nlohmann::json;

void to_json(json& j, const Counters& c) { j = json(c.values); }
void from_json(const json& j, Counters& c) {
  c.values.clear();
  for (const auto& [key, value] : j.items()) c.values.emplace(key, value.get<uint64_t>());
}

void to_json(json& j, const Settings& s) { j = json(s.values); }
void from_json(const json& j, Settings& s) {
  s.values.clear();
  for (const auto& [key, value] : j.items()) s.values.emplace(key, value.get<std::string>());
}

void to_json(json& j, const ProcessMemory& p) {
  json per_node = json::object();
  for (const auto& [node, pages] : p.pages_per_node) per_node[std::to_string(node)] = pages;
  j = json{{"pid", p.pid},
           {"status", p.status},
           {"smaps_rollup", p.smaps_rollup},
           {"pages_per_node", per_node}};
}
void from_json(const json& j, ProcessMemory& p) {
  j.at("pid").get_to(p.pid);
  j.at("status").get_to(p.status);
  j.at("smaps_rollup").get_to(p.smaps_rollup);
  p.pages_per_node.clear();
  for (const auto& [node, pages] : j.at("pages_per_node").items()) {
    p.pages_per_node[std::stoi(node)] = pages.get<uint64_t>();
  }
}

void to_json(json& j, const HostFacts& h) {
  j = json{{"schema", kHostSchema},    {"kernel", h.kernel}, {"cpu", h.cpu},
           {"meminfo", h.meminfo},     {"vmstat", h.vmstat}, {"zones", h.zones},
           {"buddyinfo", h.buddyinfo}, {"psi", h.psi},       {"swaps", h.swaps},
           {"settings", h.settings},   {"mglru", h.mglru},   {"numa", h.numa},
           {"cgroup", h.cgroup}};
}
void from_json(const json& j, HostFacts& h) {
  if (!j.is_object()) fail(ErrorKind::bad_input, "host facts: expected a JSON object");
  auto schema = j.find("schema");
  if (schema == j.end() || !schema->is_string() || schema->get<std::string>() != kHostSchema) {
    fail(ErrorKind::bad_input, "host facts: schema is {}, expected \"{}\"",
         schema == j.end() ? std::string("missing") : schema->dump(), kHostSchema);
  }
  j.at("kernel").get_to(h.kernel);
  j.at("cpu").get_to(h.cpu);
  j.at("meminfo").get_to(h.meminfo);
  j.at("vmstat").get_to(h.vmstat);
  j.at("zones").get_to(h.zones);
  j.at("buddyinfo").get_to(h.buddyinfo);
  j.at("psi").get_to(h.psi);
  j.at("swaps").get_to(h.swaps);
  j.at("settings").get_to(h.settings);
  j.at("mglru").get_to(h.mglru);
  j.at("numa").get_to(h.numa);
  j.at("cgroup").get_to(h.cgroup);
}

nlohmann::json host_facts_to_json(const HostFacts& facts) { return json(facts); }

HostFacts host_facts_from_json(const nlohmann::json& j) {
  try {
    return j.get<HostFacts>();
  } catch (const json::exception& e) {
    // nlohmann says e.g. "[json.exception.out_of_range.403] key 'zones' not found".
    std::string what = e.what();
    if (size_t bracket = what.find("] "); bracket != std::string::npos)
      what = what.substr(bracket + 2);
    fail(ErrorKind::bad_input, "host facts: {}", what);
  }
}

}  // namespace mmtune::facts
