#pragma once
// The memory cgroups of the whole hierarchy, for findings about cgroups at their limit: walked from
// the memory controller's mount (v2: the cgroup2 mount; v1: the mount with "memory"), through
// HostFs so a recorded host works the same. Kept apart from readers.cpp so that a fuller walk
// (`mmtune host` listing cgroups) can take its place.
#include <optional>
#include <string>
#include <vector>

#include "facts/facts.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::probes {

// Directories visited at most: a node with thousands of containers is cut there, not walked whole.
inline constexpr size_t kMaxCgroupDirs = 4096;

// Every memory cgroup below the root that has a limit (memory.max, memory.high, limit_in_bytes) or
// whose counters show it met one (memory.events max/oom/oom_kill, v1 failcnt/oom_kill), read with
// read_cgroup_dir; parents before children. mmtune's own run cgroups ("mmtune-*") are left out.
// The v2 hierarchy is walked when it has the memory controller, else the v1 memory hierarchy.
std::vector<facts::CgroupMemory> read_memory_cgroups(const HostFs& fs);

// Why this host is a Kubernetes node: kubelet's config file, or its "kubepods" cgroup; nullopt
// when neither is there.
std::optional<std::string> find_kubelet(const HostFs& fs,
                                        const std::vector<facts::CgroupMemory>& cgroups);

}  // namespace mmtune::probes
