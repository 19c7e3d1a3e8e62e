// Readers on the recorded hosts (snapshot tier): what each host is known to be, and the internal
// consistency a real kernel's files have (so a hand-made host cannot drift from the formats).
#include "probes/readers.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <optional>

#include "facts/error.hpp"
#include "probes/parsers.hpp"
#include "tests/support/recorded_hosts.hpp"

namespace mmtune::probes {
namespace {

HostFs host(const std::string& name) { return HostFs(test::test_data("hosts/" + name)); }

TEST(ReadersSnapshot, NumaServerHasTwoNodesSwapAndThpAlways) {
  facts::HostFacts f = read_host_facts(host("numa2-5.15"));
  ASSERT_EQ(f.numa.size(), 2u);
  EXPECT_EQ(f.numa[0].distances, (std::vector<int>{10, 21}));
  EXPECT_EQ(f.numa[1].distances, (std::vector<int>{21, 10}));
  EXPECT_EQ(f.numa[1].cpulist, "8-15,24-31");
  EXPECT_EQ(f.numa[1].cpus.size(), 16u);
  EXPECT_EQ(f.cpu.online, 32);
  ASSERT_EQ(f.swaps.size(), 1u);
  EXPECT_EQ(f.swaps[0].size_bytes, f.meminfo.swap_total_bytes);
  EXPECT_TRUE(f.has_swap());
  EXPECT_EQ(f.settings.text("thp.enabled"), "always");
  EXPECT_EQ(f.settings.integer("kernel.numa_balancing"), 1);
  EXPECT_TRUE(f.psi.has_value());
  EXPECT_FALSE(f.mglru.has_value());
  EXPECT_EQ(f.kernel.major, 5);
  EXPECT_EQ(f.kernel.minor, 15);
  EXPECT_EQ(f.cgroup.version, 2);
  EXPECT_EQ(f.cgroup.path, "/system.slice/postgresql@14-main.service");
  EXPECT_FALSE(f.cgroup.max_bytes.has_value());  // "max"
}

TEST(ReadersSnapshot, OldKernelLacksPsiBoostAndNewCounters) {
  facts::HostFacts f = read_host_facts(host("old-4.19"));
  EXPECT_FALSE(f.psi.has_value());
  EXPECT_FALSE(f.settings.text("vm.watermark_boost_factor").has_value());
  EXPECT_FALSE(f.settings.text("vm.compaction_proactiveness").has_value());
  EXPECT_FALSE(f.settings.text("thp.khugepaged.max_ptes_shared").has_value());
  for (const facts::Zone& z : f.zones) {
    EXPECT_FALSE(z.boost_pages.has_value()) << z.name;
    EXPECT_FALSE(z.promo_pages.has_value()) << z.name;
  }
  EXPECT_TRUE(f.vmstat.get("workingset_refault").has_value());
  EXPECT_FALSE(f.vmstat.get("workingset_refault_anon").has_value());
  EXPECT_TRUE(f.vmstat.sum_prefix("allocstall_").has_value());
  EXPECT_TRUE(f.meminfo.available_bytes.has_value());  // MemAvailable is 3.14+
  EXPECT_FALSE(f.has_swap());
  EXPECT_EQ(f.cgroup.version, 1);
  EXPECT_EQ(f.cgroup.dir, "sys/fs/cgroup/memory/system.slice/mysql.service");
  EXPECT_FALSE(f.cgroup.max_bytes.has_value());       // PAGE_COUNTER_MAX rounded: unlimited
  EXPECT_FALSE(f.cgroup.swap_max_bytes.has_value());  // no memsw files without swapaccount
  EXPECT_EQ(f.settings.integer("vm.dirty_ratio"), 40);
}

TEST(ReadersSnapshot, ContainerSeesItsCgroupV2Limit) {
  facts::HostFacts f = read_host_facts(host("container-v2-6.1"));
  EXPECT_EQ(f.cgroup.version, 2);
  EXPECT_EQ(f.cgroup.path, "/");
  EXPECT_EQ(f.cgroup.dir, "sys/fs/cgroup");
  EXPECT_EQ(f.cgroup.max_bytes, 2 * facts::kGiB);
  EXPECT_EQ(f.cgroup.swap_max_bytes, 0u);
  EXPECT_EQ(f.cgroup.events.get("oom_kill"), 2u);
  ASSERT_TRUE(f.cgroup.pressure.has_value());
  EXPECT_TRUE(f.cgroup.pressure->full.has_value());
  EXPECT_GT(f.cgroup.stat.get_or("anon", 0), 0u);
  ASSERT_TRUE(f.mglru.has_value());
  EXPECT_FALSE(f.mglru_enabled());
  EXPECT_EQ(f.settings.integer("vm.dirty_bytes"), 536870912);
  EXPECT_EQ(f.settings.integer("vm.dirty_ratio"), 0);
}

TEST(ReadersSnapshot, ThisMachineRecording) {
  facts::HostFacts f = read_host_facts(host("local-6.18"));
  EXPECT_EQ(f.numa.size(), 1u);
  EXPECT_FALSE(f.has_swap());
  EXPECT_EQ(f.settings.text("thp.enabled"), "madvise");
  EXPECT_EQ(f.settings.text("thp.hugepages-2048kB.enabled"), "inherit");
  EXPECT_EQ(f.cpu.cache_line_bytes, 64u);
  EXPECT_EQ(f.cgroup.version, 1);
}

// What a real kernel guarantees between its files; the hand-made hosts must keep it too.
TEST(ReadersSnapshot, HandMadeHostsAreInternallyConsistent) {
  for (const char* name : {"numa2-5.15", "old-4.19", "container-v2-6.1", "systemd-v2-6.12"}) {
    SCOPED_TRACE(name);
    facts::HostFacts f = read_host_facts(host(name));
    uint64_t managed = 0, free = 0;
    for (const facts::Zone& z : f.zones) {
      managed += z.managed_pages;
      free += z.free_pages;
      EXPECT_LE(z.min_pages, z.low_pages);
      EXPECT_LE(z.low_pages, z.high_pages);
    }
    EXPECT_EQ(f.meminfo.total_bytes, managed * facts::kPageSize);
    EXPECT_EQ(f.meminfo.free_bytes, free * facts::kPageSize);
    EXPECT_EQ(f.vmstat.get("nr_free_pages"), free);
    EXPECT_EQ(f.meminfo.active_file_bytes, f.vmstat.get_or("nr_active_file", 0) * facts::kPageSize);
    EXPECT_EQ(f.meminfo.inactive_file_bytes,
              f.vmstat.get_or("nr_inactive_file", 0) * facts::kPageSize);
    uint64_t node_total = 0, node_free = 0;
    for (const facts::NumaNode& n : f.numa) {
      node_total += n.mem_total_bytes.value_or(0);
      node_free += n.mem_free_bytes.value_or(0);
    }
    EXPECT_EQ(node_total, f.meminfo.total_bytes);
    EXPECT_EQ(node_free, f.meminfo.free_bytes);
    for (const facts::BuddyZone& b : f.buddyinfo) {
      uint64_t pages = 0;
      for (size_t order = 0; order < b.free_blocks.size(); ++order)
        pages += b.free_blocks[order] << order;
      auto zone = std::find_if(f.zones.begin(), f.zones.end(), [&](const facts::Zone& z) {
        return z.node == b.node && z.name == b.zone;
      });
      ASSERT_NE(zone, f.zones.end());
      EXPECT_EQ(pages, zone->free_pages) << "node " << b.node << " " << b.zone;
    }
    uint64_t swap_used = 0;
    for (const facts::SwapDevice& d : f.swaps) swap_used += d.used_bytes;
    EXPECT_EQ(f.meminfo.swap_total_bytes - f.meminfo.swap_free_bytes, swap_used);
  }
}

TEST(ReadersSnapshot, RequireHostRootNamesTheDirectory) {
  test::TempDir empty;
  try {
    require_host_root(HostFs(empty.path()));
    FAIL() << "an empty directory passed as a recorded host";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find(empty.path().string()), std::string::npos);
  }
  EXPECT_NO_THROW(require_host_root(host("old-4.19")));
}

// A mode the advisor does not know would otherwise come back from it as a "recommendation" (and
// as a user error when the model checks it); the fuzzer found a garbled defrag file doing that.
TEST(ReadersSnapshot, ASelectedModeThatIsNoModeOfTheKnobIsRefused) {
  test::TempDir root;
  const std::filesystem::path defrag = root.path() / "sys/kernel/mm/transparent_hugepage/defrag";
  std::filesystem::create_directories(defrag.parent_path());
  auto refusal = [&](const std::string& content) -> std::optional<Error> {
    test::write_text(defrag, content);
    try {
      read_settings(HostFs(root.path()));
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(defrag.string()), std::string::npos) << e.what();
      return e;
    }
    return std::nullopt;
  };
  EXPECT_FALSE(refusal("always defer defer+madvise [madvise] never\n"));
  EXPECT_EQ(read_settings(HostFs(root.path())).text("thp.defrag"), "madvise");
  for (const char* garbled : {"always [madvi_faults 0\nnuma 0] never\n", "always [] never\n"}) {
    std::optional<Error> e = refusal(garbled);
    ASSERT_TRUE(e) << "accepted " << garbled;
    EXPECT_EQ(e->kind(), ErrorKind::internal) << e->what();
    EXPECT_NE(std::string(e->what()).find("no selected mode"), std::string::npos) << e->what();
  }
  std::optional<Error> newer = refusal("always [sometimes] never\n");  // a kernel newer than mmtune
  ASSERT_TRUE(newer);
  EXPECT_EQ(newer->kind(), ErrorKind::unsupported);
  EXPECT_NE(
      std::string(newer->what()).find("\"sometimes\" is new to mmtune, which knows always|defer"),
      std::string::npos)
      << newer->what();
}

