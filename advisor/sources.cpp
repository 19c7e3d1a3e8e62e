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
