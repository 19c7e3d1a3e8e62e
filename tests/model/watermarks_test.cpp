// Watermarks and min_free_kbytes: worked examples from the kernel's formulas and this machine's
// /proc/zoneinfo as recorded while writing them.
#include "model/watermarks.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"
#include "tests/model/kernel_info.hpp"

namespace mmtune::model {
namespace {

using test::kernel;

facts::Zone zone(std::string name, uint64_t managed, std::vector<uint64_t> protection = {},
                 int node = 0) {
  facts::Zone z;
  z.node = node;
  z.name = std::move(name);
  z.managed_pages = managed;
  z.present_pages = managed;
  z.spanned_pages = managed;
  z.protection = std::move(protection);
  return z;
}

// This machine (6.18, 24 GiB, lazily initialised) at one moment: managed pages and the marks that
// /proc/zoneinfo printed beside them.
std::vector<facts::Zone> this_machine() {
  std::vector<facts::Zone> zones = {zone("DMA", 3840, {0, 3019, 5451, 5451, 5451}),
                                    zone("DMA32", 772917, {0, 0, 2432, 2432, 2432}),
                                    zone("Normal", 622592, {0, 0, 0, 0, 0}), zone("Movable", 0),
                                    zone("Device", 0)};
  zones[1].present_pages = 782336;
  zones[2].present_pages = 5505024;
  zones[3].present_pages = 0;
  zones[4].present_pages = 0;
  return zones;
}

TEST(Watermarks, ReproduceThisMachinesZoneinfo) {
  auto marks = zone_watermarks(this_machine(), {67584, 10, 15000}, kernel(6, 18));
  ASSERT_EQ(marks.size(), 3u);  // Movable and Device have no managed pages
  EXPECT_EQ(marks[0].zone, "DMA");
  EXPECT_EQ(marks[0].min_pages, 46u);
  EXPECT_EQ(marks[0].low_pages, 57u);
  EXPECT_EQ(marks[0].high_pages, 68u);
  EXPECT_EQ(marks[0].promo_pages, 79u);
  EXPECT_EQ(marks[1].min_pages, 9332u);
  EXPECT_EQ(marks[1].low_pages, 11665u);
  EXPECT_EQ(marks[1].high_pages, 13998u);
  EXPECT_EQ(marks[1].promo_pages, 16331u);
  EXPECT_EQ(marks[2].min_pages, 7517u);
  EXPECT_EQ(marks[2].low_pages, 9396u);
  EXPECT_EQ(marks[2].high_pages, 11275u);
  EXPECT_EQ(marks[2].promo_pages, 13154u);
  // DMA's reserve is clamped to its managed pages: min(68 + 5451, 3840).
  EXPECT_EQ(marks[0].reserve_pages, 3840u);
  EXPECT_EQ(totalreserve_pages(marks), 3840u + 13998 + 2432 + 11275);
  EXPECT_NE(marks[2].why.text.find("16896·622592/1399349 = 7517"), std::string::npos)
      << marks[2].why.text;
  EXPECT_EQ(marks[2].why.kernel_function, "__setup_per_zone_wmarks (mm/page_alloc.c)");
}

TEST(Watermarks, SixtyFourGigabyteExampleFromTheReference) {
  std::vector<facts::Zone> zones = {zone("Normal", 16 * 1024 * 1024)};
  auto marks = zone_watermarks(zones, {67584, 10, 15000}, kernel(6, 1));
  ASSERT_EQ(marks.size(), 1u);
  EXPECT_EQ(marks[0].min_pages, 16896u);  // 66 MiB
  EXPECT_EQ(marks[0].gap_pages, 16777u);  // max(16896/4 = 4224, 16 Mi·10/10000)
  EXPECT_EQ(marks[0].low_pages, 33673u);
  EXPECT_EQ(marks[0].high_pages, 50450u);
  auto wide = zone_watermarks(zones, {67584, 200, 15000}, kernel(6, 1));
  EXPECT_EQ(wide[0].gap_pages, 335544u);  // 1.3 GiB
  EXPECT_EQ(wide[0].low_pages, 16896u + 335544u);
  // Boost ceiling: 150 % of high.
  EXPECT_EQ(marks[0].max_boost_pages, 50450u * 15000 / 10000);
}

TEST(Watermarks, SmallZonesUseMinOverFourBeforeTheScaleFactor) {
  // With min_free_kbytes default-sized, a 1 GiB zone is where min/4 and managed·wsf/10000 cross.
  auto marks = zone_watermarks({zone("Normal", 262144)}, {4096, 10, 15000}, kernel(6, 1));
  EXPECT_EQ(marks[0].min_pages, 1024u);
  EXPECT_EQ(marks[0].gap_pages, 262u);  // max(256, 262)
}

TEST(Watermarks, BeforeTheScaleFactorHighIsMinPlusHalf) {
  auto marks =
      zone_watermarks({zone("Normal", 1000000)}, {16384, std::nullopt, std::nullopt}, kernel(4, 4));
  EXPECT_EQ(marks[0].min_pages, 4096u);
  EXPECT_EQ(marks[0].low_pages, 4096u + 1024u);
  EXPECT_EQ(marks[0].high_pages, 4096u + 2048u);
  EXPECT_EQ(marks[0].max_boost_pages, 0u);
}

TEST(Watermarks, MovableIsCappedSince61) {
  std::vector<facts::Zone> zones = {zone("Normal", 1000000), zone("Movable", 1000000)};
  auto now = zone_watermarks(zones, {65536, 10, 15000}, kernel(6, 1));
  EXPECT_EQ(now[0].min_pages, 16384u);        // Normal holds all of lowmem
  EXPECT_EQ(now[1].min_pages, 128u);          // clamp(1000000/1024, 32, 128)
  EXPECT_EQ(now[1].low_pages, 128u + 4096u);  // the gap still uses the proportional share
  auto old = zone_watermarks(zones, {65536, 10, 15000}, kernel(5, 4));
  EXPECT_EQ(old[0].min_pages, 8192u);
  EXPECT_EQ(old[1].min_pages, 8192u);
}

TEST(Watermarks, NoManagedPagesIsBadInput) {
  EXPECT_THROW(zone_watermarks({zone("Normal", 0)}, {1024, 10, 0}, kernel(6, 1)), Error);
}

TEST(MinFreeKbytes, DefaultExamplesFromTheSourceComment) {
  EXPECT_EQ(default_min_free_kbytes(1024 * 1024, kernel(6, 1)).value, 4096);
  EXPECT_EQ(default_min_free_kbytes(4 * 1024 * 1024, kernel(6, 1)).value, 8192);
  EXPECT_EQ(default_min_free_kbytes(16 * 1024 * 1024, kernel(6, 1)).value, 16384);
  EXPECT_EQ(default_min_free_kbytes(64 * 1024 * 1024, kernel(6, 1)).value, 32768);
  EXPECT_EQ(default_min_free_kbytes(1024, kernel(6, 1)).value, 128);  // int_sqrt(16384) = 128
  EXPECT_EQ(default_min_free_kbytes(100, kernel(6, 1)).value, 128);
  // 16 TiB: int_sqrt = 524288, capped at 256 MiB since 5.7, 64 MiB before.
  const uint64_t huge = uint64_t{16} << 30;
  EXPECT_EQ(default_min_free_kbytes(huge, kernel(6, 1)).value, 262144);
  EXPECT_EQ(default_min_free_kbytes(huge, kernel(5, 4)).value, 65536);
}

TEST(MinFreeKbytes, ThpBumpForThreeZonesIs67584) {
  EXPECT_EQ(thp_recommended_min_free_kbytes(3, 6'000'000).value, 67584);
  EXPECT_EQ(thp_recommended_min_free_kbytes(2, 6'000'000).value, 45056);
  EXPECT_EQ(thp_recommended_min_free_kbytes(4, 6'000'000).value, 90112);
  // Never more than 5 % of lowmem: a 1 GiB host gets 13107 pages.
  EXPECT_EQ(thp_recommended_min_free_kbytes(3, 262144).value, 13107 * 4);
}

TEST(MinFreeKbytes, ThisMachineHasTheThpValue) {
  std::vector<facts::Zone> zones = this_machine();
  zones[0].high_pages = 68;
  zones[1].high_pages = 13998;
  zones[2].high_pages = 11275;
  EXPECT_EQ(thp_counted_zones(zones), 3u);
  EXPECT_EQ(free_buffer_pages(zones), 3840u - 68 + 772917 - 13998 + 622592 - 11275);
  EXPECT_EQ(expected_min_free_kbytes(zones, true, kernel(6, 18)).value, 67584);
  // Without THP: 4·√(1374008·4) = 9377.
  EXPECT_EQ(expected_min_free_kbytes(zones, false, kernel(6, 18)).value, 9377);
}

TEST(ReclaimBands, BytesIncludeTheBoost) {
  auto marks = zone_watermarks(this_machine(), {67584, 10, 15000}, kernel(6, 18));
  ReclaimBands bands = reclaim_bands(marks[2]);
  EXPECT_EQ(bands.direct_reclaim_below_bytes, 7517u * 4096);
  EXPECT_EQ(bands.kswapd_wakes_below_bytes, 9396u * 4096);
  EXPECT_EQ(bands.kswapd_sleeps_at_bytes, 11275u * 4096);
  EXPECT_EQ(bands.burst_headroom_bytes, 1879u * 4096);
  marks[2].boost_pages = 512;
  EXPECT_EQ(reclaim_bands(marks[2]).kswapd_wakes_below_bytes, (9396u + 512) * 4096);
}

}  // namespace
}  // namespace mmtune::model
