// The sampler: counters match the files they come from (recorded hosts), a changed file layout is
// followed, targets that vanish are reported, no allocation per sample, and the sampling loop's
// timing and stop (live).
#include "probes/sampler.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <set>
#include <thread>

#include "facts/error.hpp"
#include "probes/parsers.hpp"
#include "probes/rates.hpp"
#include "tests/probes/allocation_counter.hpp"
#include "tests/support/recorded_hosts.hpp"

namespace mmtune::probes {
namespace {

using namespace std::chrono_literals;

HostFs host(const std::string& name) { return HostFs(test::test_data("hosts/" + name)); }

TEST(SamplerSnapshot, ReadsTheCountersOfARecordedHost) {
  for (const std::string& name : test::recorded_hosts()) {
    SCOPED_TRACE(name);
    HostFs fs = host(name);
    facts::Counters vmstat = parse_key_values(*fs.read("proc/vmstat"));
    std::vector<facts::Zone> zones = parse_zoneinfo(*fs.read("proc/zoneinfo"));
    Sampler sampler(fs);
    Sample s;
    ASSERT_TRUE(sampler.sample(s));
    EXPECT_EQ(s.get(Field::pgfault), vmstat.get("pgfault"));
    EXPECT_EQ(s.get(Field::pgmajfault), vmstat.get("pgmajfault"));
    EXPECT_EQ(s.get(Field::pgscan_kswapd), vmstat.get("pgscan_kswapd"));
    EXPECT_EQ(s.get(Field::pgsteal_direct), vmstat.get("pgsteal_direct"));
    EXPECT_EQ(s.get(Field::allocstall), vmstat.sum_prefix("allocstall_"));
    EXPECT_EQ(s.get(Field::nr_dirty), vmstat.get("nr_dirty"));
    EXPECT_EQ(s.get(Field::nr_free_pages), vmstat.get("nr_free_pages"));
    uint64_t refaults = vmstat.get_or("workingset_refault", 0) +
                        vmstat.get_or("workingset_refault_anon", 0) +
                        vmstat.get_or("workingset_refault_file", 0);
    EXPECT_EQ(s.get(Field::workingset_refault), refaults);
    uint64_t free = 0, min = 0, low = 0, high = 0;
    for (const facts::Zone& z : zones) {
      if (z.managed_pages == 0) continue;
      free += z.free_pages, min += z.min_pages, low += z.low_pages, high += z.high_pages;
    }
    EXPECT_EQ(s.get(Field::zone_free), free);
    EXPECT_EQ(s.get(Field::zone_min), min);
    EXPECT_EQ(s.get(Field::zone_low), low);
    EXPECT_EQ(s.get(Field::zone_high), high);
    auto psi = fs.read("proc/pressure/memory");
    EXPECT_EQ(s.has(Field::psi_some_us), psi.has_value());
    if (psi) {
      EXPECT_EQ(s.get(Field::psi_full_us), parse_psi(*psi).full->total_us);
    }
    EXPECT_GT(s.mono_ns, 0);
  }
}

TEST(SamplerSnapshot, ReadsACgroupV2Container) {
  Sampler sampler(host("container-v2-6.1"), SamplerTarget{std::nullopt, "/"});
  EXPECT_EQ(sampler.cgroup().version, 2);
  Sample s;
  ASSERT_TRUE(sampler.sample(s));
  EXPECT_EQ(s.get(Field::cg_oom_kill), 2u);
  EXPECT_EQ(s.get(Field::cg_psi_some_us), 91022113u);
  EXPECT_EQ(s.get(Field::cg_pgfault), 82011022u);
  EXPECT_TRUE(s.has(Field::cg_pgscan));
  EXPECT_TRUE(s.has(Field::cg_current_bytes));
  EXPECT_FALSE(s.has(Field::proc_minflt));
}

TEST(SamplerSnapshot, ReadsACgroupV1HierarchyTotals) {
  Sampler sampler(host("old-4.19"), SamplerTarget{std::nullopt, "/system.slice/mysql.service"});
  EXPECT_EQ(sampler.cgroup().version, 1);
  Sample s;
  ASSERT_TRUE(sampler.sample(s));
  EXPECT_EQ(s.get(Field::cg_pgfault), 2210332011u);  // total_pgfault
  EXPECT_EQ(s.get(Field::cg_current_bytes), 9822011392u);
  EXPECT_EQ(s.get(Field::cg_oom_kill), 0u);
  EXPECT_FALSE(s.has(Field::cg_pgscan));       // v1 has no pgscan
  EXPECT_FALSE(s.has(Field::cg_psi_some_us));  // nor memory.pressure
  EXPECT_FALSE(s.has(Field::psi_some_us));     // 4.19: no PSI at all
}

TEST(SamplerSnapshot, DoesNotAllocateWhileSampling) {
  Sampler sampler(host("numa2-5.15"),
                  SamplerTarget{std::nullopt, "/system.slice/postgresql@14-main.service"});
  Sample s;
  ASSERT_TRUE(sampler.sample(s));
  size_t before = test::allocations_so_far();
  for (int i = 0; i < 100; ++i) ASSERT_TRUE(sampler.sample(s));
  EXPECT_EQ(test::allocations_so_far() - before, 0u);
}

TEST(Sampler, RejectsAMissingProcessOrCgroup) {
  try {
    Sampler sampler(host("old-4.19"), SamplerTarget{999999999, std::nullopt});
    FAIL() << "accepted a pid that does not exist";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("--pid 999999999"), std::string::npos) << e.what();
  }
  EXPECT_THROW(Sampler(host("old-4.19"), SamplerTarget{std::nullopt, "/nope"}), Error);
}

TEST(Sampler, FollowsAChangedFileLayout) {
  test::TempDir root;
  std::filesystem::create_directories(root.path() / "proc");
  test::write_text(root.path() / "proc/vmstat", "nr_free_pages 10\npgfault 100\npgmajfault 1\n");
  Sampler sampler{HostFs(root.path())};
  Sample s;
  ASSERT_TRUE(sampler.sample(s));
  EXPECT_EQ(s.get(Field::pgfault), 100u);
  EXPECT_FALSE(s.has(Field::zone_free));  // no zoneinfo in this root
  // A new counter appears above the ones we watch (as after a kernel live patch or hotplug).
  test::write_text(root.path() / "proc/vmstat",
                   "nr_free_pages 11\nnr_new_thing 5\npgfault 250\npgmajfault 2\n");
  ASSERT_TRUE(sampler.sample(s));
  EXPECT_EQ(s.get(Field::pgfault), 250u);
  EXPECT_EQ(s.get(Field::pgmajfault), 2u);
  EXPECT_EQ(s.get(Field::nr_free_pages), 11u);
}

TEST(Rates, ComputesPerSecondDeltasAndShares) {
  Sample first, before, after;
  for (Sample* s : {&first, &before, &after}) {
    for (Field f :
         {Field::pgfault, Field::pgmajfault, Field::pgscan_kswapd, Field::pgscan_direct,
          Field::pgsteal_kswapd, Field::pgsteal_direct, Field::nr_dirty, Field::psi_some_us}) {
      s->present.set(static_cast<size_t>(f));
    }
  }
  first.mono_ns = 0;
  before.mono_ns = 1'000'000'000;
  after.mono_ns = 1'500'000'000;  // half a second later
  auto set = [](Sample& s, Field f, uint64_t v) { s.values[static_cast<size_t>(f)] = v; };
  set(before, Field::pgfault, 1000), set(after, Field::pgfault, 6000);
  set(before, Field::pgmajfault, 10), set(after, Field::pgmajfault, 60);
  set(after, Field::pgscan_kswapd, 800), set(after, Field::pgscan_direct, 200);
  set(after, Field::pgsteal_kswapd, 600), set(after, Field::pgsteal_direct, 150);
  set(after, Field::nr_dirty, 256);
  set(before, Field::psi_some_us, 100'000), set(after, Field::psi_some_us, 200'000);
  Row row;
  compute_row(first, before, after, row);
  EXPECT_DOUBLE_EQ(row.t_s, 1.5);
  EXPECT_DOUBLE_EQ(row[Metric::minflt_s], (4950.0) / 0.5);
  EXPECT_DOUBLE_EQ(row[Metric::majflt_s], 100.0);
  EXPECT_DOUBLE_EQ(row[Metric::scan_kswapd_s], 1600.0);
  EXPECT_DOUBLE_EQ(row[Metric::reclaim_eff_pct], 75.0);
  EXPECT_DOUBLE_EQ(row[Metric::dirty_mib], 1.0);
  EXPECT_DOUBLE_EQ(row[Metric::psi_some_pct], 20.0);  // 0.1 s stalled in 0.5 s
  EXPECT_FALSE(row.has(Metric::psi_full_pct));
  EXPECT_FALSE(row.has(Metric::allocstall_s));
  EXPECT_FALSE(row.has(Metric::pid_minflt_s));
  // No scanning: efficiency is undefined, not 0 or 100.
  compute_row(first, after, after, row);
  EXPECT_FALSE(row.has(Metric::reclaim_eff_pct));
}

TEST(Rates, MetricNamesAreUniqueAndInOrder) {
  std::set<std::string_view> names;
  size_t i = 0;
  for (const MetricInfo& m : metrics()) {
    EXPECT_EQ(static_cast<size_t>(m.metric), i++);
    EXPECT_TRUE(names.insert(m.name).second) << m.name;
    EXPECT_FALSE(m.unit.empty()) << m.name;
  }
  EXPECT_EQ(i, kMetricCount);
}

TEST(SamplerLive, DoesNotAllocateWhileSamplingThisHost) {
  Sampler sampler(HostFs("/"), SamplerTarget{::getpid(), std::nullopt});
  Sample s;
  ASSERT_TRUE(sampler.sample(s));
  ASSERT_TRUE(sampler.sample(s));
  size_t before = test::allocations_so_far();
  for (int i = 0; i < 200; ++i) ASSERT_TRUE(sampler.sample(s));
  EXPECT_EQ(test::allocations_so_far() - before, 0u);
  EXPECT_TRUE(s.has(Field::pgfault));
  EXPECT_TRUE(s.has(Field::zone_low));
  EXPECT_GT(s[Field::proc_rss_pages], 0u);
}

TEST(SamplerLive, TicksAtTheIntervalForTheDuration) {
  Sampler sampler{HostFs("/")};
  SamplerStop stop;
  std::vector<int64_t> times;
  SamplingEnd end = run_sampling(sampler, SamplingOptions{20ms, 200ms}, stop,
                                 [&](const Sample& s) { times.push_back(s.mono_ns); });
  EXPECT_EQ(end, SamplingEnd::duration);
  ASSERT_EQ(times.size(), 11u);  // the first sample, then one per 20 ms for 200 ms
  for (size_t i = 1; i < times.size(); ++i) EXPECT_GT(times[i], times[i - 1]);
  // Absolute deadlines: the last tick is 200 ms after the first, whatever each tick cost.
  EXPECT_GE(times.back() - times.front(), 200'000'000);
  EXPECT_LT(times.back() - times.front(), 260'000'000);
}

TEST(SamplerLive, StopsPromptlyWhenAnotherThreadAsks) {
  Sampler sampler{HostFs("/")};
  SamplerStop stop;
  auto start = std::chrono::steady_clock::now();
  std::thread stopper([&] {
    std::this_thread::sleep_for(150ms);
    stop.request();
  });
  size_t samples = 0;
  SamplingEnd end = run_sampling(sampler, SamplingOptions{10s, std::nullopt}, stop,
                                 [&](const Sample&) { ++samples; });
  stopper.join();
  EXPECT_EQ(end, SamplingEnd::stopped);
  EXPECT_EQ(samples, 1u);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s);  // did not wait for the 10 s tick
}

