#include "probes/readers.hpp"

#include <algorithm>
#include <charconv>

#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "probes/cgroup_tree.hpp"
#include "probes/parsers.hpp"
#include "probes/persisted.hpp"
#include "probes/text.hpp"

namespace mmtune::probes {
namespace {

// cgroup v1 reports "no limit" as PAGE_COUNTER_MAX pages, rounded: anything this large is
// unlimited.
constexpr uint64_t kUnlimitedThreshold = uint64_t{1} << 62;

std::optional<uint64_t> read_u64(const HostFs& fs, std::string_view rel) {
  auto text = fs.read(rel);
  if (!text) return std::nullopt;
  std::string_view value = trim(*text);
  uint64_t number = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
  return number;
}

std::optional<uint64_t> read_limit(const HostFs& fs, std::string_view rel) {
  auto value = read_u64(fs, rel);  // "max" (v2) fails to parse → unlimited
  if (!value || *value >= kUnlimitedThreshold) return std::nullopt;
  return value;
}

std::string join_path(std::string_view a, std::string_view b) {
  std::string path(a);
  while (!path.empty() && path.back() == '/') path.pop_back();
  while (!b.empty() && b.front() == '/') b.remove_prefix(1);
  if (!b.empty()) path += "/" + std::string(b);
  return path;
}

}  // namespace

facts::MemInfo read_meminfo(const HostFs& fs) {
  auto text = fs.read("proc/meminfo");
  if (!text) fail(ErrorKind::unsupported, "cannot read {}", fs.path("proc/meminfo").string());
  return parse_meminfo(*text);
}

facts::Counters read_vmstat(const HostFs& fs) {
  auto text = fs.read("proc/vmstat");
  return text ? parse_key_values(*text) : facts::Counters{};
}

std::vector<facts::Zone> read_zoneinfo(const HostFs& fs) {
  auto text = fs.read("proc/zoneinfo");
  return text ? parse_zoneinfo(*text) : std::vector<facts::Zone>{};
}

std::vector<facts::BuddyZone> read_buddyinfo(const HostFs& fs) {
  auto text = fs.read("proc/buddyinfo");
  return text ? parse_buddyinfo(*text) : std::vector<facts::BuddyZone>{};
}

std::optional<facts::Psi> read_psi(const HostFs& fs) {
  auto text = fs.read("proc/pressure/memory");  // absent before 4.20; EOPNOTSUPP with psi=0
  if (!text || trim(*text).empty()) return std::nullopt;
  return parse_psi(*text);
}

std::vector<facts::SwapDevice> read_swaps(const HostFs& fs) {
  auto text = fs.read("proc/swaps");
  return text ? parse_swaps(*text) : std::vector<facts::SwapDevice>{};
}

facts::Settings read_settings(const HostFs& fs) {
  facts::Settings settings;
  auto store = [&](const facts::Knob& knob) {
    auto text = fs.read(knob.path);
    if (!text) return;
    if (knob.kind != facts::KnobKind::choice) {
      settings.values[knob.name] = std::string(trim(*text));  // Settings::integer() checks numbers
      return;
    }
    // The advisor reasons about every mode it keeps, so a mode it does not know stops here
    // rather than coming back from it as a "recommendation".
    std::string chosen = parse_bracketed_choice(*text);
    if (facts::invalid_knob_value(knob, chosen)) {
      const bool one_word = !chosen.empty() && split_words(chosen).size() == 1 &&
                            chosen.find_first_of("[]") == std::string::npos;
      if (!one_word) {
        fail(ErrorKind::internal, "{}: no selected mode (one word in brackets) among {} bytes",
             fs.path(knob.path).string(), text->size());
      }
      fail(ErrorKind::unsupported, "{}: mode \"{}\" is new to mmtune, which knows {}",
           fs.path(knob.path).string(), chosen, knob.choices);
    }
    settings.values[knob.name] = std::move(chosen);
  };
  for (const facts::Knob& knob : facts::static_knobs()) store(knob);
  for (const std::string& entry : fs.list("sys/kernel/mm/transparent_hugepage")) {
    if (!entry.starts_with("hugepages-")) continue;  // "hugepages-64kB"
    if (auto knob = facts::find_knob("thp." + entry + ".enabled")) store(*knob);
  }
  return settings;
}

std::map<std::string, std::vector<std::string>, std::less<>> read_choices(const HostFs& fs) {
  std::map<std::string, std::vector<std::string>, std::less<>> choices;
  auto store = [&](const facts::Knob& knob) {
    if (knob.kind != facts::KnobKind::choice) return;
    auto text = fs.read(knob.path);
    if (!text) return;
    std::vector<std::string> words;
    for (std::string_view rest = trim(*text); !rest.empty();) {
      const size_t space = rest.find(' ');
      std::string word(rest.substr(0, space));
      if (word.size() > 2 && word.front() == '[' && word.back() == ']')
        word = word.substr(1, word.size() - 2);
      if (!word.empty()) words.push_back(std::move(word));
      if (space == std::string_view::npos) break;
      rest = trim(rest.substr(space));
    }
    choices[knob.name] = std::move(words);
  };
  for (const facts::Knob& knob : facts::static_knobs()) store(knob);
  for (const std::string& entry : fs.list("sys/kernel/mm/transparent_hugepage")) {
    if (!entry.starts_with("hugepages-")) continue;
    if (auto knob = facts::find_knob("thp." + entry + ".enabled")) store(*knob);
  }
  return choices;
}

std::optional<double> read_uptime(const HostFs& fs) {
  auto text = fs.read("proc/uptime");  // "7113.64 1460.17": seconds since boot, idle seconds
  if (!text) return std::nullopt;
  std::string_view value = trim(*text);
  value = value.substr(0, value.find(' '));
  double seconds = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), seconds);
  if (ec != std::errc() || ptr != value.data() + value.size() || seconds <= 0) return std::nullopt;
  return seconds;
}

