#include "facts/knobs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <climits>
#include <vector>

#include "facts/units.hpp"

namespace mmtune::facts {
namespace {

constexpr int64_t kIntMax = INT_MAX;
constexpr int64_t kLongMax = LLONG_MAX;

// The file behind a knob's name: vm.* and kernel.* under proc/sys, thp.* under
// sys/kernel/mm/transparent_hugepage with each further dot a directory
// (thp.khugepaged.defrag → …/transparent_hugepage/khugepaged/defrag).
std::string knob_path(std::string_view name) {
  const size_t dot = name.find('.');
  const std::string_view group = name.substr(0, dot);
  std::string rest(name.substr(dot + 1));
  if (group != "thp") return fmt::format("proc/sys/{}/{}", group, rest);
  std::replace(rest.begin(), rest.end(), '.', '/');
  return "sys/kernel/mm/transparent_hugepage/" + rest;
}

Knob integer(std::string_view name, int64_t min, int64_t max, std::string_view help) {
  return Knob{std::string(name), knob_path(name), KnobKind::integer, min, max, {}, help};
}
Knob choice(std::string_view name, std::string_view choices, std::string_view help) {
  return Knob{std::string(name), knob_path(name), KnobKind::choice, 0, 0, choices, help};
}

// Ranges are the extra1/extra2 bounds of each sysctl handler (kernel/sysctl.c, mm/*.c, 6.x).
const std::vector<Knob>& table() {
  static const std::vector<Knob> knobs = {
      integer("vm.swappiness", 0, 200, "anon vs file reclaim balance (0..100 before 5.8)"),
      integer("vm.min_free_kbytes", 0, kIntMax,
              "free memory kept for atomic allocations; sets the min watermark"),
      integer("vm.watermark_scale_factor", 1, 3000,
              "gap between min, low and high watermarks, in 1/10000 of a zone"),
      integer("vm.watermark_boost_factor", 0, kIntMax,
              "temporary watermark boost after fragmentation events, % of high × 100"),
      integer("vm.dirty_ratio", 0, 100,
              "hard dirty limit, % of dirtyable memory (writing it zeroes dirty_bytes)"),
      integer("vm.dirty_background_ratio", 0, 100,
              "background writeback starts, % of dirtyable memory"),
      integer("vm.dirty_bytes", 2 * 4096, kLongMax,
              "hard dirty limit in bytes (writing it zeroes dirty_ratio; 0 is rejected)"),
      integer("vm.dirty_background_bytes", 1, kLongMax,
              "background writeback threshold in bytes (0 is rejected)"),
      integer("vm.dirty_expire_centisecs", 0, kIntMax,
              "age at which dirty data is written back, 1/100 s"),
      integer("vm.dirty_writeback_centisecs", 0, kIntMax,
              "flusher wake-up interval, 1/100 s (0 disables periodic writeback)"),
      integer("vm.overcommit_memory", 0, 2, "0 heuristic, 1 always, 2 strict commit limit"),
      integer("vm.overcommit_ratio", 0, kLongMax,
              "% of RAM in the commit limit when overcommit_memory=2"),
      integer("vm.zone_reclaim_mode", 0, kIntMax,
              "reclaim on the local node before allocating remotely (bits 1,2,4)"),
      integer("vm.vfs_cache_pressure", 0, kIntMax,
              "dentry/inode reclaim pressure relative to page cache, %"),
      integer("vm.page-cluster", 0, 31, "swap readahead, log2 pages"),
      integer("vm.compaction_proactiveness", 0, 100, "background compaction effort"),
      integer("vm.admin_reserve_kbytes", 0, kLongMax,
              "memory kept for root under overcommit_memory=2"),
      integer("vm.max_map_count", 0, kIntMax, "maximum number of mappings per process"),
      integer("vm.extfrag_threshold", 0, 1000,
              "direct compaction is skipped for a zone whose fragmentation index is at most this "
              "(thousandths): its failures are from lack of memory"),
      integer("vm.nr_hugepages", 0, kLongMax,
              "hugetlb pool of the default huge page size; a write is a request the kernel "
              "meets as far as it can"),
      integer("kernel.numa_balancing", 0, 3,
              "automatic NUMA page migration (1 normal, 2 memory tiering)"),
      choice("thp.enabled", "always|madvise|never", "when anonymous memory gets 2 MiB pages"),
      choice("thp.defrag", "always|defer|defer+madvise|madvise|never",
             "how hard a huge-page fault tries (direct compaction or not)"),
      choice("thp.shmem_enabled", "always|within_size|advise|never|deny|force",
             "huge pages for tmpfs/shmem"),
      integer("thp.use_zero_page", 0, 1, "map the huge zero page on read faults"),
      integer("thp.khugepaged.defrag", 0, 1, "khugepaged may compact to collapse"),
      integer("thp.khugepaged.max_ptes_none", 0, 511,
              "empty PTEs allowed when collapsing (RSS bloat bound)"),
      integer("thp.khugepaged.max_ptes_swap", 0, 511, "swapped PTEs allowed when collapsing"),
      integer("thp.khugepaged.max_ptes_shared", 0, 511, "shared PTEs allowed when collapsing"),
      integer("thp.khugepaged.pages_to_scan", 1, UINT_MAX, "pages scanned per khugepaged pass"),
      integer("thp.khugepaged.scan_sleep_millisecs", 0, UINT_MAX,
              "pause between khugepaged passes, ms"),
      integer("thp.khugepaged.alloc_sleep_millisecs", 0, UINT_MAX,
              "pause after a failed huge allocation, ms"),
  };
  return knobs;
}

constexpr std::string_view kSizePrefix = "thp.hugepages-";
constexpr std::string_view kSizeSuffix = "kB.enabled";

}  // namespace

std::span<const Knob> static_knobs() { return table(); }

std::optional<Knob> find_knob(std::string_view name) {
  for (const Knob& knob : table()) {
    if (knob.name == name) return knob;
  }
  // Per-size mTHP control: thp.hugepages-64kB.enabled →
  // sys/kernel/mm/transparent_hugepage/hugepages-64kB/enabled
  if (name.starts_with(kSizePrefix) && name.ends_with(kSizeSuffix)) {
    std::string_view digits =
        name.substr(kSizePrefix.size(), name.size() - kSizePrefix.size() - kSizeSuffix.size());
    unsigned size = 0;
    auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), size);
    if (ec == std::errc() && ptr == digits.data() + digits.size() && size > 0) {
      return choice(name, "always|inherit|madvise|never",
                    "when anonymous memory gets pages of this size");
    }
  }
  return std::nullopt;
}

std::string suggest_knob(std::string_view name) { return nearest_name(name, table(), &Knob::name); }

std::optional<std::string> invalid_knob_value(const Knob& knob, std::string_view value) {
  if (knob.kind == KnobKind::choice) {
    std::string_view rest = knob.choices;
    while (!rest.empty()) {
      size_t bar = rest.find('|');
      if (rest.substr(0, bar) == value) return std::nullopt;
      if (bar == std::string_view::npos) break;
      rest.remove_prefix(bar + 1);
    }
    return "must be one of " + std::string(knob.choices);
  }
  int64_t number = 0;
  auto [ptr, ec] = std::from_chars(value.data(), value.data() + value.size(), number);
  if (ec != std::errc() || ptr != value.data() + value.size()) return "must be an integer";
  if (number < knob.min || number > knob.max) {
    return "must be in " + std::to_string(knob.min) + ".." + std::to_string(knob.max);
  }
  return std::nullopt;
}

}  // namespace mmtune::facts
