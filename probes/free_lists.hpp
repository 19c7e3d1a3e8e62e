#pragma once
// The buddy allocator's free lists beyond /proc/buddyinfo (probes/readers.hpp reads that one):
// /proc/pagetypeinfo, the kernel's own fragmentation indexes in debugfs and the hugetlb pools.
// Pure parsers first (tested on literals), then the readers that pair them with their files.
//
// debugfs is usually not mounted; the readers take the mount point as a relative directory
// ("sys/kernel/debug"), and changes/debugfs.hpp mounts one for a run where there is none.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/facts.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::probes {

// /proc/pagetypeinfo: "Page block order", the free pages per migrate type and order, and the
// number of pageblocks of each type. The "Number of mixed blocks" table (CONFIG_PAGE_OWNER) is
// skipped. Throws Error{internal} for a malformed number.
facts::PageTypeInfo parse_pagetypeinfo(std::string_view text);

// debugfs extfrag/extfrag_index or extfrag/unusable_index: "Node 0, zone   Normal -1.000 0.930 …"
// → thousandths per order. Throws Error{internal} for a value that is not d.ddd.
std::vector<facts::ZoneOrderIndex> parse_zone_order_index(std::string_view text);

// Where debugfs is mounted according to mountinfo (absolute, the first mount of its root), or
// nullopt.
std::optional<std::string> debugfs_mount_point(std::string_view mountinfo);

// Page size of a hugetlb pool directory name: "hugepages-2048kB" → 2 MiB; nullopt for any other
// name.
std::optional<uint64_t> hugetlb_page_bytes(std::string_view dir_name);

// proc/pagetypeinfo; nullopt when absent or unreadable (it is mode 0400: root only).
std::optional<facts::PageTypeInfo> read_pagetypeinfo(const HostFs& fs);
// <debugfs_dir>/extfrag/extfrag_index and …/unusable_index, debugfs_dir relative to the root
// ("sys/kernel/debug"); empty when the file is absent (no CONFIG_COMPACTION or debugfs, not
// mounted, not root).
std::vector<facts::ZoneOrderIndex> read_extfrag_index(const HostFs& fs,
                                                      std::string_view debugfs_dir);
std::vector<facts::ZoneOrderIndex> read_unusable_index(const HostFs& fs,
                                                       std::string_view debugfs_dir);
// Every pool under sys/kernel/mm/hugepages, smallest page first, with its per-node counts; empty
// without hugetlbfs support.
std::vector<facts::HugetlbPool> read_hugetlb_pools(const HostFs& fs);
// The pool of one page size, or nullopt when this host has none of that size.
std::optional<facts::HugetlbPool> read_hugetlb_pool(const HostFs& fs, uint64_t page_bytes);

// The pool's nr_hugepages file, relative to the root: "sys/kernel/mm/hugepages/hugepages-2048kB/
// nr_hugepages".
std::string hugetlb_pool_file(uint64_t page_bytes);

}  // namespace mmtune::probes