std::optional<uint32_t> read_mglru(const HostFs& fs) {
  auto text = fs.read("sys/kernel/mm/lru_gen/enabled");  // "0x0007"
  if (!text) return std::nullopt;
  std::string_view value = trim(*text);
  if (value.starts_with("0x")) value.remove_prefix(2);
  uint32_t mask = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), mask, 16);
  if (ec != std::errc() || ptr != value.data() + value.size()) return std::nullopt;
  return mask;
}

std::vector<facts::NumaNode> read_numa_nodes(const HostFs& fs) {
  std::vector<facts::NumaNode> nodes;
  for (const std::string& entry : fs.list("sys/devices/system/node")) {
    if (entry.size() < 5 || !entry.starts_with("node")) continue;
    int id = 0;
    auto [ptr, ec] = std::from_chars(entry.data() + 4, entry.data() + entry.size(), id);
    if (ec != std::errc() || ptr != entry.data() + entry.size()) continue;
    std::string dir = "sys/devices/system/node/" + entry;
    facts::NumaNode node;
    node.id = id;
    if (auto cpulist = fs.read(dir + "/cpulist")) {
      node.cpulist = std::string(trim(*cpulist));
      if (!node.cpulist.empty()) node.cpus = parse_cpulist(node.cpulist);
    }
    if (auto distance = fs.read(dir + "/distance")) {
      std::string_view rest = trim(*distance);
      while (!rest.empty()) {
        size_t space = rest.find(' ');
        std::string_view word = rest.substr(0, space);
        int value = 0;
        std::from_chars(word.data(), word.data() + word.size(), value);
        node.distances.push_back(value);
        if (space == std::string_view::npos) break;
        rest = trim(rest.substr(space));
      }
    }
    if (auto meminfo = fs.read(dir + "/meminfo")) {
      // "Node 0 MemTotal:  4286676 kB": drop the "Node N " prefix so keys match /proc/meminfo.
      facts::Counters raw = parse_colon_kib(*meminfo);
      facts::Counters fields;
      for (const auto& [key, value] : raw.values) {
        size_t space = key.find(' ', 5);
        fields.values[space == std::string::npos ? key : key.substr(space + 1)] = value;
      }
      node.mem_total_bytes = fields.get("MemTotal");
      node.mem_free_bytes = fields.get("MemFree");
    }
    if (auto numastat = fs.read(dir + "/numastat")) node.numastat = parse_key_values(*numastat);
    nodes.push_back(std::move(node));
  }
  std::sort(nodes.begin(), nodes.end(),
            [](const facts::NumaNode& a, const facts::NumaNode& b) { return a.id < b.id; });
  return nodes;
}

