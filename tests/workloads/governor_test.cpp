#include "workloads/governor.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"

namespace mmtune::workloads {
namespace {

constexpr int64_t kSecond = 1'000'000'000;

GovernorLimits only(auto field, auto value) {
  GovernorLimits limits;
  limits.*field = value;
  return limits;
}

facts::Psi psi_full(double avg10) {
  facts::Psi psi;
  psi.full = facts::PsiLine{avg10, 0, 0, 0};
  return psi;
}

facts::Zone zone(uint64_t free, uint64_t min, uint64_t low) {
  facts::Zone z;
  z.name = "Normal";
  z.free_pages = free;
  z.min_pages = min;
  z.low_pages = low;
  z.high_pages = low + (low - min);
  z.managed_pages = 1'000'000;
  return z;
}

facts::SwapDevice swap(std::string name, uint64_t size, uint64_t used) {
  facts::SwapDevice device;
  device.filename = std::move(name);
  device.size_bytes = size;
  device.used_bytes = used;
  return device;
}

TEST(Governor, PsiFullAboveItsLimitTripsAndAtItDoesNot) {
  Governor memory(only(&GovernorLimits::psi_memory_full_pct, 10.0), {});
  HostSignals signals;
  signals.memory_psi = psi_full(10.0);
  EXPECT_EQ(memory.observe(signals), std::nullopt);
  signals.memory_psi = psi_full(23.4);
  auto trip = memory.observe(signals);
  ASSERT_TRUE(trip);
  EXPECT_EQ(tripwire_name(trip->tripwire), "psi-memory-full");
  EXPECT_DOUBLE_EQ(trip->value, 23.4);
  EXPECT_EQ(trip->what, "memory PSI full avg10 23.40 % > 10 %");

  Governor io(only(&GovernorLimits::psi_io_full_pct, 5.0), {});
  signals.io_psi = psi_full(6);
  ASSERT_TRUE(io.observe(signals));
  EXPECT_EQ(io.observe(signals)->tripwire, Tripwire::psi_io_full)
      << "memory PSI is not watched by this governor";
}

TEST(Governor, AZoneNearItsMinWatermarkTrips) {
  Governor governor(only(&GovernorLimits::zone_margin, 0.5), {});
  HostSignals signals;
  // min 1000, low 1250: the threshold is 1125 pages.
  signals.zones = {zone(5000, 100, 125), zone(1125, 1000, 1250)};
  EXPECT_EQ(governor.observe(signals), std::nullopt);
  signals.zones[1].free_pages = 1124;
  auto trip = governor.observe(signals);
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->tripwire, Tripwire::zone_free);
  EXPECT_DOUBLE_EQ(trip->limit, 1125);
  EXPECT_NE(trip->what.find("zone Normal (node 0) free 1124 pages"), std::string::npos)
      << trip->what;
}

TEST(Governor, AnEmptyZoneIsIgnored) {
  Governor governor(only(&GovernorLimits::zone_margin, 1.0), {});
  HostSignals signals;
  facts::Zone movable = zone(0, 32, 32);
  movable.managed_pages = 0;
  signals.zones = {movable};
  EXPECT_EQ(governor.observe(signals), std::nullopt);
}

TEST(Governor, SwapFillCountsTheHostsSwapNotMmtunesAndOnlyARise) {
  constexpr uint64_t GiB = uint64_t{1} << 30;
  Governor governor(only(&GovernorLimits::swap_fill, 0.5), {});
  HostSignals signals;
  signals.swaps = {swap("/dev/sda2", 4 * GiB, 1 * GiB),
                   swap("/var/tmp/mmtune-swap-123-0", GiB, GiB)};
  EXPECT_EQ(governor.observe(signals), std::nullopt) << "mmtune's own full swap file is the run's";
  signals.swaps[0].used_bytes = 2 * GiB + 1;
  auto trip = governor.observe(signals);
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->tripwire, Tripwire::swap_fill);

  Governor already_full(only(&GovernorLimits::swap_fill, 0.5), {});
  signals.swaps = {swap("/dev/sda2", 100 * GiB, 80 * GiB)};
  EXPECT_EQ(already_full.observe(signals), std::nullopt) << "80 % before the run started";
  signals.swaps[0].used_bytes = 80 * GiB + GiB / 2;
  EXPECT_EQ(already_full.observe(signals), std::nullopt) << "a rise under 1 point";
  signals.swaps[0].used_bytes = 82 * GiB;
  EXPECT_TRUE(already_full.observe(signals)) << "it rose by 2 points";
}

TEST(Governor, OnlyAForeignOomKillTrips) {
  Governor governor(only(&GovernorLimits::foreign_oom_kill, true), {4242});
  HostSignals signals;
  signals.oom_kills = {{4242, "mmtune", "", false},
                       {777, "mmtune", "/system.slice/mmtune-4242-0", true},
                       {778, "mmtune", "/mmtune-oom-4242-1", true}};
  EXPECT_EQ(governor.observe(signals), std::nullopt) << "mmtune's process and cgroups";
  signals.oom_kills.push_back({900, "postgres", "/system.slice/postgresql.service", true});
  auto trip = governor.observe(signals);
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->tripwire, Tripwire::foreign_oom_kill);
  EXPECT_EQ(trip->what,
            "the OOM killer killed pid 900 (postgres) in cgroup /system.slice/postgresql.service");
}

