#include "compare/fingerprint.hpp"

#include <fmt/format.h>
#include <zlib.h>

#include <algorithm>
#include <set>

#include "facts/error.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"

namespace mmtune::compare {
namespace {

using nlohmann::json;

// Files under /proc/sys/vm that are triggers, not settings: reading them says nothing (or fails).
const std::set<std::string, std::less<>> kVmTriggers = {"drop_caches", "compact_memory",
                                                        "stat_refresh"};
// khugepaged files that count work done, not settings.
const std::set<std::string, std::less<>> kKhugepagedCounters = {"full_scans", "pages_collapsed"};

// Whitespace runs as one space, ends trimmed: "256\t256\t32\t0\n" → "256 256 32 0".
std::string squeeze(std::string_view text) {
  std::string out;
  bool space = false;
  for (char c : probes::trim(text)) {
    if (c == ' ' || c == '\t' || c == '\n') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out += ' ';
    space = false;
    out += c;
  }
  return out;
}

void read_into(const probes::HostFs& fs, std::map<std::string, std::string>& group,
               const std::string& name, std::string_view rel, bool choice = false) {
  auto text = fs.read(rel);
  if (!text) return;
  group[name] = choice ? probes::parse_bracketed_choice(*text) : squeeze(*text);
}

std::map<std::string, std::string> kernel_group(const probes::HostFs& fs) {
  std::map<std::string, std::string> group;
  read_into(fs, group, "release", "proc/sys/kernel/osrelease");
  read_into(fs, group, "version", "proc/sys/kernel/version");
  read_into(fs, group, "cmdline", "proc/cmdline");
  return group;
}

std::map<std::string, std::string> sysctl_group(const probes::HostFs& fs) {
  std::map<std::string, std::string> group;
  for (const std::string& name : fs.list("proc/sys/vm")) {
    if (kVmTriggers.contains(name)) continue;
    read_into(fs, group, "vm." + name, "proc/sys/vm/" + name);
  }
  read_into(fs, group, "kernel.numa_balancing", "proc/sys/kernel/numa_balancing");
  return group;
}

std::map<std::string, std::string> thp_group(const probes::HostFs& fs) {
  const std::string dir = "sys/kernel/mm/transparent_hugepage";
  std::map<std::string, std::string> group;
  for (const char* name : {"enabled", "defrag", "shmem_enabled"})
    read_into(fs, group, fmt::format("thp.{}", name), dir + "/" + name, true);
  for (const char* name : {"use_zero_page", "hpage_pmd_size", "shrink_underused"})
    read_into(fs, group, fmt::format("thp.{}", name), dir + "/" + name);
  for (const std::string& name : fs.list(dir + "/khugepaged")) {
    if (kKhugepagedCounters.contains(name)) continue;
    read_into(fs, group, "thp.khugepaged." + name, dir + "/khugepaged/" + name);
  }
  for (const std::string& size : fs.list(dir)) {
    if (!size.starts_with("hugepages-")) continue;
    for (const char* name : {"enabled", "shmem_enabled"})
      read_into(fs, group, fmt::format("thp.{}.{}", size, name),
                fmt::format("{}/{}/{}", dir, size, name), true);
  }
  return group;
}

std::map<std::string, std::string> swap_group(const probes::HostFs& fs) {
  std::map<std::string, std::string> group;
  std::vector<facts::SwapDevice> devices = probes::read_swaps(fs);
  if (devices.empty()) group["devices"] = "none";
  for (const facts::SwapDevice& d : devices) {
    group["device " + d.filename] =
        fmt::format("{} {} bytes priority {}", d.type, d.size_bytes, d.priority);
  }
  return group;
}

std::map<std::string, std::string> numa_group(const probes::HostFs& fs) {
  std::map<std::string, std::string> group;
  std::vector<std::string> ids;
  for (const std::string& name : fs.list("sys/devices/system/node")) {
    if (!name.starts_with("node") || name.size() == 4 ||
        name.find_first_not_of("0123456789", 4) != std::string::npos)
      continue;
    ids.push_back(name.substr(4));
    const std::string dir = "sys/devices/system/node/" + name;
    read_into(fs, group, name + ".cpus", dir + "/cpulist");
    read_into(fs, group, name + ".distances", dir + "/distance");
  }
  std::sort(ids.begin(), ids.end(),
            [](const std::string& a, const std::string& b) { return std::stoi(a) < std::stoi(b); });
  group["nodes"] = ids.empty() ? "none (no NUMA sysfs)" : fmt::format("{}", fmt::join(ids, ","));
  return group;
}

std::map<std::string, std::string> mglru_group(const probes::HostFs& fs) {
  std::map<std::string, std::string> group;
  if (!fs.exists("sys/kernel/mm/lru_gen/enabled")) {
    group["lru_gen"] = "absent";
    return group;
  }
  read_into(fs, group, "lru_gen.enabled", "sys/kernel/mm/lru_gen/enabled");
  read_into(fs, group, "lru_gen.min_ttl_ms", "sys/kernel/mm/lru_gen/min_ttl_ms");
  return group;
}

std::map<std::string, std::string> cgroup_group(const probes::HostFs& fs) {
  std::map<std::string, std::string> group;
  facts::CgroupMemory own = probes::read_own_cgroup(fs);
  group["memory_controller"] = own.version == 0 ? "none" : fmt::format("cgroup v{}", own.version);
  group["unified_at_sys_fs_cgroup"] = fs.exists("sys/fs/cgroup/cgroup.controllers") ? "yes" : "no";
  return group;
}

// The whole of a gzip file, or nullopt when it cannot be read.
std::optional<std::string> read_gzip(const std::filesystem::path& path) {
  gzFile file = ::gzopen(path.c_str(), "rb");
  if (!file) return std::nullopt;
  std::string text;
  char buffer[65536];
  int n = 0;
  while ((n = ::gzread(file, buffer, sizeof buffer)) > 0) text.append(buffer, size_t(n));
  const bool ok = n == 0;
  ::gzclose(file);
  if (!ok) return std::nullopt;
  return text;
}

std::map<std::string, std::string> config_group(const probes::HostFs& fs) {
  std::map<std::string, std::string> group;
  std::optional<std::string> text;
  std::string source;
  if (fs.exists("proc/config.gz")) {
    text = read_gzip(fs.path("proc/config.gz"));
    source = "/proc/config.gz";
  }
  if (!text) {
    std::string release(probes::trim(fs.read("proc/sys/kernel/osrelease").value_or("")));
    if (!release.empty()) {
      source = "/boot/config-" + release;
      text = fs.read("boot/config-" + release);
    }
  }
  if (!text) {
    group["source"] = "unreadable (no /proc/config.gz, no /boot/config-<release>)";
    return group;
  }
  group["source"] = source;
  std::map<std::string, std::string, std::less<>> values;
  std::string_view rest = *text;
  while (!rest.empty()) {
    std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (line.starts_with("# CONFIG_") && line.ends_with(" is not set")) {
      line.remove_prefix(2);
      values[std::string(line.substr(0, line.find(' ')))] = "not set";
    } else if (line.starts_with("CONFIG_")) {
      size_t eq = line.find('=');
      if (eq != std::string_view::npos)
        values[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    }
  }
  for (const std::string& option : fingerprint_config_options()) {
    auto it = values.find(option);
    group[option] = it == values.end() ? "absent" : it->second;
  }
  return group;
}

}  // namespace

const std::vector<std::string>& fingerprint_config_options() {
  // What changes memory-manager behaviour or cost: THP, MGLRU, NUMA, memcg, swap and its
  // compressors, compaction, KSM, pressure stall information, preemption and tick, lazy and
  // reported free memory (a VM's cold re-faults), memory zeroing, per-VMA locks, debug checks.
  static const std::vector<std::string> kOptions = {
      "CONFIG_TRANSPARENT_HUGEPAGE",
      "CONFIG_TRANSPARENT_HUGEPAGE_ALWAYS",
      "CONFIG_TRANSPARENT_HUGEPAGE_MADVISE",
      "CONFIG_TRANSPARENT_HUGEPAGE_NEVER",
      "CONFIG_READ_ONLY_THP_FOR_FS",
      "CONFIG_HUGETLBFS",
      "CONFIG_LRU_GEN",
      "CONFIG_LRU_GEN_ENABLED",
      "CONFIG_NUMA",
      "CONFIG_NUMA_BALANCING",
      "CONFIG_NUMA_BALANCING_DEFAULT_ENABLED",
      "CONFIG_MEMCG",
      "CONFIG_SWAP",
      "CONFIG_ZSWAP",
      "CONFIG_ZSWAP_DEFAULT_ON",
      "CONFIG_ZRAM",
      "CONFIG_COMPACTION",
      "CONFIG_MIGRATION",
      "CONFIG_KSM",
      "CONFIG_CMA",
      "CONFIG_PSI",
      "CONFIG_PSI_DEFAULT_DISABLED",
      "CONFIG_PREEMPT_NONE",
      "CONFIG_PREEMPT_VOLUNTARY",
      "CONFIG_PREEMPT",
      "CONFIG_PREEMPT_DYNAMIC",
      "CONFIG_HZ",
      "CONFIG_DEFERRED_STRUCT_PAGE_INIT",
      "CONFIG_PAGE_REPORTING",
      "CONFIG_MEMORY_HOTPLUG",
      "CONFIG_INIT_ON_ALLOC_DEFAULT_ON",
      "CONFIG_INIT_ON_FREE_DEFAULT_ON",
      "CONFIG_SHUFFLE_PAGE_ALLOCATOR",
      "CONFIG_PER_VMA_LOCK",
      "CONFIG_USERFAULTFD",
      "CONFIG_IO_URING",
      "CONFIG_DAMON",
      "CONFIG_DEBUG_VM",
      "CONFIG_PAGE_TABLE_CHECK",
      "CONFIG_KASAN",
  };
  return kOptions;
}

Fingerprint read_fingerprint(const probes::HostFs& fs) {
  Fingerprint fingerprint;
  fingerprint.groups["kernel"] = kernel_group(fs);
  fingerprint.groups["sysctl"] = sysctl_group(fs);
  fingerprint.groups["thp"] = thp_group(fs);
  fingerprint.groups["swap"] = swap_group(fs);
  fingerprint.groups["numa"] = numa_group(fs);
  fingerprint.groups["mglru"] = mglru_group(fs);
  fingerprint.groups["cgroup"] = cgroup_group(fs);
  fingerprint.groups["config"] = config_group(fs);
  return fingerprint;
}

std::vector<Drift> compare_fingerprints(const Fingerprint& baseline, const Fingerprint& now) {
  std::vector<Drift> drifts;
  std::set<std::string> groups;
  for (const auto& [group, values] : baseline.groups) groups.insert(group);
  for (const auto& [group, values] : now.groups) groups.insert(group);
  static const std::map<std::string, std::string> kEmpty;
  for (const std::string& group : groups) {
    auto b = baseline.groups.find(group), n = now.groups.find(group);
    const auto& before = b == baseline.groups.end() ? kEmpty : b->second;
    const auto& after = n == now.groups.end() ? kEmpty : n->second;
    std::set<std::string> names;
    for (const auto& [name, value] : before) names.insert(name);
    for (const auto& [name, value] : after) names.insert(name);
    for (const std::string& name : names) {
      auto x = before.find(name), y = after.find(name);
      std::optional<std::string> old_value, new_value;
      if (x != before.end()) old_value = x->second;
      if (y != after.end()) new_value = y->second;
      if (old_value != new_value) drifts.push_back({group, name, old_value, new_value});
    }
  }
  return drifts;
}

json fingerprint_to_json(const Fingerprint& fingerprint) {
  json j = json::object();
  for (const auto& [group, values] : fingerprint.groups) j[group] = values;
  return j;
}

Fingerprint fingerprint_from_json(const json& j) {
  if (!j.is_object()) fail(ErrorKind::bad_input, "fingerprint: must be an object of groups");
  Fingerprint fingerprint;
  for (const auto& [group, values] : j.items()) {
    if (!values.is_object())
      fail(ErrorKind::bad_input, "fingerprint.{}: must be an object of name → value", group);
    for (const auto& [name, value] : values.items()) {
      if (!value.is_string())
        fail(ErrorKind::bad_input, "fingerprint.{}.{}: must be a string", group, name);
      fingerprint.groups[group][name] = value.get<std::string>();
    }
  }
  return fingerprint;
}

}  // namespace mmtune::compare
