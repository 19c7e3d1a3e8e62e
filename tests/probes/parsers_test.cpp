#include "probes/parsers.hpp"

#include <gtest/gtest.h>

namespace mmtune::probes {

TEST(Meminfo, ConvertsKibToBytes) {
  MemInfo info = parse_meminfo("MemTotal:  16 kB\nMemFree: 8 kB\nHugePages_Total: 3\n");
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
