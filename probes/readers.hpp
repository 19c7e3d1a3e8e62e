#pragma once
// Readers: each pairs a file of the host (through HostFs, so a recorded root works the same) with
// its parser. A file the host lacks gives an empty optional or an empty vector, never a crash; a
// file without which nothing makes sense (/proc/meminfo) throws Error{unsupported}.
#include <optional>
#include <string>
#include <string_view>

#include "facts/facts.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::probes {

facts::MemInfo read_meminfo(const HostFs& fs);
facts::Counters read_vmstat(const HostFs& fs);
std::vector<facts::Zone> read_zoneinfo(const HostFs& fs);
std::vector<facts::BuddyZone> read_buddyinfo(const HostFs& fs);
std::optional<facts::Psi> read_psi(const HostFs& fs);
std::vector<facts::SwapDevice> read_swaps(const HostFs& fs);
facts::Settings read_settings(const HostFs& fs);
std::optional<uint32_t> read_mglru(const HostFs& fs);
// Every word of each choice knob's file ("[always] madvise never" → always, madvise, never).
std::map<std::string, std::vector<std::string>, std::less<>> read_choices(const HostFs& fs);
// Seconds since boot (/proc/uptime), the span every vmstat counter since boot covers.
std::optional<double> read_uptime(const HostFs& fs);
std::vector<facts::NumaNode> read_numa_nodes(const HostFs& fs);
facts::KernelInfo read_kernel(const HostFs& fs);
facts::CpuInfo read_cpu(const HostFs& fs);

// The memory cgroup of this process (from proc/self/cgroup and proc/self/mountinfo). A host with no
// memory controller gives version 0.
facts::CgroupMemory read_own_cgroup(const HostFs& fs);
// A memory cgroup given by its relative directory ("sys/fs/cgroup/memory/x" or "sys/fs/cgroup/x")
// and version. Throws Error{bad_input} when the directory has no memory controller files.
facts::CgroupMemory read_cgroup_dir(const HostFs& fs, std::string_view dir, int version);

// /proc/PID/{status,smaps_rollup,numa_maps}. Throws Error{bad_input} when the process does not
// exist.
facts::ProcessMemory read_process(const HostFs& fs, int pid);

// A memory cgroup directory and its hierarchy's version.
struct CgroupDir {
  std::string dir;  // relative to the HostFs root: "sys/fs/cgroup/memory/x", "sys/fs/cgroup"
  int version = 0;  // 1 or 2
};
// True when dir has the memory controller's files for that version.
bool has_memory_controller(const HostFs& fs, std::string_view dir, int version);
// The directory of cgroup_path ("/a/b", as in /proc/PID/cgroup) in the hierarchy of that version
// mounted per mountinfo; nullopt when it is not mounted or has no memory controller there.
std::optional<std::string> memory_cgroup_dir(const HostFs& fs, std::string_view mountinfo,
                                             std::string_view cgroup_path, int version);
// Resolves a --cgroup argument: a directory ("/sys/fs/cgroup/memory/x") or a cgroup path
// ("/system.slice/x.service", v2 first). Throws Error{bad_input} naming it when neither has the
// memory controller.
CgroupDir resolve_cgroup(const HostFs& fs, std::string_view cgroup);

// A cgroup v2 memory cgroup at or near its ceiling (the lower of memory.max and memory.high).
struct CgroupNearLimit {
  std::string path;  // "/system.slice/x.service" ("/" for the mount's root)
  facts::CgroupMemory memory;
  uint64_t ceiling_bytes = 0;
  double used_fraction = 0;  // memory.current / ceiling
};
// The memory cgroups of the cgroup2 hierarchy (this process's mount, so a container sees its own)
// whose memory.current is at least fraction of their ceiling, fullest first. Empty without a
// cgroup2 mount; v1 hierarchies are not walked.
std::vector<CgroupNearLimit> memory_cgroups_near_limit(const HostFs& fs, double fraction);

// For --root DIR: throws Error{bad_input} naming DIR when it holds no recorded host (no
// proc/meminfo). The live root passes.
void require_host_root(const HostFs& fs);

// Everything above, once.
facts::HostFacts read_host_facts(const HostFs& fs);

}  // namespace mmtune::probes
