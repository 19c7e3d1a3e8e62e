#pragma once
// Readers: each pairs a file of the host (through HostFs, so a recorded root works the same) with
// its parser. A file the host lacks gives an empty optional or an empty vector, never a crash; a
// file without which nothing makes sense (/proc/meminfo) throws Error{unsupported}.
#include <optional>
#include <string_view>

#include "probes/facts.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::probes {

MemInfo read_meminfo(const HostFs& fs);
Counters read_vmstat(const HostFs& fs);
std::vector<Zone> read_zoneinfo(const HostFs& fs);
std::vector<BuddyZone> read_buddyinfo(const HostFs& fs);
std::optional<Psi> read_psi(const HostFs& fs);
std::vector<SwapDevice> read_swaps(const HostFs& fs);
Settings read_settings(const HostFs& fs);
std::optional<uint32_t> read_mglru(const HostFs& fs);
std::vector<NumaNode> read_numa_nodes(const HostFs& fs);
KernelInfo read_kernel(const HostFs& fs);
CpuInfo read_cpu(const HostFs& fs);

// The memory cgroup of this process (from proc/self/cgroup and proc/self/mountinfo). A host with no
// memory controller gives version 0.
CgroupMemory read_own_cgroup(const HostFs& fs);
// A memory cgroup given by its relative directory ("sys/fs/cgroup/memory/x" or "sys/fs/cgroup/x")
// and version. Throws Error{bad_input} when the directory has no memory controller files.
CgroupMemory read_cgroup_dir(const HostFs& fs, std::string_view dir, int version);

// /proc/PID/{status,smaps_rollup,numa_maps}. Throws Error{bad_input} when the process does not exist.
ProcessMemory read_process(const HostFs& fs, int pid);

// Everything above, once.
HostFacts read_host_facts(const HostFs& fs);

}  // namespace mmtune::probes
