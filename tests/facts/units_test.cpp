#include "facts/units.hpp"

#include <gtest/gtest.h>

#include <array>
#include <cmath>
#include <regex>
#include <string_view>

namespace mmtune::facts {
namespace {

using namespace std::chrono_literals;

TEST(ParseSize, BinarySuffixes) {
  EXPECT_EQ(parse_size("1GiB"), 1ull << 30);
  EXPECT_EQ(parse_size("512MiB"), 512ull << 20);
  EXPECT_EQ(parse_size("4k"), 4096u);
  EXPECT_EQ(parse_size("1.5GiB"), 3ull << 29);
  EXPECT_EQ(parse_size("4096"), 4096u);
  EXPECT_EQ(parse_size("100B"), 100u);
}

TEST(ParseSize, RejectsMalformed) {
  EXPECT_FALSE(parse_size(""));
  EXPECT_FALSE(parse_size("GiB"));
  EXPECT_FALSE(parse_size("1PiB"));
  EXPECT_FALSE(parse_size("-1GiB"));
  EXPECT_FALSE(parse_size("0.5B"));  // half a byte
  EXPECT_FALSE(parse_size("1 GiB"));
}

TEST(FormatSize, WholeInItsUnitOrOneDecimal) {
  EXPECT_EQ(format_size(1ull << 30), "1GiB");
  EXPECT_EQ(format_size(64ull << 20), "64MiB");
  EXPECT_EQ(format_size(1536ull << 20), "1.5GiB");
  EXPECT_EQ(format_size(100), "100B");
}

TEST(FormatBytes, ProseWithOneDecimal) {
  EXPECT_EQ(format_bytes(150ull << 20), "150.0 MiB");
  EXPECT_EQ(format_bytes(512), "512 B");
}

TEST(ParseDuration, AcceptsTheUnitsUsersType) {
  EXPECT_EQ(parse_duration("100ms"), std::chrono::nanoseconds(100ms));
  EXPECT_EQ(parse_duration("1s"), std::chrono::nanoseconds(1s));
  EXPECT_EQ(parse_duration("2.5s"), std::chrono::nanoseconds(2500ms));
  EXPECT_EQ(parse_duration("2"), std::chrono::nanoseconds(2s));
  EXPECT_EQ(parse_duration("500us"), std::chrono::nanoseconds(500us));
  EXPECT_EQ(parse_duration("2m"), std::chrono::nanoseconds(120s));
  EXPECT_EQ(parse_duration("1h"), std::chrono::nanoseconds(3600s));
}

TEST(ParseDuration, RejectsMalformedAndNegative) {
  EXPECT_FALSE(parse_duration("-1s"));
  EXPECT_FALSE(parse_duration("abc"));
  EXPECT_FALSE(parse_duration("1x"));
  EXPECT_FALSE(parse_duration(""));
  EXPECT_FALSE(parse_duration("1.2.3s"));
}

TEST(FormatDuration, RoundTripsThroughParse) {
  for (std::chrono::nanoseconds d :
       {std::chrono::nanoseconds(2000ms), std::chrono::nanoseconds(100ms),
        std::chrono::nanoseconds(250us), std::chrono::nanoseconds(1500ms)}) {
    SCOPED_TRACE(d.count());
    EXPECT_EQ(parse_duration(format_duration(d)), d);
  }
  EXPECT_EQ(format_duration(100ms), "100ms");
}

TEST(ParseFraction, DecimalOrPercent) {
  EXPECT_DOUBLE_EQ(*parse_fraction("0.25"), 0.25);
  EXPECT_DOUBLE_EQ(*parse_fraction("25%"), 0.25);
  EXPECT_DOUBLE_EQ(*parse_fraction("1"), 1.0);
  EXPECT_FALSE(parse_fraction("1.5"));
  EXPECT_FALSE(parse_fraction("abc"));
}

TEST(FormatValue, ByUnit) {
  EXPECT_EQ(format_value(262144, "faults"), "262,144 faults");
  EXPECT_EQ(format_value(1624000, "faults/s"), "1.624 M faults/s");
  EXPECT_EQ(format_value(1073741824, "bytes"), "1.0 GiB");
  EXPECT_EQ(format_value(-2.0 * (1 << 30), "bytes"), "-2.0 GiB");
  EXPECT_EQ(format_value(3.4567, "x"), "3.46×");
  EXPECT_EQ(format_value(0.5, "ratio"), "50.0 %");
  EXPECT_EQ(format_value(1, "bool"), "yes");
  EXPECT_EQ(format_value(40, "events"), "40 events");
  EXPECT_EQ(format_value(66850.5, "faults"), "6.685e+04 faults");
  EXPECT_EQ(format_value(std::nan(""), "x"), "n/a");
}

TEST(NearestName, TyposAndPrefixesAreSuggestedFarNamesAreNot) {
  constexpr std::array<std::string_view, 4> kNames = {"demand-paging", "cow-fork", "thp", "oom"};
  EXPECT_EQ(nearest_name("demand-pagin", kNames), "demand-paging");
  EXPECT_EQ(nearest_name("cow", kNames), "cow-fork");
  EXPECT_EQ(nearest_name("thb", kNames), "thp");
  EXPECT_EQ(nearest_name("reclaim", kNames), "");
  EXPECT_EQ(nearest_name("", kNames), "");
}

TEST(UtcNow, Iso8601InUtc) {
  EXPECT_TRUE(std::regex_match(utc_now(), std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)")));
}

TEST(ParseUtc, ReadsWhatUtcNowWrites) {
  const auto epoch = [](std::string_view text) {
    return std::chrono::system_clock::to_time_t(parse_utc(text).value());
  };
  EXPECT_EQ(epoch("1970-01-01T00:00:00Z"), 0);
  EXPECT_EQ(epoch("2026-12-07T04:49:20Z"), 1796618960);
  const auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  EXPECT_LE(std::abs(epoch(utc_now()) - now), 1);
  EXPECT_FALSE(parse_utc("2026-12-07 04:49:20"));
  EXPECT_FALSE(parse_utc("2026-12-07T04:49:20Z trailing"));
  EXPECT_FALSE(parse_utc(""));
}

}  // namespace
}  // namespace mmtune::facts
