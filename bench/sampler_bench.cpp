// sampler_bench: what one tick of probes::Sampler costs next to the raw cost of reading the same
// files, and what sampling at 10 Hz costs the machine. Run by hand (not a test):
//
//   build/bench/sampler_bench [--ticks N] [--pid PID] [--seconds S] [--root DIR]
//
// Per tick, for the files the host sampler reads (/proc/vmstat, /proc/zoneinfo,
// /proc/pressure/memory, plus /proc/PID/stat with --pid), three ways, interleaved round by round so
// that load from other processes hits all three alike:
//   open+read+close   open each file, read it to EOF, close it (what a naive reader does)
//   pread             the files kept open, one pread per file, no parsing (the floor)
//   sampler           Sampler::sample(): pread + parsing the watched lines into a Sample
// Each is timed with CLOCK_THREAD_CPUTIME_ID (CPU time of this thread, so time spent preempted by
// other processes does not count) and CLOCK_MONOTONIC; medians and p99 over N ticks. Then a real
// run_sampling() loop at 100 ms for S seconds, with the process's CPU clock.
#include <fcntl.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <vector>

#include "probes/host_fs.hpp"
#include "probes/sampler.hpp"

namespace {

using mmtune::probes::HostFs;
using mmtune::probes::Sample;
using mmtune::probes::Sampler;
using mmtune::probes::SamplerTarget;

int64_t now_ns(clockid_t clock) {
  timespec t{};
  ::clock_gettime(clock, &t);
  return int64_t{t.tv_sec} * 1'000'000'000 + t.tv_nsec;
}

struct Timing {
  std::vector<int64_t> cpu_ns, wall_ns;
};

struct Stats {
  double median_us, p99_us;
};

Stats stats(std::vector<int64_t> values) {
  std::sort(values.begin(), values.end());
  auto at = [&](double q) {
    return double(values[size_t(q * double(values.size() - 1))]) / 1000.0;
  };
  return {at(0.5), at(0.99)};
}

template <typename F>
void timed(Timing& timing, F&& work) {
  int64_t wall = now_ns(CLOCK_MONOTONIC), cpu = now_ns(CLOCK_THREAD_CPUTIME_ID);
  work();
  timing.cpu_ns.push_back(now_ns(CLOCK_THREAD_CPUTIME_ID) - cpu);
  timing.wall_ns.push_back(now_ns(CLOCK_MONOTONIC) - wall);
}

std::string loadavg() {
  char text[128] = {};
  int fd = ::open("/proc/loadavg", O_RDONLY | O_CLOEXEC);
  if (fd >= 0) {
    ssize_t n = ::read(fd, text, sizeof text - 1);
    ::close(fd);
    if (n > 0) text[n - 1] = '\0';
  }
  return text;
}

}  // namespace

int main(int argc, char** argv) {
  int ticks = 5000;
  double seconds = 10;
  std::string root = "/";
  SamplerTarget target;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string option = argv[i];
    if (option == "--ticks")
      ticks = std::atoi(argv[i + 1]);
    else if (option == "--seconds")
      seconds = std::atof(argv[i + 1]);
    else if (option == "--root")
      root = argv[i + 1];
    else if (option == "--pid")
      target.pid = std::atoi(argv[i + 1]);
    else {
      std::fprintf(stderr,
                   "usage: sampler_bench [--ticks N] [--pid PID] [--seconds S] [--root DIR]\n");
      return 2;
    }
  }
  if (ticks < 10) ticks = 10;

  HostFs fs(root);
  std::vector<std::string> paths;
  for (const char* rel : {"proc/vmstat", "proc/zoneinfo", "proc/pressure/memory"}) {
    if (::access(fs.path(rel).c_str(), R_OK) == 0) paths.push_back(fs.path(rel).string());
  }
  if (target.pid)
    paths.push_back(fs.path("proc/" + std::to_string(*target.pid) + "/stat").string());

  Sampler sampler(fs, target);
  std::vector<int> fds;
  for (const std::string& path : paths) fds.push_back(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
  static char buffer[1 << 17];
  size_t bytes_per_tick = 0;

  auto open_read_close = [&] {
    for (const std::string& path : paths) {
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      while (::read(fd, buffer, sizeof buffer) > 0) {
      }
      ::close(fd);
    }
  };
  auto pread_all = [&] {
    size_t total = 0;
    for (int fd : fds) total += size_t(std::max<ssize_t>(0, ::pread(fd, buffer, sizeof buffer, 0)));
    bytes_per_tick = total;
  };
  Sample sample;
  auto sample_once = [&] { sampler.sample(sample); };

  for (int i = 0; i < 200; ++i) open_read_close(), pread_all(), sample_once();  // warm caches
  Timing naive, raw, ours;
  for (int i = 0; i < ticks; ++i) {
    timed(naive, open_read_close);
    timed(raw, pread_all);
    timed(ours, sample_once);
  }

  std::printf("sampler_bench: %d ticks, %zu files (%zu bytes per tick), root %s\n", ticks,
              paths.size(), bytes_per_tick, root.c_str());
  std::printf("load average before: %s\n\n", loadavg().c_str());
  std::printf("%-18s %14s %12s %14s %12s\n", "per tick", "CPU median µs", "CPU p99 µs",
              "wall median µs", "wall p99 µs");
  Stats raw_cpu = stats(raw.cpu_ns), ours_cpu = stats(ours.cpu_ns), naive_cpu = stats(naive.cpu_ns);
  for (auto [name, timing] :
       {std::pair{"open+read+close", &naive}, {"pread (raw)", &raw}, {"sampler", &ours}}) {
    Stats cpu = stats(timing->cpu_ns), wall = stats(timing->wall_ns);
    std::printf("%-18s %14.2f %12.2f %14.2f %12.2f\n", name, cpu.median_us, cpu.p99_us,
                wall.median_us, wall.p99_us);
  }
  std::printf("\nsampler / raw pread       = %.2fx (CPU medians; target <= 1.5x)\n",
              ours_cpu.median_us / raw_cpu.median_us);
  std::printf("sampler / open+read+close = %.2fx\n", ours_cpu.median_us / naive_cpu.median_us);
  std::printf("sampler at 10 Hz, from the median tick: %.4f%% of one CPU (target < 0.5%%)\n",
              ours_cpu.median_us * 10 / 1e6 * 100);

  // A real 10 Hz loop: CPU time of the whole process (sampling thread, wake-ups, the loop).
  if (seconds > 0) {
    mmtune::probes::SamplerStop stop;
    size_t samples = 0;
    int64_t cpu_before = now_ns(CLOCK_PROCESS_CPUTIME_ID);
    int64_t start = now_ns(CLOCK_MONOTONIC);
    mmtune::probes::SamplingOptions options;
    options.interval = std::chrono::milliseconds(100);
    options.duration = std::chrono::nanoseconds(int64_t(seconds * 1e9));
    mmtune::probes::run_sampling(sampler, options, stop, [&](const Sample&) { ++samples; });
    double elapsed = double(now_ns(CLOCK_MONOTONIC) - start) / 1e9;
    double used = double(now_ns(CLOCK_PROCESS_CPUTIME_ID) - cpu_before) / 1e9;
    std::printf(
        "run_sampling at 100 ms for %.1f s: %zu samples, %.3f ms CPU = %.4f%% of one CPU (process "
        "CPU clock)\n",
        elapsed, samples, used * 1e3, used / elapsed * 100);
  }
  std::printf("load average after: %s\n", loadavg().c_str());
  for (int fd : fds) ::close(fd);
  return 0;
}
