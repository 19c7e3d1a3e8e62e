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

nlohmann::json host_facts_to_json(const HostFacts& facts) {
  json j = facts;
  j["schema"] = kHostSchema;
  return j;
}

HostFacts host_facts_from_json(const nlohmann::json& j) {
  if (!j.is_object()) fail(ErrorKind::bad_input, "host facts: expected a JSON object");
  auto schema = j.find("schema");
  if (schema == j.end() || !schema->is_string() || schema->get<std::string>() != kHostSchema) {
    fail(ErrorKind::bad_input, "host facts: schema is {}, expected \"{}\"",
         schema == j.end() ? std::string("missing") : schema->dump(), kHostSchema);
  }
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
