#include "probes/parsers.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include "facts/error.hpp"
#include "probes/cpu_time.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::probes {

TEST(Meminfo, ConvertsKibToBytes) {
  facts::MemInfo info = parse_meminfo("MemTotal:  16 kB\nMemFree: 8 kB\nHugePages_Total: 3\n");
  EXPECT_EQ(info.total_bytes, 16u * 1024);
  EXPECT_EQ(info.free_bytes, 8u * 1024);
  EXPECT_FALSE(info.available_bytes.has_value());
  EXPECT_EQ(info.fields.get("HugePages_Total"), 3u);  // a count, not kB
}

TEST(Zoneinfo, ReadsWatermarksAndProtection) {
  auto zones = parse_zoneinfo(
      "Node 0, zone      DMA\n"
      "  per-node stats\n"
      "      nr_inactive_anon 415\n"
      "  pages free     3840\n"
      "        boost    0\n"
      "        min      60\n"
      "        low      75\n"
      "        high     90\n"
      "        promo    105\n"
      "        spanned  4095\n"
      "        present  3998\n"
      "        managed  3840\n"
      "        protection: (0, 3019, 4171, 4171, 4171)\n"
      "Node 0, zone   Normal\n"
      "  pages free     100\n"
      "        min      7\n");
  ASSERT_EQ(zones.size(), 2u);
  EXPECT_EQ(zones[0].name, "DMA");
  EXPECT_EQ(zones[0].free_pages, 3840u);
  EXPECT_EQ(zones[0].min_pages, 60u);
  EXPECT_EQ(zones[0].high_pages, 90u);
  EXPECT_EQ(zones[0].managed_pages, 3840u);
  EXPECT_EQ(zones[0].promo_pages, 105u);
  EXPECT_EQ(zones[0].protection, (std::vector<uint64_t>{0, 3019, 4171, 4171, 4171}));
  EXPECT_EQ(zones[1].name, "Normal");
  EXPECT_FALSE(zones[1].boost_pages.has_value());
}

TEST(Choice, PicksTheBracketedWord) {
  EXPECT_EQ(parse_bracketed_choice("always [madvise] never\n"), "madvise");
  EXPECT_EQ(parse_bracketed_choice("511\n"), "511");
}

}  // namespace mmtune::probes

