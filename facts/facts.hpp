#pragma once
// Plain data read from /proc and /sys. Passive structs, no behaviour beyond small lookups: the
// parsers in probes/ fill them, the model reads them (it links nothing else of probes), and
// facts/facts_json turns them into the versioned JSON schema.
//
// Units are in the names: *_bytes are bytes, *_pages are kernel pages (4 KiB on x86_64), *_kib are
// KiB. An std::optional that is empty means "this kernel or host does not have it".
#include <array>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::facts {

inline constexpr uint64_t kPageSize = 4096;
inline constexpr uint64_t kKiB = 1024;
inline constexpr uint64_t kMiB = 1024 * kKiB;
inline constexpr uint64_t kGiB = 1024 * kMiB;

// A name → number table (vmstat counters, memory.stat, numastat, meminfo). Lookup of an absent key
// gives nullopt, so callers cannot confuse "0" with "this kernel does not count that".
struct Counters {
  std::map<std::string, uint64_t, std::less<>> values;
  std::optional<uint64_t> get(std::string_view key) const;
  uint64_t get_or(std::string_view key, uint64_t fallback) const;
  // Sum of every key that starts with prefix (allocstall_dma, allocstall_normal, …); nullopt if
  // none.
  std::optional<uint64_t> sum_prefix(std::string_view prefix) const;

  bool operator==(const Counters&) const = default;
};

struct KernelInfo {
  std::string release;  // "6.1.0-56-cloud-amd64"
  int major = 0, minor = 0, patch = 0;
  std::optional<std::string> cmdline;

  bool operator==(const KernelInfo&) const = default;
};

struct CpuInfo {
  int online = 0;                            // CPUs online
  std::string online_list;                   // "0-1"
  std::optional<uint32_t> cache_line_bytes;  // coherency_line_size of cpu0's L1

  bool operator==(const CpuInfo&) const = default;
};

// /proc/meminfo, converted to bytes (HugePages_* counts stay counts).
struct MemInfo {
  Counters fields;  // every line, e.g. "MemTotal", "Active(file)": bytes
  uint64_t total_bytes = 0, free_bytes = 0;
  std::optional<uint64_t> available_bytes;  // MemAvailable: 3.14+
  uint64_t active_file_bytes = 0, inactive_file_bytes = 0;
  uint64_t active_anon_bytes = 0, inactive_anon_bytes = 0;
  uint64_t dirty_bytes = 0, writeback_bytes = 0;
  uint64_t swap_total_bytes = 0, swap_free_bytes = 0;
  std::optional<uint64_t> anon_huge_bytes;  // AnonHugePages
  uint64_t page_tables_bytes = 0;

  bool operator==(const MemInfo&) const = default;
};

// One zone of /proc/zoneinfo. Zones with managed == 0 (empty Movable, say) are kept: the model
// skips them.
struct Zone {
  int node = 0;
  std::string name;  // "DMA", "DMA32", "Normal", "Movable", "Device"
  uint64_t free_pages = 0;
  uint64_t min_pages = 0, low_pages = 0, high_pages = 0;
  std::optional<uint64_t> promo_pages;  // 6.0+ memory tiering
  std::optional<uint64_t> boost_pages;  // 5.0+
  uint64_t spanned_pages = 0, present_pages = 0, managed_pages = 0;
  std::vector<uint64_t> protection;  // lowmem_reserve against each higher zone index

  bool operator==(const Zone&) const = default;
};

struct BuddyZone {
  int node = 0;
  std::string zone;
  std::vector<uint64_t>
      free_blocks;  // index = order: free_blocks[9] is the count of free 2 MiB blocks

  bool operator==(const BuddyZone&) const = default;
};

// /proc/pagetypeinfo (readable by root only): the free lists of each zone split by migrate type,
// and how many pageblocks each migrate type owns. Compaction moves only what sits in movable
// pageblocks; an unmovable allocation that finds no free unmovable block steals a pageblock of
// another type, which is how fragmentation spreads.
struct PageTypeZone {
  int node = 0;
  std::string zone;
  // Migrate type ("Unmovable", "Movable", "Reclaimable", "HighAtomic", "CMA", "Isolate") → free
  // blocks per order, as in BuddyZone::free_blocks.
  std::map<std::string, std::vector<uint64_t>, std::less<>> free_blocks;
  std::map<std::string, uint64_t, std::less<>> pageblocks;  // migrate type → pageblocks it owns

