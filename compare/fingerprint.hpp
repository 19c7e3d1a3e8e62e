#pragma once
// The host fingerprint a CI baseline records and `mmtune check` compares: what must stay the same
// for two runs' numbers to be comparable, and what a configuration regression changes.
//
// Groups of name → value strings, read through HostFs (so a recorded host works the same):
//   kernel   release, version, cmdline
//   sysctl   every readable /proc/sys/vm file (vm.dirty_ratio, …; not the write-only triggers),
//            kernel.numa_balancing
//   thp      /sys/kernel/mm/transparent_hugepage: enabled, defrag, shmem_enabled, use_zero_page,
//            hpage_pmd_size, khugepaged tunables (not its counters), per-size hugepages-*/enabled
//   swap     the swap devices (name, type, size, priority; not how much is used), or "none"
//   numa     node ids, each node's CPUs and distance row (not its memory: on hosts that initialise
//            memory lazily, as this one, a node's MemTotal grows for hours after boot)
//   mglru    lru_gen enabled bitmask and min_ttl_ms, or "absent"
//   cgroup   the memory controller's hierarchy version for this process, and whether cgroup2 is
//            mounted at /sys/fs/cgroup
//   config   memory-manager CONFIG_* options from /proc/config.gz or /boot/config-<release>
//            (source names the file; "unreadable" when neither is there)
// Values are normalised (the selected [word] of a choice file, whitespace runs as one space), so
// a fingerprint compares equal to itself across reads.
#include <map>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "probes/host_fs.hpp"

namespace mmtune::compare {

struct Fingerprint {
  std::map<std::string, std::map<std::string, std::string>> groups;
};

Fingerprint read_fingerprint(const probes::HostFs& fs);

struct Drift {
  std::string group, name;
  std::optional<std::string> baseline, now;  // nullopt: absent on that side
};

// Every name whose value differs, or that only one side has, in group and name order.
std::vector<Drift> compare_fingerprints(const Fingerprint& baseline, const Fingerprint& now);

nlohmann::json fingerprint_to_json(const Fingerprint& fingerprint);
// Throws Error{bad_input} naming what is wrong when j is not an object of objects of strings.
Fingerprint fingerprint_from_json(const nlohmann::json& j);

// The CONFIG_* options the config group records.
const std::vector<std::string>& fingerprint_config_options();

}  // namespace mmtune::compare