namespace mmtune::probes {

TEST(Psi, ReadsSomeAndFull) {
  facts::Psi psi = parse_psi(
      "some avg10=0.31 avg60=0.18 avg300=0.09 total=48211337\n"
      "full avg10=0.00 avg60=0.02 avg300=0.01 total=10322571\n");
  EXPECT_DOUBLE_EQ(psi.some.avg10, 0.31);
  EXPECT_EQ(psi.some.total_us, 48211337u);
  ASSERT_TRUE(psi.full.has_value());
  EXPECT_DOUBLE_EQ(psi.full->avg60, 0.02);
  EXPECT_EQ(psi.full->total_us, 10322571u);
}

TEST(Psi, CpuPressureBeforeFullExistedHasNoFullLine) {
  facts::Psi psi = parse_psi("some avg10=1.00 avg60=2.00 avg300=3.00 total=7\n");
  EXPECT_FALSE(psi.full.has_value());
  EXPECT_THROW(parse_psi("garbage\n"), Error);
}

TEST(Swaps, ReadsDevicesAfterTheHeader) {
  auto swaps = parse_swaps(
      "Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n"
      "/dev/dm-1                               partition\t8388604\t\t1150188\t\t-2\n"
      "/swapfile                               file\t\t1048572\t\t0\t\t-3\n");
  ASSERT_EQ(swaps.size(), 2u);
  EXPECT_EQ(swaps[0].filename, "/dev/dm-1");
  EXPECT_EQ(swaps[0].type, "partition");
  EXPECT_EQ(swaps[0].size_bytes, uint64_t{8388604} * 1024);
  EXPECT_EQ(swaps[0].used_bytes, uint64_t{1150188} * 1024);
  EXPECT_EQ(swaps[0].priority, -2);
  EXPECT_EQ(swaps[1].type, "file");
  EXPECT_TRUE(parse_swaps("Filename\t\t\t\tType\t\tSize\t\tUsed\t\tPriority\n").empty());
}

TEST(Buddyinfo, ReadsFreeBlocksPerOrder) {
  auto zones = parse_buddyinfo(
      "Node 0, zone      DMA      0      0      0      0      0      0      0      0      1      1 "
      "     3 \n"
      "Node 1, zone   Normal   2440  28213  25405  13530   5642   2645    953    227     35     16 "
      "    47 \n");
  ASSERT_EQ(zones.size(), 2u);
  EXPECT_EQ(zones[1].node, 1);
  EXPECT_EQ(zones[1].zone, "Normal");
  ASSERT_EQ(zones[1].free_blocks.size(), 11u);
  EXPECT_EQ(zones[1].free_blocks[0], 2440u);
  EXPECT_EQ(zones[1].free_blocks[9], 16u);
}

TEST(Cpulist, ExpandsRanges) {
  EXPECT_EQ(parse_cpulist("0-3,8,10-11\n"), (std::vector<int>{0, 1, 2, 3, 8, 10, 11}));
  EXPECT_EQ(parse_cpulist("5"), (std::vector<int>{5}));
  EXPECT_TRUE(parse_cpulist("\n").empty());
  EXPECT_THROW(parse_cpulist("3-1"), Error);
  EXPECT_THROW(parse_cpulist("a-b"), Error);
}

TEST(KernelRelease, SplitsVersionNumbers) {
  facts::KernelInfo k = parse_kernel_release("6.1.0-56-cloud-amd64\n");
  EXPECT_EQ(k.release, "6.1.0-56-cloud-amd64");
  EXPECT_EQ(k.major, 6);
  EXPECT_EQ(k.minor, 1);
  EXPECT_EQ(k.patch, 0);
  facts::KernelInfo short_release = parse_kernel_release("4.19");
  EXPECT_EQ(short_release.minor, 19);
  EXPECT_EQ(short_release.patch, 0);
}

TEST(KeyValues, SkipsLinesThatAreNotKeyAndNumber) {
  facts::Counters c = parse_key_values("pgfault 12\nbogus line here\nnr_dirty 3\nname value\n");
  EXPECT_EQ(c.get("pgfault"), 12u);
  EXPECT_EQ(c.get("nr_dirty"), 3u);
  EXPECT_FALSE(c.get("bogus").has_value());
  EXPECT_FALSE(c.get("name").has_value());
}

TEST(ColonKib, ConvertsOnlyKbValues) {
  facts::Counters c =
      parse_colon_kib("Name:\tbash\nVmRSS:\t  4096 kB\nThreads:\t1\nCpus_allowed_list:\t0-1\n");
  EXPECT_EQ(c.get("VmRSS"), 4096u * 1024);
  EXPECT_EQ(c.get("Threads"), 1u);
  EXPECT_FALSE(c.get("Name").has_value());
  EXPECT_FALSE(c.get("Cpus_allowed_list").has_value());
}

TEST(NumaMaps, SumsPagesPerNode) {
  auto pages = parse_numa_maps(
      "55d0c0a00000 default file=/usr/bin/bash mapped=200 N0=150 N1=50 kernelpagesize_kB=4\n"
      "7f0000000000 default anon=10 dirty=10 N1=10 kernelpagesize_kB=4\n");
  EXPECT_EQ(pages[0], 150u);
  EXPECT_EQ(pages[1], 60u);
}

TEST(CgroupMount, FindsTheMemoryHierarchies) {
  std::string_view mountinfo =
      "32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu\n"
      "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory\n"
      "41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw\n";
  auto v1 = parse_cgroup_mount(mountinfo, 1);
  ASSERT_TRUE(v1.has_value());
  EXPECT_EQ(v1->mount_point, "sys/fs/cgroup/memory");
  EXPECT_EQ(v1->root, "/");
  auto v2 = parse_cgroup_mount(mountinfo, 2);
  ASSERT_TRUE(v2.has_value());
  EXPECT_EQ(v2->mount_point, "sys/fs/cgroup/unified");
  EXPECT_FALSE(parse_cgroup_mount("22 27 0:21 / /proc rw - proc proc rw\n", 2).has_value());
}

}  // namespace mmtune::probes

namespace mmtune::probes {
namespace {

TEST(CpuTime, HostBusySecondsCountEverythingButIdleAndIowait) {
  const double hz = double(::sysconf(_SC_CLK_TCK));
  auto busy =
      parse_host_busy_seconds("cpu  100 2 30 5000 40 5 6 7 0 0\ncpu0 1 2 3 4 5 6 7 8 0 0\n");
  ASSERT_TRUE(busy);
  EXPECT_DOUBLE_EQ(*busy, (100 + 2 + 30 + 5 + 6 + 7) / hz);
  EXPECT_EQ(parse_host_busy_seconds("cpu0 1 2 3\n"), std::nullopt);
  EXPECT_EQ(parse_host_busy_seconds("cpu  1 2 x 4 5 6 7 8\n"), std::nullopt);
  EXPECT_EQ(parse_host_busy_seconds("cpu  1 2 3\n"), std::nullopt) << "too few fields";
}

TEST(CpuTime, ProcessCpuCountsFromTheLastParenthesis) {
  const double hz = double(::sysconf(_SC_CLK_TCK));
  auto cpu = parse_process_cpu(
      "4242 (a (b) c) S 17 4242 4242 0 -1 4194304 500 0 0 0 100 20 3 4 20 0 1 0 123 0 0\n");
  ASSERT_TRUE(cpu);
  EXPECT_EQ(cpu->ppid, 17);
  EXPECT_DOUBLE_EQ(cpu->cpu_s, (100 + 20 + 3 + 4) / hz);
  EXPECT_EQ(parse_process_cpu("4242 (x) S 17 1 2"), std::nullopt);
  EXPECT_EQ(parse_process_cpu("no parenthesis"), std::nullopt);
}

TEST(CpuTimeLive, ThisProcessTreeUsesCpu) {
  HostFs fs;
  const double before = process_tree_cpu_seconds(fs, ::getpid());
  volatile uint64_t sink = 0;
  for (uint64_t i = 0; i < 300'000'000; ++i) sink = sink + i;
  EXPECT_GT(process_tree_cpu_seconds(fs, ::getpid()), before);
  EXPECT_GT(*read_host_busy_seconds(fs), 0);
}

}  // namespace
}  // namespace mmtune::probes