  bool operator==(const PageTypeZone&) const = default;
};
struct PageTypeInfo {
  int pageblock_order = 0;  // "Page block order: 9": a pageblock is 2^9 pages
  std::vector<PageTypeZone> zones;

  bool operator==(const PageTypeInfo&) const = default;
};

// A per-zone, per-order index the kernel prints in debugfs (extfrag/extfrag_index,
// extfrag/unusable_index) with three decimals: kept in thousandths, as the kernel computes it
// ("-1.000" → -1000, "0.930" → 930).
struct ZoneOrderIndex {
  int node = 0;
  std::string zone;
  std::vector<int> milli;  // index = order

  bool operator==(const ZoneOrderIndex&) const = default;
};

// One hugetlb pool: sys/kernel/mm/hugepages/hugepages-<N>kB, and per node
// sys/devices/system/node/node<N>/hugepages/hugepages-<N>kB. Counts are pages of page_bytes.
struct HugetlbPool {
  uint64_t page_bytes = 0;  // 2 MiB, 1 GiB on x86_64
  uint64_t total = 0;       // nr_hugepages: the persistent pool
  uint64_t free = 0;        // free_hugepages
  uint64_t reserved = 0;    // resv_hugepages: promised to mappings, not yet faulted
  uint64_t surplus = 0;     // surplus_hugepages: above the pool, from nr_overcommit_hugepages
  std::map<int, uint64_t> node_total, node_free;  // node → nr_hugepages, free_hugepages

  bool operator==(const HugetlbPool&) const = default;
};

struct PsiLine {
  double avg10 = 0, avg60 = 0, avg300 = 0;  // percent of wall time
  uint64_t total_us = 0;                    // cumulative stall time, µs

  bool operator==(const PsiLine&) const = default;
};
struct Psi {
  PsiLine some;
  std::optional<PsiLine> full;

  bool operator==(const Psi&) const = default;
};

struct SwapDevice {
  std::string filename, type;
  uint64_t size_bytes = 0, used_bytes = 0;
  int priority = 0;

  bool operator==(const SwapDevice&) const = default;
};

// Current values of the knobs the tool knows (see facts/knobs.hpp), by knob name:
// "vm.swappiness" → "60", "thp.enabled" → "madvise" (the selected [word]). A knob this host lacks
// is absent from the map.
struct Settings {
  std::map<std::string, std::string, std::less<>> values;
  std::optional<std::string_view> text(std::string_view knob) const;
  std::optional<int64_t> integer(std::string_view knob) const;  // nullopt if absent or not a number

  bool operator==(const Settings&) const = default;
};

struct NumaNode {
  int id = 0;
  std::vector<int> cpus;
  std::string cpulist;
  std::vector<int> distances;  // SLIT row: distances[j] = distance to the j-th online node
  std::optional<uint64_t> mem_total_bytes, mem_free_bytes;
  Counters numastat;  // numa_hit, numa_miss, … (pages)

  bool operator==(const NumaNode&) const = default;
};

// The memory cgroup that this process (or the container) runs in.
struct CgroupMemory {
  int version = 0;   // 1 or 2; 0 = no memory controller found
  std::string path;  // cgroup path, e.g. "/" or "/system.slice/x.service"
  std::string dir;   // relative host path of its directory, e.g. "sys/fs/cgroup/memory/x"
  std::optional<uint64_t> current_bytes;  // memory.current or memory.usage_in_bytes
  std::optional<uint64_t> max_bytes;  // memory.max or memory.limit_in_bytes; nullopt = unlimited
  std::optional<uint64_t> swap_max_bytes;  // memory.swap.max, or memsw limit − limit in v1
  std::optional<uint64_t> high_bytes;      // memory.high (v2 only); nullopt = max
  std::optional<uint64_t> peak_bytes;      // memory.peak (v2, 6.6+), memory.max_usage_in_bytes
  Counters stat;                           // memory.stat
  Counters events;                         // memory.events (v2), or oom_control counters (v1)
  std::optional<Psi> pressure;             // memory.pressure (v2 only)
  // io.max and io.stat (v2, with the io controller): "<major:minor>.<key>" → value, e.g.
  // "7:3.wbps" (limits other than "max") and "7:3.wbytes".
  Counters io_max, io_stat;