TEST(Governor, ForeignCpuTripsWhenOthersRiseOverTheFirstWindow) {
  Governor governor(only(&GovernorLimits::foreign_cpu_rise, 0.5), {});
  HostSignals signals;
  signals.online_cpus = 2;
  double busy = 1000, own = 10;
  // Others use 0.3 CPU and mmtune 1 CPU for the first 6 s: that is the baseline.
  for (int s = 0; s <= 6; ++s) {
    signals.mono_ns = s * kSecond;
    signals.busy_cpu_s = busy + s * 1.3;
    signals.own_cpu_s = own + s * 1.0;
    EXPECT_EQ(governor.observe(signals), std::nullopt) << s;
  }
  busy += 6 * 1.3;
  own += 6;
  // Then others take 1.2 CPUs: a rise of 0.9, under the limit of 0.5 × 2 CPUs.
  for (int s = 7; s <= 13; ++s) {
    busy += 1.2 + 0.8;
    own += 0.8;
    signals.mono_ns = s * kSecond;
    signals.busy_cpu_s = busy;
    signals.own_cpu_s = own;
    EXPECT_EQ(governor.observe(signals), std::nullopt) << s;
  }
  // Then 1.5 CPUs: a rise of 1.2 > 1.0, tripping once the 5 s window's average passes 1.3.
  std::optional<GovernorTrip> trip;
  for (int s = 14; s <= 20 && !trip; ++s) {
    busy += 1.5 + 0.5;
    own += 0.5;
    signals.mono_ns = s * kSecond;
    signals.busy_cpu_s = busy;
    signals.own_cpu_s = own;
    trip = governor.observe(signals);
  }
  ASSERT_TRUE(trip);
  EXPECT_EQ(trip->tripwire, Tripwire::foreign_cpu);
  EXPECT_GT(trip->value, 1.3);
  EXPECT_LE(trip->value, 1.5 + 1e-9);
  EXPECT_NEAR(trip->limit, 1.3, 1e-9);
}

TEST(Governor, TicksWithoutTheProcessTreeAreNotCpuPoints) {
  Governor governor(only(&GovernorLimits::foreign_cpu_rise, 0.01), {});
  HostSignals signals;
  for (int s = 0; s < 30; ++s) {
    signals.mono_ns = s * kSecond;
    signals.busy_cpu_s = s * 2.0;  // others take both CPUs, but mmtune's time is never known
    EXPECT_EQ(governor.observe(signals), std::nullopt);
  }
}

TEST(Governor, TheLimitTableNamesTheTripwiresThatAreOn) {
  const std::map<std::string, double> table = limit_table(governor_preset("defaults"));
  EXPECT_EQ(table.size(), 6u);
  EXPECT_EQ(table.at("psi-memory-full"), 10);
  EXPECT_EQ(table.at("foreign-oom-kill"), 0);
  EXPECT_TRUE(limit_table(governor_preset("off")).empty());
}

TEST(Governor, WatchingOnlyOneTripwireKeepsWhatItSawAndIgnoresTheOthers) {
  Governor governor(governor_preset("defaults"), {});
  HostSignals low;
  low.memory_psi = facts::Psi{};
  low.memory_psi->full = facts::PsiLine{};
  EXPECT_EQ(governor.observe(low), std::nullopt);
  HostSignals high = low;
  high.memory_psi->full->avg10 = 50;
  high.io_psi = high.memory_psi;
  Governor io_only = governor.watching_only(Tripwire::psi_io_full);
  auto trip = io_only.observe(high);
  ASSERT_TRUE(trip.has_value());
  EXPECT_EQ(trip->tripwire, Tripwire::psi_io_full) << "memory PSI is off in this one";
  EXPECT_EQ(governor.observe(high)->tripwire, Tripwire::psi_memory_full) << "the whole one";
}

TEST(Governor, PresetsAndTheirNames) {
  EXPECT_FALSE(governor_preset("off").any());
  GovernorLimits defaults = governor_preset("defaults"), strict = governor_preset("strict");
  EXPECT_TRUE(defaults.foreign_oom_kill);
  EXPECT_LT(*strict.psi_memory_full_pct, *defaults.psi_memory_full_pct);
  EXPECT_LT(*strict.psi_io_full_pct, *defaults.psi_io_full_pct);
  EXPECT_GT(*strict.zone_margin, *defaults.zone_margin);
  EXPECT_LT(*strict.swap_fill, *defaults.swap_fill);
  EXPECT_LT(*strict.foreign_cpu_rise, *defaults.foreign_cpu_rise);
  try {
    governor_preset("lenient");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_STREQ(e.what(), "--governor: \"lenient\" is not off, strict or defaults");
  }
}

}  // namespace
}  // namespace mmtune::workloads