facts::KernelInfo read_kernel(const HostFs& fs) {
  auto release = fs.read("proc/sys/kernel/osrelease");
  facts::KernelInfo kernel = parse_kernel_release(release ? *release : "");
  if (auto cmdline = fs.read("proc/cmdline")) kernel.cmdline = std::string(trim(*cmdline));
  return kernel;
}

facts::CpuInfo read_cpu(const HostFs& fs) {
  facts::CpuInfo cpu;
  if (auto online = fs.read("sys/devices/system/cpu/online")) {
    cpu.online_list = std::string(trim(*online));
    cpu.online = static_cast<int>(parse_cpulist(cpu.online_list).size());
  }
  if (auto line = read_u64(fs, "sys/devices/system/cpu/cpu0/cache/index0/coherency_line_size")) {
    cpu.cache_line_bytes = static_cast<uint32_t>(*line);
  }
  return cpu;
}

facts::CgroupMemory read_cgroup_dir(const HostFs& fs, std::string_view dir, int version) {
  facts::CgroupMemory cg;
  cg.version = version;
  cg.dir = std::string(dir);
  if (version == 2) {
    if (!fs.exists(join_path(dir, "memory.current")) && !fs.exists(join_path(dir, "memory.stat"))) {
      fail(ErrorKind::bad_input, "{}: not a cgroup v2 directory with the memory controller",
           fs.path(dir).string());
    }
    cg.current_bytes = read_u64(fs, join_path(dir, "memory.current"));
    cg.max_bytes = read_limit(fs, join_path(dir, "memory.max"));
    cg.swap_max_bytes = read_limit(fs, join_path(dir, "memory.swap.max"));
    if (auto events = fs.read(join_path(dir, "memory.events")))
      cg.events = parse_key_values(*events);
    if (auto pressure = fs.read(join_path(dir, "memory.pressure"));
        pressure && !trim(*pressure).empty()) {
      cg.pressure = parse_psi(*pressure);
    }
    cg.high_bytes = read_limit(fs, join_path(dir, "memory.high"));
    cg.peak_bytes = read_u64(fs, join_path(dir, "memory.peak"));  // 6.6+
    if (auto io_max = fs.read(join_path(dir, "io.max"))) cg.io_max = parse_device_keys(*io_max);
    if (auto io_stat = fs.read(join_path(dir, "io.stat"))) cg.io_stat = parse_device_keys(*io_stat);
  } else {
    if (!fs.exists(join_path(dir, "memory.usage_in_bytes"))) {
      fail(ErrorKind::bad_input, "{}: not a cgroup v1 memory directory", fs.path(dir).string());
    }
    cg.current_bytes = read_u64(fs, join_path(dir, "memory.usage_in_bytes"));
    cg.max_bytes = read_limit(fs, join_path(dir, "memory.limit_in_bytes"));
    auto memsw = read_limit(fs, join_path(dir, "memory.memsw.limit_in_bytes"));
    if (memsw && cg.max_bytes && *memsw >= *cg.max_bytes)
      cg.swap_max_bytes = *memsw - *cg.max_bytes;
    if (auto oom = fs.read(join_path(dir, "memory.oom_control")))
      cg.events = parse_key_values(*oom);
    if (auto failcnt = read_u64(fs, join_path(dir, "memory.failcnt")))
      cg.events.values["failcnt"] = *failcnt;
    cg.peak_bytes = read_u64(fs, join_path(dir, "memory.max_usage_in_bytes"));
  }
  if (auto stat = fs.read(join_path(dir, "memory.stat"))) cg.stat = parse_key_values(*stat);
  return cg;
}

