// The governor in the runner on this host: each tripwire provoked for real with a small limit and
// a short workload — the run stops, the verdict says "stopped by the governor: <tripwire> at
// <value>", the result records when and what the signal was once the workload had gone, and the
// host is as it was. Each test prints what it measured (the figures docs/governor.md quotes).
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/swap.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <thread>

#include "changes/slow_device.hpp"
#include "probes/readers.hpp"
#include "tests/workloads/pressure_support.hpp"
#include "tests/workloads/run_tiny.hpp"

namespace mmtune::workloads {
namespace {

namespace fs = std::filesystem;

// Runs the workload with only the tripwires in limits on, sampling every 20 ms.
Result run_governed(std::string_view name, Params params, GovernorLimits limits) {
  RunOptions options;
  options.governor = limits;
  options.sample_interval = std::chrono::milliseconds(20);
  options.time_limit = std::chrono::seconds(60);
  return run_tiny(name, std::move(params), options);
}

// The governor stopped the run at this tripwire, and said so.
void expect_stopped_by(const Result& r, std::string_view tripwire) {
  ASSERT_TRUE(r.governor_stop.has_value()) << r.verdict.reason;
  EXPECT_EQ(r.governor_stop->tripwire, tripwire);
  EXPECT_EQ(r.verdict.status, Status::failed);
  EXPECT_EQ(r.verdict.reason.rfind("stopped by the governor: " + std::string(tripwire) + " at ", 0),
            0u)
      << r.verdict.reason;
  EXPECT_GE(r.governor_stop->ended_s, r.governor_stop->at_s);
  EXPECT_GT(r.limits.governor.count(std::string(tripwire)), 0u);
}

void print_figures(const Result& r) {
  if (!r.governor_stop) return;
  const GovernorStop& stop = *r.governor_stop;
  std::cout << "[ governor ] " << r.workload << ": " << stop.what << "; crossed at " << stop.at_s
            << " s, workload gone at " << stop.ended_s << " s, then "
            << (stop.value_at_end ? "still past the limit: " + std::to_string(*stop.value_at_end)
                                  : std::string("back under the limit"))
            << "; run " << r.wall_s << " s\n";
}

bool has_psi() { return fs::exists("/proc/pressure/memory"); }

class GovernorLiveTest : public testing::Test {
 protected:
  void SetUp() override {
    facts_ = probes::read_host_facts(probes::HostFs("/"));
    if (!test::is_root()) GTEST_SKIP() << "the governor's workloads need root";
    // Tests that provoke a tripwire from a thread on a clock of their own (an OOM kill at 0.7 s,
    // spinners at 5.5 s) need the run to start at once, not after run_tiny has waited for an
    // earlier test's io stall to fade: they would fire before the run began.
    test::wait_for_quiet_io();
  }
  facts::HostFacts facts_;
};

TEST_F(GovernorLiveTest, ZoneFreeTripsWhenAWorkloadTakesTheMarginAway) {
  // The margin that puts the threshold of the zone with the most free pages (where a workload's
  // pages come from) 128 MiB under its free pages: touching 1 GiB takes it below. Every other zone
  // must be farther from its own threshold at that margin, or the test would provoke nothing.
  constexpr double kHeadroomPages = 128.0 * 1024 * 1024 / 4096;
  auto ratio = [](const facts::Zone& zone, double headroom) {
    return (double(zone.free_pages) - double(zone.min_pages) - headroom) /
           double(zone.low_pages - zone.min_pages);
  };
  std::vector<facts::Zone> zones;
  for (const facts::Zone& zone : probes::read_zoneinfo(probes::HostFs("/")))
    if (zone.managed_pages > 0 && zone.low_pages > zone.min_pages) zones.push_back(zone);
  ASSERT_FALSE(zones.empty());
  const facts::Zone& fullest = *std::max_element(
      zones.begin(), zones.end(),
      [](const facts::Zone& a, const facts::Zone& b) { return a.free_pages < b.free_pages; });
  const double margin = ratio(fullest, kHeadroomPages);
  if (margin <= 0) GTEST_SKIP() << "less than 128 MiB free above the min watermark";
  for (const facts::Zone& zone : zones) {
    if (&zone != &fullest && ratio(zone, 0) <= margin)
      GTEST_SKIP() << "zone " << zone.name << " is nearer its watermark than " << fullest.name;
  }
  GovernorLimits limits;
  limits.zone_margin = margin;
  test::HostSettingsLock lock;
  Result r = run_governed("demand-paging", {{"size", "1GiB"}, {"warmup", "off"}}, limits);
  ASSERT_NO_FATAL_FAILURE(expect_stopped_by(r, "zone-free"));
  EXPECT_EQ(r.governor_stop->unit, "pages");
  EXPECT_LT(r.governor_stop->value, r.governor_stop->limit);
  print_figures(r);
}

TEST_F(GovernorLiveTest, PsiMemoryFullTripsUnderCgroupReclaim) {
  if (!has_psi()) GTEST_SKIP() << "no /proc/pressure on this kernel";
  if (facts_.cgroup.version == 0) GTEST_SKIP() << "reclaim needs a memory cgroup controller";
  GovernorLimits limits;
  limits.psi_memory_full_pct = 0.05;
  test::HostSettingsLock lock;
  test::TempDir dir;
  const HostSnapshot before = snapshot_host();
  Result r = run_governed("reclaim",
                          {{"limit", "96MiB"},
                           {"anon", "64MiB"},
                           {"file", "160MiB"},
                           {"duration", "15s"},
                           {"dir", dir.path().string()}},
                          limits);
  ASSERT_NO_FATAL_FAILURE(expect_stopped_by(r, "psi-memory-full"));
  EXPECT_GT(r.governor_stop->value, 0.05);
  EXPECT_LT(r.wall_s, 30.0) << "stopped before its two 15 s phases ran out";
  EXPECT_EQ(snapshot_host(), before) << "cgroups, files and settings cleaned up";
  print_figures(r);
}

// A dirty flood on a slow device waits on the loop device the run made for itself: the host's io
// PSI is then the run's own stall, so the io tripwire of a preset stays off for it (the result
// says so); asked for by name (--stop-at-psi-io), it trips.
TEST_F(GovernorLiveTest, PsiIoFullTripsOnTheRunsOwnSlowDeviceOnlyWhenAskedFor) {
  if (!fs::exists("/proc/pressure/io")) GTEST_SKIP() << "no /proc/pressure on this kernel";
  if (auto why = changes::slow_device_unsupported(probes::HostFs("/"))) GTEST_SKIP() << *why;
  test::HostSettingsLock lock;
  test::TempDir dir;
  const HostSnapshot before = snapshot_host();
  const Params params = {
      {"device-bps", "30M"}, {"dirty-bytes", "64MiB"}, {"dirty-background-bytes", "16MiB"},
      {"size", "256MiB"},    {"duration", "15s"},      {"dir", dir.path().string()}};
  GovernorLimits from_preset;
  from_preset.psi_io_full_pct = 1.0;
  const Result own = run_governed("dirty-flood", params, from_preset);
  EXPECT_FALSE(own.governor_stop.has_value()) << own.governor_stop->what;
  EXPECT_EQ(own.limits.governor.count("psi-io-full"), 0u) << "recorded as off for this run";
  EXPECT_TRUE(std::any_of(own.notes.begin(), own.notes.end(), [](const std::string& note) {
    return note.find("io PSI tripwire is off for this run") != std::string::npos;
  }));

  // Asked for at 10 %: the run starts under 5 % (run_tiny waits for that), so what crosses is its
  // own flood (past 20 % within 3 s here), not what the run before left in the 10 s average.
  GovernorLimits asked;
  asked.psi_io_full_pct = 10.0;
  asked.psi_io_asked = true;
  const Result r = run_governed("dirty-flood", params, asked);
  ASSERT_NO_FATAL_FAILURE(expect_stopped_by(r, "psi-io-full"));
  EXPECT_GT(r.governor_stop->value, 10.0);
  EXPECT_EQ(snapshot_host(), before) << "loop device, mount, image and settings cleaned up";
  print_figures(r);
}

// A swap file of the test's own (not named like mmtune's), preferred over any other, taken away
// after the test.
class TestSwap {
 public:
  explicit TestSwap(const fs::path& dir) : path_(dir / "governor-test-swap") {
    const uint64_t size = 128u << 20;
    int fd = ::open(path_.c_str(), O_CREAT | O_WRONLY | O_CLOEXEC, 0600);
    std::vector<char> zeros(1 << 20, 0);
    for (uint64_t done = 0; fd >= 0 && done < size; done += zeros.size())
      if (::write(fd, zeros.data(), zeros.size()) < 0) break;
    if (fd >= 0) ::close(fd);
    const std::string command = "mkswap -q " + path_.string() + " >/dev/null 2>&1";
    on_ = std::system(command.c_str()) == 0 &&
          ::swapon(path_.c_str(), SWAP_FLAG_PREFER | (100 << SWAP_FLAG_PRIO_SHIFT)) == 0;
  }
  // swapoff fails while the stopped workload's cgroup still holds swapped pages it cannot take
  // back in (ENOMEM at its limit): try again for up to 10 s, and never throw from here.
  ~TestSwap() {
    for (int tries = 0; on_ && ::swapoff(path_.c_str()) != 0 && tries < 100; ++tries)
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    std::error_code ec;
    fs::remove(path_, ec);
  }
  bool on() const { return on_; }

