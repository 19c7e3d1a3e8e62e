#include "probes/cgroup_tree.hpp"

#include <deque>

#include "probes/parsers.hpp"
#include "probes/readers.hpp"

namespace mmtune::probes {
namespace {

struct Hierarchy {
  std::string mount_point;  // relative: "sys/fs/cgroup", "sys/fs/cgroup/memory"
  std::string root;         // the mount's root inside the hierarchy ("/" on a host)
  int version = 0;
};

std::optional<Hierarchy> memory_hierarchy(const HostFs& fs) {
  auto mountinfo = fs.read("proc/self/mountinfo");
  if (!mountinfo) return std::nullopt;
  for (int version : {2, 1}) {
    auto mount = parse_cgroup_mount(*mountinfo, version);
    if (mount && has_memory_controller(fs, mount->mount_point, version))
      return Hierarchy{mount->mount_point, mount->root, version};
  }
  return std::nullopt;
}

bool is_nonzero(const facts::Counters& counters, std::string_view key) {
  return counters.get_or(key, 0) > 0;
}

// Whether the cgroup has a limit or met one; only those are read in full.
bool worth_reading(const facts::CgroupMemory& cg) {
  if (cg.max_bytes || cg.high_bytes) return true;
  for (const char* key : {"max", "oom", "oom_kill", "failcnt"}) {
    if (is_nonzero(cg.events, key)) return true;
  }
  return false;
}

std::string cgroup_path(const Hierarchy& h, const std::string& dir) {
  std::string relative = dir.substr(h.mount_point.size());
  std::string root = h.root == "/" ? "" : h.root;
  std::string path = root + relative;
  return path.empty() ? "/" : path;
}

}  // namespace

std::vector<facts::CgroupMemory> read_memory_cgroups(const HostFs& fs) {
  std::vector<facts::CgroupMemory> out;
  auto hierarchy = memory_hierarchy(fs);
  if (!hierarchy) return out;
  std::deque<std::string> queue = {hierarchy->mount_point};
  size_t visited = 0;
  while (!queue.empty() && visited < kMaxCgroupDirs) {
    const std::string dir = queue.front();
    queue.pop_front();
    ++visited;
    if (has_memory_controller(fs, dir, hierarchy->version)) {
      facts::CgroupMemory cg = read_cgroup_dir(fs, dir, hierarchy->version);
      if (worth_reading(cg)) {
        cg.path = cgroup_path(*hierarchy, dir);
        out.push_back(std::move(cg));
      }
    }
    for (const std::string& name : fs.list(dir)) {
      if (name.starts_with("mmtune-")) continue;  // a run's own cgroup, not the host's
      const std::string child = dir + "/" + name;
      if (fs.exists(child + "/cgroup.procs")) queue.push_back(child);
    }
  }
  return out;
}

std::optional<std::string> find_kubelet(const HostFs& fs,
                                        const std::vector<facts::CgroupMemory>& cgroups) {
  for (const char* file : {"var/lib/kubelet/config.yaml", "etc/kubernetes/kubelet.conf"}) {
    if (fs.exists(file)) return "/" + std::string(file);
  }
  for (const facts::CgroupMemory& cg : cgroups) {
    if (cg.path.starts_with("/kubepods")) return "cgroup " + cg.path;
  }
  return std::nullopt;
}

}  // namespace mmtune::probes