TEST(ReadersSnapshot, ResolvesCgroupArguments) {
  CgroupDir by_path = resolve_cgroup(host("old-4.19"), "/system.slice/mysql.service");
  EXPECT_EQ(by_path.version, 1);
  EXPECT_EQ(by_path.dir, "sys/fs/cgroup/memory/system.slice/mysql.service");
  CgroupDir by_dir =
      resolve_cgroup(host("old-4.19"), "/sys/fs/cgroup/memory/system.slice/mysql.service");
  EXPECT_EQ(by_dir.dir, by_path.dir);
  CgroupDir container = resolve_cgroup(host("container-v2-6.1"), "/");
  EXPECT_EQ(container.version, 2);
  EXPECT_EQ(container.dir, "sys/fs/cgroup");
  EXPECT_THROW(resolve_cgroup(host("old-4.19"), "/no/such/group"), Error);
}

// A systemd server on v2: the service at its memory.max (with OOM kills) first, then the one just
// below its memory.high; the others (far from a limit, or without one) are not listed.
TEST(ReadersSnapshot, CgroupsNearTheirLimitOnASystemdServer) {
  std::vector<CgroupNearLimit> near = memory_cgroups_near_limit(host("systemd-v2-6.12"), 0.90);
  ASSERT_EQ(near.size(), 2u);
  EXPECT_EQ(near[0].path, "/system.slice/reportd.service");
  EXPECT_EQ(near[0].ceiling_bytes, 4 * facts::kGiB);
  EXPECT_GT(near[0].used_fraction, 0.99);
  EXPECT_EQ(near[0].memory.events.get("oom_kill"), 7u);
  ASSERT_TRUE(near[0].memory.pressure);
  EXPECT_GT(near[0].memory.pressure->some.avg10, 30);
  EXPECT_EQ(near[1].path, "/system.slice/postgresql.service");
  EXPECT_EQ(near[1].ceiling_bytes, 3 * facts::kGiB) << "memory.high, below an unlimited memory.max";
  EXPECT_EQ(near[1].memory.events.get("high"), 88211u);
  // The container's own cgroup is the root of its cgroup2 mount.
  std::vector<CgroupNearLimit> container = memory_cgroups_near_limit(host("container-v2-6.1"), 0.9);
  ASSERT_EQ(container.size(), 1u);
  EXPECT_EQ(container[0].path, "/");
  EXPECT_TRUE(memory_cgroups_near_limit(host("local-6.18"), 0.9).empty()) << "v1: not walked";
}

