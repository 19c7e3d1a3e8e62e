#pragma once
// Pure parsers: text in, facts out. No file access here, so each is tested on string literals;
// probes/readers.hpp pairs each with the file it reads. A parser is lenient about what it does not
// know (new kernel fields are kept or ignored) and strict about what it needs (a malformed number
// in a field it uses throws Error{internal} naming the file and line).
#include <chrono>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/facts.hpp"

namespace mmtune::probes {

// "key value" per line (/proc/vmstat, memory.stat, numastat, memory.events).
facts::Counters parse_key_values(std::string_view text);
// "Key:   123 kB" per line (/proc/meminfo, /proc/PID/status, smaps_rollup); kB values become bytes.
facts::Counters parse_colon_kib(std::string_view text);

facts::MemInfo parse_meminfo(std::string_view text);
std::vector<facts::Zone> parse_zoneinfo(std::string_view text);
std::vector<facts::BuddyZone> parse_buddyinfo(std::string_view text);
facts::Psi parse_psi(std::string_view text);
std::vector<facts::SwapDevice> parse_swaps(std::string_view text);
// The selected word of a sysfs choice file: "always [madvise] never" → "madvise". A file without
// brackets (a plain value) is returned trimmed.
std::string parse_bracketed_choice(std::string_view text);
// A CPU or node list: "0-3,8,10-11" → {0,1,2,3,8,10,11}. Throws on malformed input.
std::vector<int> parse_cpulist(std::string_view text);
// "6.1.0-56-cloud-amd64" → 6, 1, 0 (missing parts are 0).
facts::KernelInfo parse_kernel_release(std::string_view release);
// numa_maps: pages per node summed over all VMAs.
std::map<int, uint64_t> parse_numa_maps(std::string_view text);

// Where a cgroup hierarchy is mounted, from /proc/self/mountinfo: version 2 finds the cgroup2
// mount; version 1 the v1 mount whose super options include "memory". nullopt when there is none.
struct CgroupMount {
  std::string mount_point;  // relative to the root: "sys/fs/cgroup/memory"
  std::string root;         // the mount's root inside the hierarchy, usually "/"
};
std::optional<CgroupMount> parse_cgroup_mount(std::string_view mountinfo, int version);

// Per-device "key=value" lines (cgroup v2 io.max, io.stat): "8:0 rbytes=1 wbps=max" →
// {"8:0.rbytes": 1}; values that are not numbers ("max") are left out.
facts::Counters parse_device_keys(std::string_view text);

// Trims ASCII whitespace at both ends.
std::string_view trim(std::string_view text);

}  // namespace mmtune::probes