  bool operator==(const CgroupMemory&) const = default;
};

// /proc/PID/status, smaps_rollup and numa_maps.
struct ProcessMemory {
  int pid = 0;
  Counters status;  // VmRSS, RssAnon, RssFile, VmPTE, … in bytes
  std::optional<Counters>
      smaps_rollup;  // Rss, Pss, Shared_Clean, Private_Dirty, AnonHugePages, … bytes
  std::map<int, uint64_t> pages_per_node;  // from numa_maps N<node>=<pages>

  bool operator==(const ProcessMemory&) const = default;
};

// One assignment of a knob that a file on the host makes at boot: a sysctl.d line, a tuned
// profile's option, transparent_hugepage= on the kernel command line.
struct PersistedSetting {
  std::string knob;   // facts/knobs.hpp name: "vm.swappiness", "thp.enabled"
  std::string value;  // as written ("1", "madvise"); tuned variables are kept verbatim
  std::string file;   // absolute path on the host: "/etc/sysctl.d/99-db.conf", "/proc/cmdline"
  int line = 0;       // 1-based; 0 for the command line
  // Who applies it, in boot order: "systemd-sysctl", "tuned" (its profile), "tuned-reapply"
  // (tuned re-applies /run and /etc sysctl files after its own [sysctl]), "cmdline",
  // "tuned-bootloader" (the command line tuned writes for the next boot).
  std::string stage;

  bool operator==(const PersistedSetting&) const = default;
};

// What the host sets again at every boot, in the order it is applied: for a knob, the last
// assignment is the value it will have after a reboot (probes/persisted.hpp says how the order
// is built). Files that do not exist are simply absent.
struct Persistence {
  std::vector<PersistedSetting> assignments;
  std::vector<std::string> files;           // every file read, absolute paths, in order
  std::vector<std::string> tuned_profiles;  // /etc/tuned/active_profile (may name several)
  std::vector<std::string> tuned_chain;     // the profiles read, includes first
  bool tuned_enabled = false;               // tuned.service is enabled at boot (or running now)

  bool operator==(const Persistence&) const = default;
};

// Everything a later piece needs to know about the host, gathered once.
struct HostFacts {
  static constexpr int kSchemaVersion = 1;
  KernelInfo kernel;
  CpuInfo cpu;
  MemInfo meminfo;
  Counters vmstat;
  std::vector<Zone> zones;
  std::vector<BuddyZone> buddyinfo;
  std::optional<Psi> psi;  // absent before 4.20 or with psi=0
  std::vector<SwapDevice> swaps;
  Settings settings;
  std::optional<uint32_t>
      mglru;  // /sys/kernel/mm/lru_gen/enabled bitmask; absent = no MGLRU support
  std::vector<NumaNode> numa;
  CgroupMemory cgroup;
  std::optional<double> uptime_s;  // /proc/uptime: the time the counters since boot cover
  // Choice knobs: every word their file offers, in the kernel's order ("always", "madvise",
  // "never" for thp.defrag on a 3.10 kernel; "defer" and "defer+madvise" from 4.6 and 4.11).
  std::map<std::string, std::vector<std::string>, std::less<>> choices;
  // The memory cgroups of the whole hierarchy that have a limit or recorded a limit event
  // (probes/cgroup_tree.hpp), parents before children.
  std::vector<CgroupMemory> cgroups;
  // Why this host counts as a Kubernetes node (kubelet sets vm.overcommit_memory and kernel.panic*
  // itself): the file or cgroup that shows it; nullopt when nothing does.
  std::optional<std::string> kubelet;
  Persistence persisted;

  bool mglru_enabled() const { return mglru && (*mglru & 1u); }
  bool has_swap() const { return meminfo.swap_total_bytes > 0; }

  bool operator==(const HostFacts&) const = default;
};

}  // namespace mmtune::facts
