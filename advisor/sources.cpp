#include "advisor/sources.hpp"

namespace mmtune::advisor {
namespace {

// What they say is summed up in docs/advice.md; tuned's profiles as of its tag 2.28.0-rc.1.
constexpr Source kSources[] = {
    {"kernel-vm-rst", SourceKind::kernel, "Linux: Documentation/admin-guide/sysctl/vm.rst",
     "https://docs.kernel.org/admin-guide/sysctl/vm.html", true},
    {"kernel-watermarks", SourceKind::kernel,
     "Linux: mm/page_alloc.c __setup_per_zone_wmarks, calculate_min_free_kbytes",
     "torvalds/linux mm/page_alloc.c", true},
    {"kernel-kswapd", SourceKind::kernel,
     "Linux: mm/vmscan.c balance_pgdat, kswapd_try_to_sleep (allocstall, "
     "kswapd_low_wmark_hit_quickly)",
     "torvalds/linux mm/vmscan.c", true},
    {"kernel-scan-balance", SourceKind::kernel, "Linux: mm/vmscan.c get_scan_count (swappiness)",
     "torvalds/linux mm/vmscan.c", true},
    {"kernel-mglru", SourceKind::kernel,
     "Linux: Documentation/admin-guide/mm/multigen_lru.rst; mm/vmscan.c get_swappiness, "
     "isolate_folios",
     "https://docs.kernel.org/admin-guide/mm/multigen_lru.html", true},
    {"kernel-writeback", SourceKind::kernel,
     "Linux: mm/page-writeback.c domain_dirty_limits, balance_dirty_pages",
     "torvalds/linux mm/page-writeback.c", true},
    {"kernel-transhuge", SourceKind::kernel, "Linux: Documentation/admin-guide/mm/transhuge.rst",
     "https://docs.kernel.org/admin-guide/mm/transhuge.html", true},
    {"kernel-overcommit", SourceKind::kernel,
     "Linux: Documentation/mm/overcommit-accounting.rst; mm/util.c __vm_enough_memory",
     "https://docs.kernel.org/mm/overcommit-accounting.html", true},
    {"kernel-numa", SourceKind::kernel,
     "Linux: Documentation/admin-guide/sysctl/kernel.rst numa_balancing; vm.rst zone_reclaim_mode",
     "https://docs.kernel.org/admin-guide/sysctl/kernel.html", true},
    {"tuned-throughput-performance", SourceKind::tuned,
     "tuned profile throughput-performance (swappiness 10, dirty 40/10)",
     "redhat-performance/tuned profiles/throughput-performance/tuned.conf", true},
    {"tuned-latency-performance", SourceKind::tuned,
     "tuned profile latency-performance (swappiness 10, dirty 10/3)",
     "redhat-performance/tuned profiles/latency-performance/tuned.conf", true},
    {"tuned-network-latency", SourceKind::tuned,
     "tuned profile network-latency (THP never, numa_balancing 0)",
     "redhat-performance/tuned profiles/network-latency/tuned.conf", true},
    {"tuned-virtual-host", SourceKind::tuned,
     "tuned profile virtual-host (swappiness 10, dirty_background_ratio 5)",
     "redhat-performance/tuned profiles/virtual-host/tuned.conf", true},
    {"tuned-postgresql", SourceKind::tuned,
     "tuned profile postgresql (swappiness 3, dirty_bytes 512 MiB, dirty_background_bytes 64 MiB, "
     "THP never)",
     "redhat-performance/tuned profiles/postgresql/tuned.conf", true},
    {"tuned-sap-hana", SourceKind::tuned, "tuned profile sap-hana (THP madvise, numa_balancing 0)",
     "redhat-performance/tuned profiles/sap-hana/tuned.conf", true},
    {"redis-admin", SourceKind::vendor,
     "Redis: administration (overcommit_memory 1 for BGSAVE; THP not always); src/syscheck.c",
     "https://redis.io/docs/latest/operate/oss_and_stack/management/admin/", true},
    {"mongodb-8-tcmalloc", SourceKind::vendor,
     "MongoDB 8.0: TCMalloc performance (THP always, defrag defer+madvise, max_ptes_none 0)",
     "https://www.mongodb.com/docs/manual/administration/tcmalloc-performance/", true},
    {"wiredtiger-zone-reclaim", SourceKind::vendor,
     "WiredTiger: tune_zone_reclaim (zone_reclaim_mode 0)",
     "https://source.wiredtiger.com/develop/tune_zone_reclaim.html", true},
    {"postgresql-kernel-resources", SourceKind::vendor,
     "PostgreSQL: kernel resources, Linux memory overcommit (overcommit_memory 2); huge_pages",
     "https://www.postgresql.org/docs/current/kernel-resources.html", true},
    {"postgresql-shared-buffers", SourceKind::vendor,
     "PostgreSQL: resource consumption (shared_buffers: 25 % of memory as a start; huge_pages)",
     "https://www.postgresql.org/docs/current/runtime-config-resource.html", true},
    {"libvirt-hugepages", SourceKind::vendor,
     "libvirt: domain XML memoryBacking <hugepages> (guest RAM from hugetlbfs pages of a given "
     "size)",
     "https://libvirt.org/formatdomain.html#memory-backing", true},
    {"percona-swappiness", SourceKind::vendor,
     "Percona: OOM relation to vm.swappiness=0 in new kernels (use 1)",
     "https://www.percona.com/blog/2014/04/28/oom-relation-vm-swappiness0-new-kernel/", false},
    {"scylladb-sysctl", SourceKind::vendor,
     "ScyllaDB: 99-scylla-vm.conf (swappiness 1: 0 is too low)",
     "scylladb/scylladb dist/common/sysctl.d/99-scylla-vm.conf", true},
    {"kafka-charmed", SourceKind::vendor,
     "Charmed Kafka performance tuning (swappiness 1, dirty_ratio 80, dirty_background_ratio 5)",
     "https://documentation.ubuntu.com/charmed-kafka/", false},
    {"cloudera-thp", SourceKind::vendor, "Cloudera: disabling transparent hugepages; swappiness 1",
     "https://docs.cloudera.com/ (cm-disabling-transparent-hugepages)", true},
    {"openjdk-thp", SourceKind::vendor,
     "OpenJDK: -XX:+UseTransparentHugePages with THP enabled=madvise",
     "openjdk/jdk (UseTransparentHugePages; PR 16690 discussion)", true},
    {"elastic-memory", SourceKind::vendor, "Elasticsearch: disable swapping, or swappiness 1",
     "https://www.elastic.co/docs/deploy-manage/deploy/self-managed/setup-configuration-memory",
     true},
    {"kernel-psi", SourceKind::kernel,
     "Linux: Documentation/accounting/psi.rst (some, full, avg10/60/300, total µs)",
     "https://docs.kernel.org/accounting/psi.html", true},
    {"kernel-wsf-commit", SourceKind::kernel,
     "Linux commit 795ae7a0de6b \"mm: scale kswapd watermarks in proportion to memory\" (4.6): "
     "bursts exceeding the watermarks cause direct reclaim; before it the gap was min/4",
     "torvalds/linux 795ae7a0de6b", true},
    {"kernel-compaction", SourceKind::kernel,
     "Linux: Documentation/admin-guide/mm/transhuge.rst defrag; mm/compaction.c (compact_stall, "
     "compact_fail)",
     "https://docs.kernel.org/admin-guide/mm/transhuge.html", true},
    {"kernel-hugetlbpage", SourceKind::kernel,
     "Linux: Documentation/admin-guide/mm/hugetlbpage.rst (hugepages= and hugepagesz= on the "
     "command line; nr_hugepages at run time gets what contiguous memory there is; early in boot "
     "the chance is highest)",
     "https://docs.kernel.org/admin-guide/mm/hugetlbpage.html", true},
    {"kernel-compaction-proactive", SourceKind::kernel,
     "Linux: mm/compaction.c fragmentation_score_node, fragmentation_score_wmark (proactive "
     "compaction above 100 − compaction_proactiveness + 10), compaction_suitable "
     "(extfrag_threshold)",
     "torvalds/linux mm/compaction.c", true},
    {"kernel-khugepaged-min-free", SourceKind::kernel,
     "Linux: mm/khugepaged.c set_recommended_min_free_kbytes (free pageblocks kept for "
     "fragmentation avoidance while THP is enabled)",
     "torvalds/linux mm/khugepaged.c", true},
    {"kernel-cgroup-v2", SourceKind::kernel,
     "Linux: Documentation/admin-guide/cgroup-v2.rst (memory.max, memory.high, memory.events, "
     "memory.pressure, memory.peak)",
     "https://docs.kernel.org/admin-guide/cgroup-v2.html", true},
    {"kernel-cgroup-v1-memory", SourceKind::kernel,
     "Linux: Documentation/admin-guide/cgroup-v1/memory.rst (limit_in_bytes, failcnt, "
     "oom_control)",
     "https://docs.kernel.org/admin-guide/cgroup-v1/memory.html", true},
    {"oomd-senpai", SourceKind::vendor,
     "Meta oomd: Senpai plugin (memory pressure target 10 ms per 6 s; backs off above 0.1 %)",
     "facebookincubator/oomd src/oomd/plugins/Senpai.h", true},
    {"canonical-wsf", SourceKind::vendor,
     "Canonical charm-helpers: watermark_scale_factor for bare metal (gap ≈ 1 GiB per Normal "
     "zone, at most 1000)",
     "juju/charm-helpers charmhelpers/contrib/sysctl/watermark_scale_factor.py", true},
    {"systemd-sysctl", SourceKind::vendor,
     "systemd: sysctl.d(5) — /etc, /run, /usr/local/lib, /usr/lib; by file name, later wins",
     "https://www.freedesktop.org/software/systemd/man/latest/sysctl.d.html", true},
    {"tuned-plugins", SourceKind::tuned,
     "tuned: sysctl plugin (reapply_sysctl re-applies /run and /etc sysctl files after the "
     "profile), vm plugin (transparent_hugepages ignored when set on the kernel command line)",
     "redhat-performance/tuned tuned/plugins/plugin_sysctl.py, plugin_vm.py", true},
    {"kubernetes-kubelet", SourceKind::vendor,
     "Kubernetes: kubelet setupKernelTunables (overcommit_memory 1, panic_on_oom 0)",
     "kubernetes/kubernetes pkg/kubelet/cm/container_manager_linux.go", true},
};

}  // namespace

std::span<const Source> all_sources() { return kSources; }

std::optional<Source> find_source(std::string_view id) {
  for (const Source& source : kSources) {
    if (source.id == id) return source;
  }
  return std::nullopt;
}

std::string_view source_kind_name(SourceKind kind) {
  switch (kind) {
    case SourceKind::kernel:
      return "kernel";
    case SourceKind::tuned:
      return "tuned";
    case SourceKind::vendor:
      return "vendor";
  }
  return "?";
}

}  // namespace mmtune::advisor
