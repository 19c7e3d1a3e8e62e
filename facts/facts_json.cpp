#include "facts/facts_json.hpp"

#include "facts/error.hpp"

namespace mmtune::facts {
namespace {

using nlohmann::json;

template <typename T>
json optional_json(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

// A missing key is an error (the schema is complete); null means absent.
template <typename T>
void read_optional(const json& j, const char* key, std::optional<T>& out) {
  const json& value = j.at(key);
  if (value.is_null())
    out.reset();
  else
    out = value.get<T>();
}

}  // namespace

void to_json(json& j, const Counters& c) { j = json(c.values); }
void from_json(const json& j, Counters& c) {
  c.values.clear();
  for (const auto& [key, value] : j.items()) c.values.emplace(key, value.get<uint64_t>());
}

void to_json(json& j, const KernelInfo& k) {
  j = json{{"release", k.release},
           {"major", k.major},
           {"minor", k.minor},
           {"patch", k.patch},
           {"cmdline", optional_json(k.cmdline)}};
}
void from_json(const json& j, KernelInfo& k) {
  j.at("release").get_to(k.release);
  j.at("major").get_to(k.major);
  j.at("minor").get_to(k.minor);
  j.at("patch").get_to(k.patch);
  read_optional(j, "cmdline", k.cmdline);
}

void to_json(json& j, const CpuInfo& c) {
  j = json{{"online", c.online},
           {"online_list", c.online_list},
           {"cache_line_bytes", optional_json(c.cache_line_bytes)}};
}
void from_json(const json& j, CpuInfo& c) {
  j.at("online").get_to(c.online);
  j.at("online_list").get_to(c.online_list);
  read_optional(j, "cache_line_bytes", c.cache_line_bytes);
}

void to_json(json& j, const MemInfo& m) {
  j = json{{"fields", m.fields},
           {"total_bytes", m.total_bytes},
           {"free_bytes", m.free_bytes},
           {"available_bytes", optional_json(m.available_bytes)},
           {"active_file_bytes", m.active_file_bytes},
           {"inactive_file_bytes", m.inactive_file_bytes},
           {"active_anon_bytes", m.active_anon_bytes},
           {"inactive_anon_bytes", m.inactive_anon_bytes},
           {"dirty_bytes", m.dirty_bytes},
           {"writeback_bytes", m.writeback_bytes},
           {"swap_total_bytes", m.swap_total_bytes},
           {"swap_free_bytes", m.swap_free_bytes},
           {"anon_huge_bytes", optional_json(m.anon_huge_bytes)},
           {"page_tables_bytes", m.page_tables_bytes}};
}
void from_json(const json& j, MemInfo& m) {
  j.at("fields").get_to(m.fields);
  j.at("total_bytes").get_to(m.total_bytes);
  j.at("free_bytes").get_to(m.free_bytes);
  read_optional(j, "available_bytes", m.available_bytes);
  j.at("active_file_bytes").get_to(m.active_file_bytes);
  j.at("inactive_file_bytes").get_to(m.inactive_file_bytes);
  j.at("active_anon_bytes").get_to(m.active_anon_bytes);
  j.at("inactive_anon_bytes").get_to(m.inactive_anon_bytes);
  j.at("dirty_bytes").get_to(m.dirty_bytes);
  j.at("writeback_bytes").get_to(m.writeback_bytes);
  j.at("swap_total_bytes").get_to(m.swap_total_bytes);
  j.at("swap_free_bytes").get_to(m.swap_free_bytes);
  read_optional(j, "anon_huge_bytes", m.anon_huge_bytes);
  j.at("page_tables_bytes").get_to(m.page_tables_bytes);
}

void to_json(json& j, const Zone& z) {
  j = json{{"node", z.node},
           {"name", z.name},
           {"free_pages", z.free_pages},
           {"min_pages", z.min_pages},
           {"low_pages", z.low_pages},
           {"high_pages", z.high_pages},
           {"promo_pages", optional_json(z.promo_pages)},
           {"boost_pages", optional_json(z.boost_pages)},
           {"spanned_pages", z.spanned_pages},
           {"present_pages", z.present_pages},
           {"managed_pages", z.managed_pages},
           {"protection", z.protection}};
}
void from_json(const json& j, Zone& z) {
  j.at("node").get_to(z.node);
  j.at("name").get_to(z.name);
  j.at("free_pages").get_to(z.free_pages);
  j.at("min_pages").get_to(z.min_pages);
  j.at("low_pages").get_to(z.low_pages);
  j.at("high_pages").get_to(z.high_pages);
  read_optional(j, "promo_pages", z.promo_pages);
  read_optional(j, "boost_pages", z.boost_pages);
  j.at("spanned_pages").get_to(z.spanned_pages);
  j.at("present_pages").get_to(z.present_pages);
  j.at("managed_pages").get_to(z.managed_pages);
  j.at("protection").get_to(z.protection);
}

void to_json(json& j, const BuddyZone& b) {
  j = json{{"node", b.node}, {"zone", b.zone}, {"free_blocks", b.free_blocks}};
}
void from_json(const json& j, BuddyZone& b) {
  j.at("node").get_to(b.node);
  j.at("zone").get_to(b.zone);
  j.at("free_blocks").get_to(b.free_blocks);
}

void to_json(json& j, const PsiLine& p) {
  j = json{{"avg10", p.avg10}, {"avg60", p.avg60}, {"avg300", p.avg300}, {"total_us", p.total_us}};
}
void from_json(const json& j, PsiLine& p) {
  j.at("avg10").get_to(p.avg10);
  j.at("avg60").get_to(p.avg60);
  j.at("avg300").get_to(p.avg300);
  j.at("total_us").get_to(p.total_us);
}

void to_json(json& j, const Psi& p) { j = json{{"some", p.some}, {"full", optional_json(p.full)}}; }
void from_json(const json& j, Psi& p) {
  j.at("some").get_to(p.some);
  read_optional(j, "full", p.full);
}

void to_json(json& j, const SwapDevice& s) {
  j = json{{"filename", s.filename},
           {"type", s.type},
           {"size_bytes", s.size_bytes},
           {"used_bytes", s.used_bytes},
           {"priority", s.priority}};
}
void from_json(const json& j, SwapDevice& s) {
  j.at("filename").get_to(s.filename);
  j.at("type").get_to(s.type);
  j.at("size_bytes").get_to(s.size_bytes);
  j.at("used_bytes").get_to(s.used_bytes);
  j.at("priority").get_to(s.priority);
}

void to_json(json& j, const Settings& s) { j = json(s.values); }
void from_json(const json& j, Settings& s) {
  s.values.clear();
  for (const auto& [key, value] : j.items()) s.values.emplace(key, value.get<std::string>());
}

void to_json(json& j, const NumaNode& n) {
  j = json{{"id", n.id},
           {"cpus", n.cpus},
           {"cpulist", n.cpulist},
           {"distances", n.distances},
           {"mem_total_bytes", optional_json(n.mem_total_bytes)},
           {"mem_free_bytes", optional_json(n.mem_free_bytes)},
           {"numastat", n.numastat}};
}
void from_json(const json& j, NumaNode& n) {
  j.at("id").get_to(n.id);
  j.at("cpus").get_to(n.cpus);
  j.at("cpulist").get_to(n.cpulist);
  j.at("distances").get_to(n.distances);
  read_optional(j, "mem_total_bytes", n.mem_total_bytes);
  read_optional(j, "mem_free_bytes", n.mem_free_bytes);
  j.at("numastat").get_to(n.numastat);
}

void to_json(json& j, const CgroupMemory& c) {
  j = json{{"version", c.version},
           {"path", c.path},
           {"dir", c.dir},
           {"current_bytes", optional_json(c.current_bytes)},
           {"max_bytes", optional_json(c.max_bytes)},
           {"swap_max_bytes", optional_json(c.swap_max_bytes)},
           {"stat", c.stat},
           {"events", c.events},
           {"pressure", optional_json(c.pressure)}};
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
  read_optional(j, "current_bytes", c.current_bytes);
  read_optional(j, "max_bytes", c.max_bytes);
  read_optional(j, "swap_max_bytes", c.swap_max_bytes);
  j.at("stat").get_to(c.stat);
  j.at("events").get_to(c.events);
  read_optional(j, "pressure", c.pressure);
  if (j.contains("high_bytes")) read_optional(j, "high_bytes", c.high_bytes);
  if (j.contains("peak_bytes")) read_optional(j, "peak_bytes", c.peak_bytes);
  if (j.contains("io_max")) j.at("io_max").get_to(c.io_max);
  if (j.contains("io_stat")) j.at("io_stat").get_to(c.io_stat);
}

void to_json(json& j, const ProcessMemory& p) {
  json per_node = json::object();
  for (const auto& [node, pages] : p.pages_per_node) per_node[std::to_string(node)] = pages;
  j = json{{"pid", p.pid},
           {"status", p.status},
           {"smaps_rollup", optional_json(p.smaps_rollup)},
           {"pages_per_node", per_node}};
}
void from_json(const json& j, ProcessMemory& p) {
  j.at("pid").get_to(p.pid);
  j.at("status").get_to(p.status);
  read_optional(j, "smaps_rollup", p.smaps_rollup);
  p.pages_per_node.clear();
  for (const auto& [node, pages] : j.at("pages_per_node").items()) {
    p.pages_per_node[std::stoi(node)] = pages.get<uint64_t>();
  }
}

void to_json(json& j, const HostFacts& h) {
  j = json{{"schema", kHostSchema},
           {"kernel", h.kernel},
           {"cpu", h.cpu},
           {"meminfo", h.meminfo},
           {"vmstat", h.vmstat},
           {"zones", h.zones},
           {"buddyinfo", h.buddyinfo},
           {"psi", optional_json(h.psi)},
           {"swaps", h.swaps},
           {"settings", h.settings},
           {"mglru", optional_json(h.mglru)},
           {"numa", h.numa},
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
  read_optional(j, "psi", h.psi);
  j.at("swaps").get_to(h.swaps);
  j.at("settings").get_to(h.settings);
  read_optional(j, "mglru", h.mglru);
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
