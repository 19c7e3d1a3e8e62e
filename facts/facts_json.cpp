#include "facts/facts_json.hpp"

#include <vector>

#include "facts/error.hpp"

namespace mmtune::facts {

using nlohmann::json;

void to_json(json& j, const Counters& c) { j = json(c.values); }
void from_json(const json& j, Counters& c) {
  c.values.clear();
  for (const auto& [key, value] : j.items()) {
    // nlohmann casts a float such as 1e36 to uint64_t unchecked (undefined behaviour).
    if (!value.is_number_unsigned())
      fail(ErrorKind::bad_input, "counter \"{}\" is {}, not a whole number >= 0", key,
           value.dump());
    c.values.emplace(key, value.get<uint64_t>());
  }
}

void to_json(json& j, const Settings& s) { j = json(s.values); }
void from_json(const json& j, Settings& s) {
  s.values.clear();
  for (const auto& [key, value] : j.items()) s.values.emplace(key, value.get<std::string>());
}

void to_json(json& j, const CgroupMemory& c) {
  j = json{{"version", c.version},
           {"path", c.path},
           {"dir", c.dir},
           {"current_bytes", c.current_bytes},
           {"max_bytes", c.max_bytes},
           {"swap_max_bytes", c.swap_max_bytes},
           {"stat", c.stat},
           {"events", c.events},
           {"pressure", c.pressure}};
  // Present only where the host has them, so older recorded results read the same.
  if (c.high_bytes) j["high_bytes"] = *c.high_bytes;
  if (c.peak_bytes) j["peak_bytes"] = *c.peak_bytes;
  if (!c.io_max.values.empty()) j["io_max"] = c.io_max;
  if (!c.io_stat.values.empty()) j["io_stat"] = c.io_stat;
}
void from_json(const json& j, CgroupMemory& c) {
  j.at("version").get_to(c.version);
  j.at("path").get_to(c.path);
  j.at("dir").get_to(c.dir);
  j.at("current_bytes").get_to(c.current_bytes);
  j.at("max_bytes").get_to(c.max_bytes);
  j.at("swap_max_bytes").get_to(c.swap_max_bytes);
  j.at("stat").get_to(c.stat);
  j.at("events").get_to(c.events);
  j.at("pressure").get_to(c.pressure);
  if (j.contains("high_bytes")) j.at("high_bytes").get_to(c.high_bytes);
  if (j.contains("peak_bytes")) j.at("peak_bytes").get_to(c.peak_bytes);
  if (j.contains("io_max")) j.at("io_max").get_to(c.io_max);
  if (j.contains("io_stat")) j.at("io_stat").get_to(c.io_stat);
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

namespace {

// Keys that mmtune.host/1 gained after documents were first written (results, baselines): a
// document without them reads as a host that recorded none of it (null, empty), so an older
// baseline still compares. Every other key must be there.
json with_later_keys(const json& j) {
  json out = j;
  const auto add = [](json& object, const char* key, json value) {
    if (object.is_object() && !object.contains(key)) object[key] = std::move(value);
  };
  for (const auto& [key, value] : {std::pair<const char*, json>{"uptime_s", nullptr},
                                   {"choices", json::object()},
                                   {"cgroups", json::array()},
                                   {"kubelet", nullptr},
                                   {"persisted", Persistence{}}}) {
    add(out, key, value);
  }
  const auto cgroup_keys = [&](json& cg) {
    add(cg, "high_bytes", nullptr);
    add(cg, "peak_bytes", nullptr);
  };
  if (out.contains("cgroup")) cgroup_keys(out["cgroup"]);
  if (out["cgroups"].is_array()) {
    for (json& cg : out["cgroups"]) cgroup_keys(cg);
  }
  return out;
}

// Every member of the host facts that is a float (PSI shares, uptime) lies in [0, 2^31); the
// rest are integers. A float elsewhere is cast by nlohmann to the member's integer type unchecked,
// which is undefined behaviour out of range (1e36, -5.0): refuse it before the conversion.
void refuse_floats_out_of_range(const json& document) {
  std::vector<const json*> pending{&document};  // not recursive: a document may nest deeply
  while (!pending.empty()) {
    const json& j = *pending.back();
    pending.pop_back();
    if (j.is_number_float()) {
      const double x = j.get<double>();
      if (!(x > -1.0 && x < 2147483648.0))
        fail(ErrorKind::bad_input, "host facts: the number {} is out of range", j.dump());
    }
    if (j.is_structured())
      for (const json& member : j) pending.push_back(&member);
  }
}

}  // namespace

std::string schema_of(const nlohmann::json& document) {
  if (!document.is_object()) return "";
  auto schema = document.find("schema");
  return schema != document.end() && schema->is_string() ? schema->get<std::string>() : "";
}

HostFacts host_facts_from_json(const nlohmann::json& j) {
  if (!j.is_object()) fail(ErrorKind::bad_input, "host facts: expected a JSON object");
  auto schema = j.find("schema");
  if (schema == j.end() || !schema->is_string() || schema->get<std::string>() != kHostSchema) {
    fail(ErrorKind::bad_input, "host facts: schema is {}, expected \"{}\"",
         schema == j.end() ? std::string("missing") : schema->dump(), kHostSchema);
  }
  refuse_floats_out_of_range(j);
  try {
    return with_later_keys(j).get<HostFacts>();
  } catch (const json::exception& e) {
    // nlohmann says e.g. "[json.exception.out_of_range.403] key 'zones' not found".
    std::string what = e.what();
    if (size_t bracket = what.find("] "); bracket != std::string::npos)
      what = what.substr(bracket + 2);
    fail(ErrorKind::bad_input, "host facts: {}", what);
  }
}

}  // namespace mmtune::facts