TEST(ReadersSnapshot, RecordsExactlyWhatItReads) {
  HostFs fs = host("container-v2-6.1");
  std::map<std::string, std::string> log;
  fs.record_reads_into(&log);
  read_host_facts(fs);
  EXPECT_TRUE(log.count("proc/zoneinfo"));
  EXPECT_TRUE(log.count("sys/fs/cgroup/memory.max"));
  EXPECT_FALSE(log.count("proc/pressure/cpu"));
  for (const auto& [rel, content] : log) {
    EXPECT_EQ(content, test::slurp(fs.path(rel))) << rel;
  }
}

TEST(ReadersLive, ReadsThisProcess) {
  facts::ProcessMemory self = read_process(HostFs("/"), ::getpid());
  EXPECT_GT(self.status.get_or("VmRSS", 0), 0u);
  ASSERT_TRUE(self.smaps_rollup.has_value());
  EXPECT_GT(self.smaps_rollup->get_or("Rss", 0), 0u);
  for (const auto& [key, value] : self.smaps_rollup->values) {
    EXPECT_EQ(key.find(' '), std::string::npos) << "header line read as a key: " << key;
  }
  EXPECT_FALSE(self.pages_per_node.empty());
  EXPECT_THROW(read_process(HostFs("/"), 999999999), Error);
}

}  // namespace
}  // namespace mmtune::probes