 private:
  fs::path path_;
  bool on_ = false;
};

TEST_F(GovernorLiveTest, SwapFillTripsWhenTheHostsOwnSwapFills) {
  if (facts_.cgroup.version == 0) GTEST_SKIP() << "reclaim needs a memory cgroup controller";
  test::HostSettingsLock lock;  // swapon/swapoff are host-wide
  test::TempDir dir;
  TestSwap swap(dir.path());
  if (!swap.on()) GTEST_SKIP() << "cannot make a swap file here";
  GovernorLimits limits;
  limits.swap_fill = 0.02;
  Result r = run_governed("reclaim",
                          {{"limit", "96MiB"},
                           {"anon", "64MiB"},
                           {"file", "64MiB"},
                           {"swappiness-low", "100"},
                           {"duration", "10s"},
                           {"dir", dir.path().string()}},
                          limits);
  ASSERT_NO_FATAL_FAILURE(expect_stopped_by(r, "swap-fill"));
  EXPECT_GT(r.governor_stop->value, 0.02);
  print_figures(r);
}

// A process of the test's own, in a memory cgroup of its own (not mmtune's) with a 16 MiB limit,
// that allocates until that cgroup's OOM killer ends it.
pid_t provoke_foreign_oom(const fs::path& cgroup) {
  const pid_t pid = ::fork();
  if (pid != 0) return pid;
  std::ofstream(cgroup / "cgroup.procs") << ::getpid() << std::flush;
  for (int i = 0; i < 64; ++i) {
    void* p = ::mmap(nullptr, 4 << 20, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p != MAP_FAILED) std::memset(p, 1, 4 << 20);
  }
  ::_exit(0);
}

// A v1 memory cgroup that is not mmtune's, with a 16 MiB limit, removed after the test.
class ForeignCgroup {
 public:
  ForeignCgroup()
      : path_(fs::path("/sys/fs/cgroup/memory") / ("governor-test-" + std::to_string(::getpid()))) {
    fs::create_directory(path_);
    std::ofstream(path_ / "memory.limit_in_bytes") << (16 << 20) << std::flush;
  }
  ~ForeignCgroup() {
    std::error_code ec;
    fs::remove(path_, ec);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

TEST_F(GovernorLiveTest, AForeignOomKillTrips) {
  if (facts_.cgroup.version != 1) GTEST_SKIP() << "the test's cgroup is made with cgroup v1";
  ForeignCgroup cgroup;
  GovernorLimits limits;
  limits.foreign_oom_kill = true;
  pid_t victim = 0;
  std::jthread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(700));  // the run has begun
    victim = provoke_foreign_oom(cgroup.path());
    int status = 0;
    ::waitpid(victim, &status, 0);
  });
  Result r = run_governed("false-sharing", {{"threads", "2"}, {"duration", "3s"}}, limits);
  killer.join();
  ASSERT_NO_FATAL_FAILURE(expect_stopped_by(r, "foreign-oom-kill"));
  EXPECT_EQ(r.governor_stop->value, double(victim));
  EXPECT_LT(r.wall_s, 5.5) << "stopped before its two 3 s layouts ran out";
  print_figures(r);
}

// Busy seconds and idle seconds of the host over `span`, from /proc/stat.
double idle_cpus_over(std::chrono::milliseconds span) {
  auto idle = [] {
    std::ifstream stat("/proc/stat");
    std::string cpu;
    double user, nice, system, idle_ticks;
    stat >> cpu >> user >> nice >> system >> idle_ticks;
    return idle_ticks / double(::sysconf(_SC_CLK_TCK));
  };
  const double before = idle();
  std::this_thread::sleep_for(span);
  return (idle() - before) / (double(span.count()) / 1000);
}

// A process outside the test's process tree (its parent exits at once) spinning on one CPU for at
// most `seconds`; its pid.
pid_t spin_outside(double seconds) {
  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) return -1;
  const pid_t middle = ::fork();
  if (middle == 0) {
    const pid_t spinner = ::fork();
    if (spinner == 0) {
      const auto end = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
      volatile uint64_t n = 0;
      while (std::chrono::steady_clock::now() < end) n = n + 1;
      ::_exit(0);
    }
    [[maybe_unused]] ssize_t sent = ::write(pipe_fds[1], &spinner, sizeof spinner);
    ::_exit(0);
  }
  ::close(pipe_fds[1]);
  pid_t spinner = -1;
  if (::read(pipe_fds[0], &spinner, sizeof spinner) != sizeof spinner) spinner = -1;
  ::close(pipe_fds[0]);
  ::waitpid(middle, nullptr, 0);
  return spinner;
}

