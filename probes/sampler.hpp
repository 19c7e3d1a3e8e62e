#pragma once
// The sampler: a vmstat for the memory manager, cheap enough to run at 10–100 Hz beside a workload.
//
// A Sampler opens its files once (host: /proc/vmstat, /proc/zoneinfo, /proc/pressure/memory;
// optionally /proc/PID/stat and a memory cgroup's files), learns at construction which line of each
// file holds which counter, and from then on re-reads each file with one pread() into a buffer it
// owns and parses only those lines: no allocation per sample in steady state. Every Sample carries
// a CLOCK_MONOTONIC timestamp taken just before the files are read.
//
// Threads and processes: a Sampler has no global state and may be used from any one thread at a
// time (different Samplers are independent). run_sampling() drives one at absolute deadlines and
// stops when a SamplerStop is requested, which is safe from a signal handler or another thread.
// BackgroundSampler does that on its own thread and keeps the series, for the workload runner. A
// separate process can run `mmtune probe --format jsonl` instead and read one record per tick.
//
// Values are cumulative counters as the kernel keeps them (events or pages since boot) and gauges
// (pages, bytes, µs totals); rates.hpp turns two samples into per-second rates.
#include <array>
#include <atomic>
#include <bitset>
#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "probes/host_fs.hpp"
#include "probes/readers.hpp"

namespace mmtune::probes {

// Every raw value a sample can hold. The comment names the source and the unit.
enum class Field : uint8_t {
  // Host, /proc/vmstat: cumulative.
  pgfault,             // all page faults (minor + major), events
  pgmajfault,          // major faults (needed I/O), events
  pgscan_kswapd,       // pages scanned by kswapd (sum of per-zone counters on kernels < 4.8)
  pgscan_direct,       // pages scanned by direct reclaim
  pgsteal_kswapd,      // pages reclaimed by kswapd
  pgsteal_direct,      // pages reclaimed by direct reclaim
  allocstall,          // direct-reclaim entries: allocstall, or the sum of allocstall_* (4.8+)
  compact_stall,       // direct compaction entries
  thp_fault_alloc,     // huge pages allocated at fault time
  thp_fault_fallback,  // huge-page faults that fell back to small pages
  pswpin,              // pages swapped in
  pswpout,             // pages swapped out
  workingset_refault,  // refaults of evicted pages (anon + file from 5.9)
  // Host, /proc/vmstat: gauges in pages.
  nr_dirty,
  nr_writeback,
  nr_free_pages,
  // Host, /proc/zoneinfo: sums over zones with managed pages, in pages. The kernel prints the
  // watermarks with the current boost already added, which is what reclaim compares against.
  zone_free,
  zone_min,
  zone_low,
  zone_high,
  // Host, /proc/pressure/memory: cumulative stall time, µs.
  psi_some_us,
  psi_full_us,
  // Process, /proc/PID/stat.
  proc_minflt,     // cumulative minor faults
  proc_majflt,     // cumulative major faults
  proc_rss_pages,  // gauge
  // Memory cgroup (v2 memory.stat / memory.current / memory.events / memory.pressure; v1
  // memory.stat total_* / memory.usage_in_bytes / memory.oom_control).
  cg_pgfault,          // cumulative, events
  cg_pgmajfault,       // cumulative, events
  cg_pgscan,           // cumulative, pages (v2 only)
  cg_pgsteal,          // cumulative, pages (v2 only)
  cg_refault,          // cumulative, pages
  cg_current_bytes,    // gauge
  cg_dirty_bytes,      // gauge
  cg_writeback_bytes,  // gauge
  cg_oom_kill,         // cumulative, events (v2; v1 from 4.13)
  cg_psi_some_us,      // cumulative, µs (v2 only)
  cg_psi_full_us,      // cumulative, µs (v2 only)
  count_
};
inline constexpr size_t kFieldCount = static_cast<size_t>(Field::count_);

// The snake_case name of a field ("pgscan_kswapd"), for output and tests.
std::string_view field_name(Field field);

struct Sample {
  int64_t mono_ns = 0;  // CLOCK_MONOTONIC, taken just before the files were read
  std::array<uint64_t, kFieldCount> values{};
  std::bitset<kFieldCount> present;  // false: this host, kernel or target does not have it