TEST(SamplerLive, BackgroundSamplerCountsAChildsFaultsAndSeesItGo) {
  int go[2];
  ASSERT_EQ(::pipe(go), 0);
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::close(go[1]);  // else the final read never sees EOF
    char byte;
    if (::read(go[0], &byte, 1) != 1) ::_exit(1);
    constexpr size_t kBytes = 16 << 20;
    void* p = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ::_exit(1);
    ::madvise(p, kBytes, MADV_NOHUGEPAGE);
    for (size_t i = 0; i < kBytes; i += 4096) static_cast<volatile char*>(p)[i] = 1;
    if (::read(go[0], &byte, 1) < 0) ::_exit(1);  // wait for EOF: stay until sampled
    ::_exit(0);
  }
  ::close(go[0]);
  std::vector<Sample> series;
  {
    BackgroundSampler bg(Sampler(HostFs("/"), SamplerTarget{child, std::nullopt}), 20ms);
    std::this_thread::sleep_for(60ms);
    ASSERT_EQ(::write(go[1], "g", 1), 1);
    std::this_thread::sleep_for(300ms);
    series = bg.stop();
    EXPECT_EQ(bg.end(), SamplingEnd::stopped);
  }
  ::close(go[1]);
  int status = 0;
  ::waitpid(child, &status, 0);
  ASSERT_GE(series.size(), 10u);
  auto faults = delta(series.front(), series.back(), Field::proc_minflt);
  ASSERT_TRUE(faults.has_value());
  EXPECT_GE(*faults, 4096u);          // 16 MiB of 4 KiB pages
  EXPECT_LT(*faults, 4096u + 1000u);  // and not much else
  EXPECT_THROW(Sampler(HostFs("/"), SamplerTarget{child, std::nullopt}), Error);  // reaped: gone
}