TEST_F(GovernorLiveTest, ForeignCpuTripsWhenOthersLoadRises) {
  // A rise shows only where there is room for one: more than a CPU idle before the run.
  const double idle = idle_cpus_over(std::chrono::seconds(2));
  if (idle < 1.2) GTEST_SKIP() << "the host is too busy to show a rise: " << idle << " CPUs idle";
  GovernorLimits limits;
  limits.foreign_cpu_rise = 0.25;  // of the online CPUs
  std::vector<pid_t> spinners;
  std::jthread load([&] {
    // After the governor's first 5 s window: two spinners outside mmtune's process tree.
    std::this_thread::sleep_for(std::chrono::milliseconds(5500));
    for (int i = 0; i < 2; ++i) spinners.push_back(spin_outside(15));
  });
  // Two writers and two spinners on two CPUs: the spinners take about one CPU from them.
  Result r = run_governed("false-sharing", {{"threads", "2"}, {"duration", "9s"}}, limits);
  load.join();
  for (pid_t spinner : spinners)
    if (spinner > 0) ::kill(spinner, SIGKILL);
  ASSERT_NO_FATAL_FAILURE(expect_stopped_by(r, "foreign-cpu")) << r.verdict.reason;
  EXPECT_LT(r.wall_s, 17.0) << "stopped before its two 9 s layouts ran out";
  print_figures(r);
}

}  // namespace
}  // namespace mmtune::workloads