  bool has(Field f) const { return present.test(static_cast<size_t>(f)); }
  uint64_t operator[](Field f) const { return values[static_cast<size_t>(f)]; }
  std::optional<uint64_t> get(Field f) const {
    return has(f) ? std::optional<uint64_t>((*this)[f]) : std::nullopt;
  }
};

// Counter increase from before to after (0 if the counter went backwards, e.g. a recreated cgroup);
// nullopt if either sample lacks it.
std::optional<uint64_t> delta(const Sample& before, const Sample& after, Field f);

// What to sample besides the host.
struct SamplerTarget {
  std::optional<int> pid;  // /proc/PID/stat
  // A memory cgroup: a cgroup path as in /proc/PID/cgroup ("/system.slice/x.service"), resolved
  // against the mounted hierarchy, or a directory ("/sys/fs/cgroup/memory/x").
  std::optional<std::string> cgroup;
};

class Sampler {
 public:
  // Opens every file and resolves where each counter is. Throws Error{bad_input} for a pid that
  // does not exist or a cgroup without the memory controller, Error{unsupported} when
  // /proc/vmstat cannot be read. Host files a kernel lacks (PSI before 4.20) are absence.
  explicit Sampler(const HostFs& fs, const SamplerTarget& target = {});
  ~Sampler();
  Sampler(Sampler&& other) noexcept;
  Sampler& operator=(Sampler&& other) noexcept;
  Sampler(const Sampler&) = delete;
  Sampler& operator=(const Sampler&) = delete;

  // Reads every file into *out (overwriting it). Returns false when the target process or cgroup
  // has gone away (the sample then lacks its fields); host fields are always filled.
  bool sample(Sample& out);

  // Fields this sampler fills when everything is readable.
  const std::bitset<kFieldCount>& fields() const;
  const SamplerTarget& target() const;
  // The cgroup directory being sampled (empty without --cgroup) and its version.
  const CgroupDir& cgroup() const;

  struct Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

// Stop request for run_sampling(): request() is async-signal-safe and thread-safe (an eventfd
// write), so a SIGINT handler or another thread can end a sampling loop without waiting for its
// next tick.
class SamplerStop {
 public:
  SamplerStop();
  ~SamplerStop();
  SamplerStop(const SamplerStop&) = delete;
  SamplerStop& operator=(const SamplerStop&) = delete;
  void request() noexcept;
  bool requested() const noexcept { return requested_.load(std::memory_order_acquire); }
  int fd() const { return fd_; }

 private:
  int fd_ = -1;
  std::atomic<bool> requested_{false};
};

enum class SamplingEnd { duration, stopped, target_gone };

struct SamplingOptions {
  std::chrono::nanoseconds interval{std::chrono::seconds(1)};
  std::optional<std::chrono::nanoseconds> duration;  // nullopt: until stopped
};

// Takes a first sample at once, then one at each start + k·interval (absolute deadlines on
// CLOCK_MONOTONIC, so ticks do not drift; a deadline missed because a tick ran long is skipped)
// until start + duration is reached, stop is requested, or the target goes away. on_sample is
// called after every sample, the first included, on the calling thread; a sample in which the
// target had gone is not passed on (so every delivered sample has the same fields).
SamplingEnd run_sampling(Sampler& sampler, const SamplingOptions& options, SamplerStop& stop,
                         const std::function<void(const Sample&)>& on_sample);

// Runs a Sampler on its own thread and keeps every sample, for the workload runner:
//   BackgroundSampler bg(Sampler(fs, {.pid = child}), 100ms);
//   … run the workload …
//   std::vector<Sample> series = bg.stop();
class BackgroundSampler {
 public:
  // reserve: samples to make room for up front (past it the vector grows, which allocates).
  BackgroundSampler(Sampler sampler, std::chrono::nanoseconds interval, size_t reserve = 4096);
  ~BackgroundSampler();  // stops and joins
  BackgroundSampler(const BackgroundSampler&) = delete;
  BackgroundSampler& operator=(const BackgroundSampler&) = delete;

  // Stops (after one last sample), joins, and hands over the series. Later calls return empty.
  std::vector<Sample> stop();
  // How the loop ended (valid after stop()).
  SamplingEnd end() const { return end_; }

 private:
  Sampler sampler_;
  SamplerStop stop_;
  std::vector<Sample> samples_;
  SamplingEnd end_ = SamplingEnd::stopped;
  std::thread thread_;
};

}  // namespace mmtune::probes