namespace {

constexpr size_t kMaxCgroupsWalked = 20000;

void walk_near_limit(const HostFs& fs, const std::string& dir, const std::string& path,
                     double fraction, size_t& walked, std::vector<CgroupNearLimit>& out) {
  if (++walked > kMaxCgroupsWalked) return;
  if (fs.exists(join_path(dir, "memory.current"))) {
    facts::CgroupMemory memory = read_cgroup_dir(fs, dir, 2);
    std::optional<uint64_t> ceiling = memory.max_bytes;
    if (memory.high_bytes && (!ceiling || *memory.high_bytes < *ceiling))
      ceiling = memory.high_bytes;
    if (ceiling && *ceiling > 0 && memory.current_bytes) {
      const double used = double(*memory.current_bytes) / double(*ceiling);
      if (used >= fraction) out.push_back({path, std::move(memory), *ceiling, used});
    }
  }
  for (const std::string& name : fs.list(dir)) {
    const std::string child = join_path(dir, name);
    if (fs.exists(join_path(child, "cgroup.procs"))) {
      walk_near_limit(fs, child, path == "/" ? "/" + name : path + "/" + name, fraction, walked,
                      out);
    }
  }
}

}  // namespace

std::vector<CgroupNearLimit> memory_cgroups_near_limit(const HostFs& fs, double fraction) {
  std::vector<CgroupNearLimit> out;
  auto mountinfo = fs.read("proc/self/mountinfo");
  if (!mountinfo) return out;
  std::optional<CgroupMount> mount = parse_cgroup_mount(*mountinfo, 2);
  if (!mount) return out;
  size_t walked = 0;
  walk_near_limit(fs, mount->mount_point, "/", fraction, walked, out);
  std::stable_sort(out.begin(), out.end(),
                   [](const auto& a, const auto& b) { return a.used_fraction > b.used_fraction; });
  return out;
}

bool has_memory_controller(const HostFs& fs, std::string_view dir, int version) {
  // The v2 root cgroup has memory.stat but no memory.current; a v2 directory without the memory
  // controller still has memory.pressure, so that file proves nothing.
  return version == 1 ? fs.exists(join_path(dir, "memory.usage_in_bytes"))
                      : fs.exists(join_path(dir, "memory.stat")) ||
                            fs.exists(join_path(dir, "memory.current"));
}

std::optional<std::string> memory_cgroup_dir(const HostFs& fs, std::string_view mountinfo,
                                             std::string_view cgroup_path, int version) {
  auto mount = parse_cgroup_mount(mountinfo, version);
  if (!mount) return std::nullopt;
  std::string_view relative = cgroup_path;
  if (mount->root != "/" && relative.starts_with(mount->root))
    relative.remove_prefix(mount->root.size());
  std::string dir = join_path(mount->mount_point, relative);
  if (!has_memory_controller(fs, dir, version)) return std::nullopt;
  return dir;
}

CgroupDir resolve_cgroup(const HostFs& fs, std::string_view cgroup) {
  std::string_view as_dir = cgroup;
  while (!as_dir.empty() && as_dir.front() == '/') as_dir.remove_prefix(1);
  // A directory given as such ("/sys/fs/cgroup/memory/x"): v1 files win, since a v1 directory
  // never has memory.current.
  if (!as_dir.empty() && fs.exists(as_dir)) {
    for (int version : {1, 2}) {
      if (has_memory_controller(fs, as_dir, version))
        return CgroupDir{std::string(as_dir), version};
    }
  }
  // A cgroup path ("/system.slice/x"): under the v2 hierarchy if it has the memory controller,
  // else under the v1 memory hierarchy.
  if (auto mountinfo = fs.read("proc/self/mountinfo")) {
    for (int version : {2, 1}) {
      if (auto dir = memory_cgroup_dir(fs, *mountinfo, cgroup, version))
        return CgroupDir{*dir, version};
    }
  }
  fail(ErrorKind::bad_input, "--cgroup \"{}\": no memory cgroup by that path or directory", cgroup);
}

