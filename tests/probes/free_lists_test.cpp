// The free-list parsers on text as the kernel prints it (the pagetypeinfo of this project's test
// machine, 6.18), and the readers on a hand-made tree.
#include "probes/free_lists.hpp"

#include <gtest/gtest.h>

#include <algorithm>

#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "tests/support/recorded_hosts.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::probes {
namespace {

constexpr std::string_view kPagetypeinfo =
    "Page block order: 9\n"
    "Pages per block:  512\n"
    "\n"
    "Free pages count per migrate type at order       0      1      2      3      4      5      6 "
    "     7      8      9     10 \n"
    "Node    0, zone      DMA, type    Unmovable      0      0      0      0      0      0      0 "
    "     0      1      0      0 \n"
    "Node    0, zone      DMA, type      Movable      0      0      0      0      0      0      0 "
    "     0      0      1      3 \n"
    "Node    0, zone   Normal, type    Unmovable    181    363    400    657    636    403    250 "
    "    86     34      0      0 \n"
    "Node    0, zone   Normal, type      Movable      0      1  21162  28649   7998   1556    280 "
    "   158     31      8    724 \n"
    "Node    0, zone   Normal, type   HighAtomic      0      0      0      0      0      0      0 "
    "     0      0      0      0 \n"
    "Node    1, zone   Normal, type      Movable >100000  12      0      0      0      0      0 "
    "     0      0      0      0 \n"
    "\n"
    "Number of blocks type     Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
    "Node 0, zone      DMA            1            7            0            0            0 \n"
    "Node 0, zone   Normal          193         5671          216            0            0 \n"
    "Node 1, zone   Normal           12         8000            4            0            0 \n"
    "Number of mixed blocks    Unmovable      Movable  Reclaimable   HighAtomic      Isolate \n"
    "Node 0, zone      DMA            0            0            0            0            0 \n";

TEST(Pagetypeinfo, ReadsFreeListsPerMigrateTypeAndPageblocks) {
  facts::PageTypeInfo info = parse_pagetypeinfo(kPagetypeinfo);
  EXPECT_EQ(info.pageblock_order, 9);
  ASSERT_EQ(info.zones.size(), 3u);
  const facts::PageTypeZone& normal = info.zones[1];
  EXPECT_EQ(normal.node, 0);
  EXPECT_EQ(normal.zone, "Normal");
  ASSERT_EQ(normal.free_blocks.at("Movable").size(), 11u);
  EXPECT_EQ(normal.free_blocks.at("Movable")[2], 21162u);
  EXPECT_EQ(normal.free_blocks.at("Movable")[10], 724u);
  EXPECT_EQ(normal.free_blocks.at("Unmovable")[0], 181u);
  EXPECT_EQ(normal.free_blocks.at("HighAtomic")[9], 0u);
  EXPECT_EQ(normal.pageblocks.at("Unmovable"), 193u);
  EXPECT_EQ(normal.pageblocks.at("Movable"), 5671u);
  EXPECT_EQ(normal.pageblocks.at("Reclaimable"), 216u);
  // The mixed-blocks table (page_owner) does not overwrite the pageblock counts.
  EXPECT_EQ(info.zones[0].pageblocks.at("Movable"), 7u);
}

TEST(Pagetypeinfo, KeepsACappedListAsItsCap) {
  facts::PageTypeInfo info = parse_pagetypeinfo(kPagetypeinfo);
  EXPECT_EQ(info.zones[2].node, 1);
  EXPECT_EQ(info.zones[2].free_blocks.at("Movable")[0], 100000u);
  EXPECT_EQ(info.zones[2].free_blocks.at("Movable")[1], 12u);
}

TEST(Pagetypeinfo, RejectsAMalformedCount) {
  EXPECT_THROW(parse_pagetypeinfo("Free pages count per migrate type at order 0\n"
                                  "Node    0, zone   Normal, type      Movable     x1\n"),
               Error);
}

TEST(DebugfsIndex, ReadsThousandthsPerOrder) {
  auto zones = parse_zone_order_index(
      "Node 0, zone      DMA -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 -1.000 "
      "-1.000 -1.000 \n"
      "Node 0, zone   Normal -1.000 -1.000  0.000  0.512  0.930  1.000 \n");
  ASSERT_EQ(zones.size(), 2u);
  EXPECT_EQ(zones[0].zone, "DMA");
  EXPECT_EQ(zones[0].milli.size(), 11u);
  EXPECT_EQ(zones[0].milli[10], -1000);
  EXPECT_EQ(zones[1].milli, (std::vector<int>{-1000, -1000, 0, 512, 930, 1000}));
}

TEST(DebugfsIndex, RejectsAValueWithoutThreeDecimals) {
  EXPECT_THROW(parse_zone_order_index("Node 0, zone Normal 0.93\n"), Error);
}

TEST(DebugfsMount, FoundInMountinfo) {
  EXPECT_EQ(debugfs_mount_point(
                "25 29 0:23 / /proc rw,nosuid - proc proc rw\n"
                "30 24 0:7 / /sys/kernel/debug rw,nosuid,nodev,noexec,relatime shared:11 - debugfs "
                "debugfs rw\n"),
            "/sys/kernel/debug");
  EXPECT_FALSE(debugfs_mount_point("25 29 0:23 / /proc rw,nosuid - proc proc rw\n"));
  // A bind mount of a subdirectory is not the root of debugfs.
  EXPECT_FALSE(debugfs_mount_point("31 24 0:7 /tracing /mnt rw - debugfs debugfs rw\n"));
}

TEST(Hugetlb, PageSizeFromTheDirectoryName) {
  EXPECT_EQ(hugetlb_page_bytes("hugepages-2048kB"), 2 * facts::kMiB);
  EXPECT_EQ(hugetlb_page_bytes("hugepages-1048576kB"), facts::kGiB);
  EXPECT_FALSE(hugetlb_page_bytes("hugepages-kB"));
  EXPECT_FALSE(hugetlb_page_bytes("transparent_hugepage"));
  EXPECT_EQ(hugetlb_pool_file(2 * facts::kMiB),
            "sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages");
}

TEST(Hugetlb, ReadsPoolsAndTheirNodes) {
  test::TempDir root;
  const auto write = [&](const std::string& rel, const std::string& text) {
    test::write_text(root.path() / rel, text);
  };
  write("sys/kernel/mm/hugepages/hugepages-2048kB/nr_hugepages", "64\n");
  write("sys/kernel/mm/hugepages/hugepages-2048kB/free_hugepages", "60\n");
  write("sys/kernel/mm/hugepages/hugepages-2048kB/resv_hugepages", "3\n");
  write("sys/kernel/mm/hugepages/hugepages-2048kB/surplus_hugepages", "0\n");
  write("sys/kernel/mm/hugepages/hugepages-1048576kB/nr_hugepages", "1\n");
  write("sys/devices/system/node/node0/hugepages/hugepages-2048kB/nr_hugepages", "40\n");
  write("sys/devices/system/node/node0/hugepages/hugepages-2048kB/free_hugepages", "38\n");
  write("sys/devices/system/node/node1/hugepages/hugepages-2048kB/nr_hugepages", "24\n");
  write("sys/devices/system/node/node1/hugepages/hugepages-2048kB/free_hugepages", "22\n");
  auto pools = read_hugetlb_pools(HostFs(root.path()));
  ASSERT_EQ(pools.size(), 2u);
  EXPECT_EQ(pools[0].page_bytes, 2 * facts::kMiB);
  EXPECT_EQ(pools[0].total, 64u);
  EXPECT_EQ(pools[0].free, 60u);
  EXPECT_EQ(pools[0].reserved, 3u);
  EXPECT_EQ(pools[0].node_total, (std::map<int, uint64_t>{{0, 40}, {1, 24}}));
  EXPECT_EQ(pools[0].node_free, (std::map<int, uint64_t>{{0, 38}, {1, 22}}));
  EXPECT_EQ(pools[1].page_bytes, facts::kGiB);
  EXPECT_EQ(pools[1].total, 1u);
  EXPECT_TRUE(pools[1].node_total.empty());
  EXPECT_FALSE(read_hugetlb_pool(HostFs(root.path()), 16 * facts::kMiB));
}

TEST(FreeListsSnapshot, AbsentFilesAreAbsence) {
  // A recorded host without pagetypeinfo or debugfs files: nothing, no error.
  HostFs fs(test::test_data("hosts/old-4.19"));
  EXPECT_FALSE(read_pagetypeinfo(fs));
  EXPECT_TRUE(read_extfrag_index(fs, "sys/kernel/debug").empty());
  EXPECT_TRUE(read_hugetlb_pools(fs).empty());
}

// pagetypeinfo splits buddyinfo's lists by migrate type: on a recorded host (one read of each), the
// types add up to buddyinfo's count for every zone and order.
TEST(FreeListsSnapshot, PagetypeinfoAddsUpToBuddyinfo) {
  int zones = 0;
  for (const std::string& name : test::recorded_hosts()) {
    SCOPED_TRACE(name);
    HostFs fs(test::test_data("hosts/" + name));
    auto types = read_pagetypeinfo(fs);
    if (!types) continue;
    EXPECT_EQ(types->pageblock_order, 9);
    for (const facts::BuddyZone& buddy : read_buddyinfo(fs)) {
      auto zone = std::find_if(types->zones.begin(), types->zones.end(), [&](const auto& z) {
        return z.node == buddy.node && z.zone == buddy.zone;
      });
      ASSERT_NE(zone, types->zones.end()) << buddy.zone;
      std::vector<uint64_t> sum(buddy.free_blocks.size(), 0);
      for (const auto& [type, counts] : zone->free_blocks)
        for (size_t o = 0; o < counts.size() && o < sum.size(); ++o) sum[o] += counts[o];
      EXPECT_EQ(sum, buddy.free_blocks) << buddy.zone;
      ++zones;
    }
  }
  EXPECT_GT(zones, 0) << "no recorded host has proc/pagetypeinfo";
}

}  // namespace
}  // namespace mmtune::probes
