// Dirty limits for ratio and bytes settings, and the sysctl precedence of the what-if.
#include "model/dirty.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "facts/error.hpp"
#include "model/what_if.hpp"
#include "tests/model/kernel_info.hpp"

namespace mmtune::model {
namespace {

using test::kernel;

// MemFree 20 GiB, totalreserve 31545 pages, 1 GiB of file LRU → avail 5473480 pages.
const DirtyInputs kInputs{5242880, 262144, 31545};

TEST(Dirty, DefaultRatiosUse4096thSteps) {
  DirtyLimits d = dirty_limits(kInputs, DirtySettings{}, kernel(6, 1));
  EXPECT_EQ(d.dirtyable_pages, 5473480u);
  EXPECT_EQ(d.threshold_pages, uint64_t{819} * 5473480 / 4096);   // 1094428, not 20 % = 1094696
  EXPECT_EQ(d.background_pages, uint64_t{409} * 5473480 / 4096);  // 546546
  EXPECT_EQ(d.freerun_pages, (1094428u + 546546u) / 2);
  EXPECT_EQ(d.setpoint_pages, (d.freerun_pages + d.threshold_pages) / 2);
  EXPECT_FALSE(d.background_halved);
  EXPECT_DOUBLE_EQ(d.worst_age_seconds.value, 35.0);
  EXPECT_NE(d.threshold.why.text.find("819/4096"), std::string::npos) << d.threshold.why.text;
}

TEST(Dirty, WholePercentBefore42) {
  DirtyLimits d = dirty_limits(kInputs, DirtySettings{}, kernel(3, 10));
  EXPECT_EQ(d.threshold_pages, uint64_t{20} * 5473480 / 100);
}

TEST(Dirty, ReservesOnlyTakeFromFreeMemory) {
  // Free below the reserve: only the file LRU is dirtyable.
  DirtyLimits d = dirty_limits({1000, 50000, 30000}, DirtySettings{}, kernel(6, 1));
  EXPECT_EQ(d.dirtyable_pages, 50001u);
}

TEST(Dirty, BytesSettingsRoundUpToPages) {
  DirtySettings s;
  s.ratio = 0;
  s.background_ratio = 0;
  s.bytes = 1 * kGiB + 1;
  s.background_bytes = 256 * kMiB;
  DirtyLimits d = dirty_limits(kInputs, s, kernel(6, 1));
  EXPECT_EQ(d.threshold_pages, 262145u);
  EXPECT_EQ(d.background_pages, 65536u);
  EXPECT_NE(d.threshold.why.text.find("vm.dirty_bytes"), std::string::npos);
}

TEST(Dirty, BackgroundAtOrAboveThresholdIsHalved) {
  DirtySettings s;
  s.ratio = 0;
  s.background_ratio = 0;
  s.bytes = 512 * kMiB;
  s.background_bytes = 1 * kGiB;
  DirtyLimits d = dirty_limits(kInputs, s, kernel(6, 1));
  EXPECT_TRUE(d.background_halved);
  EXPECT_EQ(d.background_pages, 131072u / 2);
  DirtySettings equal_ratios;
  equal_ratios.ratio = 10;
  equal_ratios.background_ratio = 10;
  EXPECT_EQ(dirty_limits(kInputs, equal_ratios, kernel(6, 1)).background_pages,
            uint64_t{409} * 5473480 / 4096 / 2);
}

TEST(Dirty, PeriodicWritebackOffMeansUnboundedAge) {
  DirtySettings s;
  s.writeback_centisecs = 0;
  DirtyLimits d = dirty_limits(kInputs, s, kernel(6, 1));
  EXPECT_TRUE(d.age_unbounded);
  EXPECT_TRUE(std::isinf(d.worst_age_seconds.value));
}

TEST(Dirty, SettingsFromKnobs) {
  facts::Settings settings;
  settings.values = {{"vm.dirty_ratio", "0"},
                     {"vm.dirty_bytes", "536870912"},
                     {"vm.dirty_background_ratio", "5"},
                     {"vm.dirty_background_bytes", "0"}};
  DirtySettings s = dirty_settings_from(settings);
  EXPECT_EQ(s.bytes, 536870912u);
  EXPECT_EQ(s.ratio, 0);
  EXPECT_EQ(s.background_ratio, 5);
  EXPECT_EQ(s.expire_centisecs, 3000);  // absent: kernel default
}

facts::Settings defaults() {
  facts::Settings s;
  s.values = {{"vm.dirty_ratio", "20"},
              {"vm.dirty_bytes", "0"},
              {"vm.dirty_background_ratio", "10"},
              {"vm.dirty_background_bytes", "0"},
              {"vm.min_free_kbytes", "67584"},
              {"vm.watermark_scale_factor", "10"},
              {"vm.swappiness", "60"},
              {"thp.enabled", "madvise"}};
  return s;
}

WhatIf apply(const facts::Settings& settings, std::vector<KnobChange> changes,
             const facts::KernelInfo& k = kernel(6, 18)) {
  return apply_knob_changes(settings, {}, k, changes);
}

TEST(WhatIf, BytesZeroesRatioAndBack) {
  WhatIf bytes = apply(defaults(), {{"vm.dirty_bytes", "1073741824"}});
  EXPECT_EQ(bytes.settings.text("vm.dirty_bytes"), "1073741824");
  EXPECT_EQ(bytes.settings.text("vm.dirty_ratio"), "0");
  ASSERT_EQ(bytes.side_effects.size(), 1u);
  EXPECT_NE(bytes.side_effects[0].find("vm.dirty_ratio 20 → 0"), std::string::npos);
  WhatIf ratio = apply(bytes.settings, {{"vm.dirty_ratio", "15"}});
  EXPECT_EQ(ratio.settings.text("vm.dirty_ratio"), "15");
  EXPECT_EQ(ratio.settings.text("vm.dirty_bytes"), "0");
}

TEST(WhatIf, WritingTheSameRatioKeepsBytes) {
  // dirty_ratio_handler zeroes dirty_bytes only when the ratio changes: 0 → 0 keeps the bytes.
  WhatIf bytes = apply(defaults(), {{"vm.dirty_bytes", "1073741824"}});
  WhatIf same = apply(bytes.settings, {{"vm.dirty_ratio", "0"}});
  EXPECT_EQ(same.settings.text("vm.dirty_bytes"), "1073741824");
  EXPECT_TRUE(same.side_effects.empty());
}

TEST(WhatIf, BackgroundPairZeroesOnEveryWrite) {
  WhatIf bg = apply(defaults(), {{"vm.dirty_background_bytes", "67108864"}});
  EXPECT_EQ(bg.settings.text("vm.dirty_background_ratio"), "0");
  WhatIf back = apply(bg.settings, {{"vm.dirty_background_ratio", "0"}});
  EXPECT_EQ(back.settings.text("vm.dirty_background_bytes"), "0");
}

TEST(WhatIf, LastWriteWinsInOrder) {
  WhatIf w = apply(defaults(), {{"vm.dirty_ratio", "5"}, {"vm.dirty_bytes", "268435456"}});
  EXPECT_EQ(w.settings.text("vm.dirty_ratio"), "0");
  EXPECT_EQ(w.settings.text("vm.dirty_bytes"), "268435456");
}

TEST(WhatIf, MinFreeKbytesBecomesTheUserValue) {
  WhatIf w = apply(defaults(), {{"vm.min_free_kbytes", "524288"}});
  EXPECT_EQ(w.settings.text("vm.min_free_kbytes"), "524288");
  EXPECT_EQ(w.user_min_free_kbytes, 524288);
}

facts::Zone zone(std::string name, uint64_t managed, uint64_t high) {
  facts::Zone z;
  z.name = std::move(name);
  z.managed_pages = managed;
  z.present_pages = managed;
  z.high_pages = high;
  return z;
}

TEST(WhatIf, EnablingThpRaisesMinFreeKbytes) {
  std::vector<facts::Zone> zones = {zone("DMA", 3840, 68), zone("DMA32", 772917, 13998),
                                    zone("Normal", 622592, 11275)};
  facts::Settings off = defaults();
  off.values["thp.enabled"] = "never";
  off.values["vm.min_free_kbytes"] = "9377";
  std::vector<KnobChange> on{{"thp.enabled", "always"}};
  WhatIf w = apply_knob_changes(off, zones, kernel(6, 18), on);
  EXPECT_EQ(w.settings.text("vm.min_free_kbytes"), "67584");
  // Turning it off again recomputes the default (6.5+).
  std::vector<KnobChange> never{{"thp.enabled", "never"}};
  WhatIf back = apply_knob_changes(w.settings, zones, kernel(6, 18), never);
  EXPECT_EQ(back.settings.text("vm.min_free_kbytes"), "9377");
  // A user value larger than the default stays.
  std::vector<KnobChange> user_then_off{{"vm.min_free_kbytes", "100000"}, {"thp.enabled", "never"}};
  WhatIf kept = apply_knob_changes(w.settings, zones, kernel(6, 18), user_then_off);
  EXPECT_EQ(kept.settings.text("vm.min_free_kbytes"), "100000");
}

TEST(WhatIf, BadInputNamesTheKnob) {
  try {
    parse_knob_change("vm.dirty_ration=5");
    FAIL() << "unknown knob accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("did you mean \"vm.dirty_ratio\""), std::string::npos)
        << e.what();
  }
  try {
    parse_knob_change("vm.dirty_ratio=101");
    FAIL() << "out-of-range value accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("vm.dirty_ratio=101"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("0..100"), std::string::npos) << e.what();
  }
  EXPECT_THROW(parse_knob_change("vm.dirty_bytes=4096"), Error);          // < 2 pages
  EXPECT_THROW(parse_knob_change("vm.watermark_scale_factor=0"), Error);  // 1..3000
  EXPECT_THROW(parse_knob_change("vm.swappiness"), Error);                // no '='
  EXPECT_THROW(parse_knob_change("thp.enabled=sometimes"), Error);
  EXPECT_THROW(parse_knob_change("vm.dirty_bytes=" + std::to_string(uint64_t{1} << 62)),
               Error);  // ERANGE
  EXPECT_EQ(parse_knob_change("vm.dirty_bytes=8192").value, "8192");
  // A knob the host lacks, and nothing applied when one change of several is bad.
  facts::Settings settings = defaults();
  EXPECT_THROW(apply(settings, {{"vm.zone_reclaim_mode", "1"}}), Error);
  EXPECT_THROW(apply(settings, {{"vm.dirty_ratio", "5"}, {"vm.swappiness", "300"}}), Error);
}

}  // namespace
}  // namespace mmtune::model