facts::CgroupMemory read_own_cgroup(const HostFs& fs) {
  auto membership = fs.read("proc/self/cgroup");
  auto mountinfo = fs.read("proc/self/mountinfo");
  if (!membership || !mountinfo) return {};
  std::optional<std::string> v1_path, v2_path;
  std::string_view rest = *membership;
  while (!rest.empty()) {  // "4:memory:/a/b" or "0::/a/b"
    size_t end = rest.find('\n');
    std::string_view line = rest.substr(0, end);
    rest.remove_prefix(end == std::string_view::npos ? rest.size() : end + 1);
    size_t first = line.find(':'), second = line.find(':', first + 1);
    if (first == std::string_view::npos || second == std::string_view::npos) continue;
    std::string_view controllers = line.substr(first + 1, second - first - 1);
    std::string path(line.substr(second + 1));
    if (controllers.empty() && line.substr(0, first) == "0") v2_path = path;
    if (("," + std::string(controllers) + ",").find(",memory,") != std::string::npos)
      v1_path = path;
  }
  for (int version : {1, 2}) {
    const auto& path = version == 1 ? v1_path : v2_path;
    if (!path) continue;
    auto dir = memory_cgroup_dir(fs, *mountinfo, *path, version);
    if (!dir) continue;
    facts::CgroupMemory cg = read_cgroup_dir(fs, *dir, version);
    cg.path = *path;
    return cg;
  }
  return {};
}

facts::ProcessMemory read_process(const HostFs& fs, int pid) {
  std::string dir = "proc/" + std::to_string(pid);
  auto status = fs.read(dir + "/status");
  if (!status) fail(ErrorKind::bad_input, "--pid {}: no such process", pid);
  facts::ProcessMemory process;
  process.pid = pid;
  process.status = parse_colon_kib(*status);
  if (auto rollup = fs.read(dir + "/smaps_rollup")) {
    // The first line is the VMA header ("5581e1b28000-7ffc8b3f4000 ---p 00000000 00:00 0
    // [rollup]"), whose "00:00" would otherwise read as a key.
    std::string_view body = *rollup;
    if (size_t newline = body.find('\n'); body.find("[rollup]") < newline)
      body.remove_prefix(newline + 1);
    process.smaps_rollup = parse_colon_kib(body);
  }
  if (auto numa_maps = fs.read(dir + "/numa_maps"))
    process.pages_per_node = parse_numa_maps(*numa_maps);
  return process;
}

void require_host_root(const HostFs& fs) {
  if (fs.is_live() || fs.exists("proc/meminfo")) return;
  fail(ErrorKind::bad_input, "--root {}: not a recorded host (no proc/meminfo under it)",
       fs.root().string());
}

facts::HostFacts read_host_facts(const HostFs& fs) {
  facts::HostFacts facts;
  facts.meminfo = read_meminfo(fs);  // first: it is the one file without which we stop
  facts.kernel = read_kernel(fs);
  facts.cpu = read_cpu(fs);
  facts.vmstat = read_vmstat(fs);
  facts.zones = read_zoneinfo(fs);
  facts.buddyinfo = read_buddyinfo(fs);
  facts.psi = read_psi(fs);
  facts.swaps = read_swaps(fs);
  facts.settings = read_settings(fs);
  facts.mglru = read_mglru(fs);
  facts.numa = read_numa_nodes(fs);
  facts.cgroup = read_own_cgroup(fs);
  facts.uptime_s = read_uptime(fs);
  facts.choices = read_choices(fs);
  facts.cgroups = read_memory_cgroups(fs);
  facts.kubelet = find_kubelet(fs, facts.cgroups);
  facts.persisted = read_persisted(fs, facts.kernel.cmdline);
  return facts;
}

}  // namespace mmtune::probes