TEST(SamplerLive, ReportsAProcessThatWentAway) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::pause();
    ::_exit(0);
  }
  Sampler sampler(HostFs("/"), SamplerTarget{child, std::nullopt});
  Sample s;
  EXPECT_TRUE(sampler.sample(s));
  ::kill(child, SIGKILL);
  int status = 0;
  ::waitpid(child, &status, 0);
  EXPECT_FALSE(sampler.sample(s));
  EXPECT_FALSE(s.has(Field::proc_minflt));
  EXPECT_TRUE(s.has(Field::pgfault));  // the host part is still there
}

TEST(SamplerLive, EndsWhenTheTargetGoesAndDeliversOnlyWholeSamples) {
  pid_t child = ::fork();
  ASSERT_GE(child, 0);
  if (child == 0) {
    ::usleep(120'000);
    ::_exit(0);
  }
  Sampler sampler(HostFs("/"), SamplerTarget{child, std::nullopt});
  std::thread reaper(
      [child] { ::waitpid(child, nullptr, 0); });  // the process vanishes once reaped
  SamplerStop stop;
  std::vector<Sample> series;
  SamplingEnd end = run_sampling(sampler, SamplingOptions{20ms, 5s}, stop,
                                 [&](const Sample& s) { series.push_back(s); });
  reaper.join();
  EXPECT_EQ(end, SamplingEnd::target_gone);
  ASSERT_GE(series.size(), 3u);
  for (const Sample& s : series) EXPECT_TRUE(s.has(Field::proc_minflt));
}

}  // namespace
}  // namespace mmtune::probes
