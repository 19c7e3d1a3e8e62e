// dirty-flood: buffered writers far past the dirty limits, and a bystander that does no I/O.
//
// W threads each write a file of their own (--block bytes per write()) until --size bytes are
// written or --duration has passed. A thread reads nr_dirty and nr_writeback from /proc/vmstat
// every 2 ms; each write's start and end are kept. From these: the dirty level over time beside
// the model's background threshold, free-run ceiling and hard limit; the write-latency histogram;
// where throttling began and how (dirty_trace.hpp: the kernel's writeback/balance_dirty_pages
// tracepoint where it can be read, else sleeps of the writers); where dirty + writeback levelled
// off (at the hard limit, first) and where it was at the end (drifting towards the setpoint);
// throughput. A bystander process maps, touches and unmaps 256 KiB every millisecond and times
// each round: whether someone who never writes is held up too. Separate files, because writers of
// one file serialise on its inode lock, which balance_dirty_pages is called under: one writer's
// pause would stall the others, and their waits for the lock are no throttling of theirs.
//
// Storage that keeps up never throttles anyone: on this project's host writeback goes into a host
// cache at GB/s and the flusher outruns any writer (docs/workloads.md). --device-bps builds a
// slow disk for the run (slow_device.hpp: a new loop device, ext4, a write limit); the limit is
// lifted before the files are removed, so the cleanup does not wait for the queue behind it.
//
// Where the level settles on the slow disk (mm/page-writeback.c): writers run free up to the
// free-run ceiling (thresh + bg)/2; above it each is paused to dirty_ratelimit x pos_ratio, where
// pos_ratio falls from 1 at the setpoint (free-run + limit)/2 to 0 at the hard limit, and
// dirty_ratelimit is the kernel's estimate of the device's bandwidth per writer. A new device
// starts at 100 MiB/s (INIT_BW), so N writers on a device of a few tens of MB/s are held only near
// the hard limit; as the estimate comes down (over seconds) the level drifts towards the setpoint.
// The plateau (highest 1 s level) is compared with the hard limit; the level over the last third
// is shown beside the setpoint. With a wide gap between free-run ceiling and limit (ratios on a
// large host), the rise takes seconds too; more writers make it faster.
//
// The dirty sysctls can be set for the run (--dirty-ratio, --dirty-bytes, …): through the journal,
// restored at the end and after a crash. The model predicts with the settings the run will use.
#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <thread>

#include "changes/journal.hpp"
#include "changes/memcg.hpp"
#include "changes/slow_device.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/host_model.hpp"
#include "model/what_if.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
#include "workloads/dirty_analysis.hpp"
#include "workloads/dirty_trace.hpp"
#include "workloads/latency.hpp"
#include "workloads/memcg_workload.hpp"
#include "workloads/session.hpp"
#include "workloads/worker.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

namespace fs = std::filesystem;

constexpr uint64_t kPageBytes = 4096;
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kSpareDiskBytes = 1ull << 30;
constexpr int64_t kSampleNs = 2'000'000;
constexpr size_t kBystanderBytes = 256 * 1024;
constexpr size_t kBystanderSamples = 1 << 18;
// The rate balance_dirty_pages first allows each writer on a device it knows nothing of
// (mm/page-writeback.c INIT_BW), MiB/s.
constexpr double kInitialRateMiBs = 100;

struct Options {
  int writers = 4;
  uint64_t size = 0;
  uint64_t block = 0;
  std::chrono::nanoseconds duration{};
  std::string dir;
  uint64_t device_bps = 0;
  int dirty_ratio = 0;
  int dirty_background_ratio = 0;
  uint64_t dirty_bytes = 0;
  uint64_t dirty_background_bytes = 0;
  bool bystander = true;
  uint64_t memory_max = 0;
  std::string throttle_probe;
};

constexpr Param kParams[] = {
    bind<&Options::writers>(
        {"writers", ParamKind::integer, "threads", "4",
         "buffered writer threads, each writing a file of its own (with --device-bps, more writers "
         "reach the hard limit before the kernel has learned the device's bandwidth)",
         1, 64}),
    bind<&Options::size>(
        {"size", ParamKind::size, "bytes", "0",
         "bytes to write in all (0: 1.5 x the model's hard dirty limit + 64MiB; with --device-bps: "
         "until 10 s after dirty + writeback first reached the model's setpoint, or --duration); "
         "bounded by the free space of --dir",
         0}),
    bind<&Options::block>(
        {"block", ParamKind::size, "bytes", "1MiB", "bytes per write() call", 4096, 64.0 * kMiB}),
    bind<&Options::duration>({"duration", ParamKind::duration, "s", "60s",
                              "stop writing after this long even if --size is not reached", 0.1,
                              3600}),
    bind<&Options::dir>(
        {"dir", ParamKind::path, "path", "/var/tmp",
         "directory to write the file in (with --device-bps: where the slow disk's image goes)"}),
    bind<&Options::device_bps>(
        {"device-bps", ParamKind::size, "bytes/s", "0",
         "slow-device mode: write the file to a loop device made for the run, limited to this many "
         "bytes/s (0: off)",
         0}),
    bind<&Options::dirty_ratio>({"dirty-ratio", ParamKind::integer, "%", "0",
                                 "vm.dirty_ratio for the run, restored afterwards (0: as set)", 0,
                                 100}),
    bind<&Options::dirty_background_ratio>(
        {"dirty-background-ratio", ParamKind::integer, "%", "0",
         "vm.dirty_background_ratio for the run, restored afterwards (0: as set)", 0, 100}),
    bind<&Options::dirty_bytes>({"dirty-bytes", ParamKind::size, "bytes", "0",
                                 "vm.dirty_bytes for the run, restored afterwards (0: as set)", 0}),
    bind<&Options::dirty_background_bytes>(
        {"dirty-background-bytes", ParamKind::size, "bytes", "0",
         "vm.dirty_background_bytes for the run, restored afterwards (0: as set)", 0}),
    bind<&Options::bystander>(
        {"bystander", ParamKind::choice, "choice", "on",
         "on: a process that only maps, touches and unmaps 256KiB every ms times its own stalls", 0,
         0, "on|off"}),
    bind<&Options::memory_max>(
        {"memory-max", ParamKind::size, "bytes", "0",
         "cgroup v2 slow-device mode: memory.max of the writers' cgroup, which makes its own dirty "
         "domain smaller than the global one (0: no limit)",
         0}),
    bind<&Options::throttle_probe>(
        {"throttle-probe", ParamKind::choice, "choice", "auto",
         "how balance_dirty_pages' pauses are told from other sleeps: tracepoint (the kernel's "
         "writeback/balance_dirty_pages events, root and tracefs), sleep (writes whose thread "
         "slept "
         ">= 4 ms), auto (tracepoint where it can be read)",
         0, 0, "auto|tracepoint|sleep"}),
};

// ---- the plan: settings, sizes and the model's thresholds ----

std::vector<model::KnobChange> dirty_changes(const Options& o) {
  std::vector<model::KnobChange> changes;
  if (o.dirty_ratio > 0) changes.push_back({"vm.dirty_ratio", std::to_string(o.dirty_ratio)});
  if (o.dirty_bytes > 0) changes.push_back({"vm.dirty_bytes", std::to_string(o.dirty_bytes)});
  if (o.dirty_background_ratio > 0) {
    changes.push_back({"vm.dirty_background_ratio", std::to_string(o.dirty_background_ratio)});
  }
  if (o.dirty_background_bytes > 0) {
    changes.push_back({"vm.dirty_background_bytes", std::to_string(o.dirty_background_bytes)});
  }
  return changes;
}

model::DirtyLimits planned_limits(const Options& o, const facts::HostFacts& facts) {
  model::WhatIf what_if =
      model::apply_knob_changes(facts.settings, facts.zones, facts.kernel, dirty_changes(o));
  return model::model_host(facts, what_if.settings).dirty;
}

// With a slow device on cgroup v2 the writers have a cgroup of their own (io.max needs cgroup
// writeback), and that cgroup is a dirty domain of its own beside the global one.
bool in_memcg_domain(const Options& o, const facts::HostFacts& facts) {
  return o.device_bps > 0 && facts.cgroup.version == 2;
}

// The domain whose limits the writers meet first (the global one unless in_memcg_domain and the
// cgroup's own limits are lower).
model::DirtyDomain planned_domain(const Options& o, const facts::HostFacts& facts) {
  model::WhatIf what_if =
      model::apply_knob_changes(facts.settings, facts.zones, facts.kernel, dirty_changes(o));
  model::DirtyDomain domain;
  domain.limits = model::model_host(facts, what_if.settings).dirty;
  if (!in_memcg_domain(o, facts)) return domain;
  model::MemcgDirtyInputs cgroup;
  if (uint64_t max = o.memory_max) cgroup.ceiling_pages = max / kPageBytes;
  // Besides its page cache the cgroup holds the writers' buffers and the records of the run.
  cgroup.other_usage_pages = (uint64_t(o.writers) * o.block + 4 * kMiB) / kPageBytes;
  return model::memcg_dirty_domain(domain.limits, model::dirty_settings_from(what_if.settings),
                                   cgroup, facts.kernel);
}

struct Shape {
  int writers = 1;
  uint64_t block = kMiB;
  uint64_t per_writer = 0;  // bytes, a multiple of block
  bool slow = false;
  uint64_t device_bps = 0;
  // With a slow device and no --size: the level (pages) from which the writers go on for
  // kSettleNs only.
  std::optional<uint64_t> settle_from_pages;
};

// Enough to pass the hard limit. On a slow device the level reaches the limit only once the
// writers have also covered what the device wrote back meanwhile (during a free run of tens of
// seconds with large limits), and then takes seconds to settle (the device's share of the limit
// follows its share of completed writeback, which the kernel averages over periods of 3 s): there
// the writers stop 10 s after the level first reached the setpoint (write_flood), and the size
// only bounds the run, at the limit plus --duration at the device's rate.
constexpr int64_t kSettleNs = 10'000'000'000;
uint64_t auto_size(const model::DirtyLimits& limits, uint64_t device_bps,
                   std::chrono::nanoseconds duration) {
  const uint64_t hard = limits.threshold_pages * kPageBytes;
  return device_bps
             ? hard +
                   uint64_t(std::chrono::duration<double>(duration).count() * double(device_bps)) +
                   64 * kMiB
             : hard * 3 / 2 + 64 * kMiB;
}

Shape shape_of(const Options& o, uint64_t total) {
  Shape s;
  s.writers = static_cast<int>(o.writers);
  s.block = o.block;
  s.per_writer = std::max<uint64_t>(1, total / uint64_t(s.writers) / s.block) * s.block;
  s.device_bps = o.device_bps;
  s.slow = s.device_bps > 0;
  return s;
}

// The slow disk holds the file and ext4's own needs (journal, inode tables: a few %).
uint64_t slow_fs_bytes(uint64_t file_bytes) { return file_bytes + file_bytes / 16 + 256 * kMiB; }

std::optional<std::string> unsupported(const facts::HostFacts&) { return std::nullopt; }

std::optional<std::string> invalid(const Options& o) {
  if (o.dirty_ratio > 0 && o.dirty_bytes > 0) {
    return "--dirty-ratio and --dirty-bytes set the same limit: give one of them";
  }
  if (o.dirty_background_ratio > 0 && o.dirty_background_bytes > 0) {
    return "--dirty-background-ratio and --dirty-background-bytes set the same limit: give one of "
           "them";
  }
  if (uint64_t b = o.dirty_bytes; b > 0 && b < 2 * kPageBytes) {
    return fmt::format("--dirty-bytes: {} is below the kernel's minimum of 2 pages (8KiB)",
                       facts::format_bytes(o.dirty_bytes));
  }
  if (uint64_t b = o.device_bps; b > 0 && b < 64 * 1024) {
    return fmt::format("--device-bps: {} is too slow to finish (at least 64KiB per second)",
                       facts::format_bytes(o.device_bps));
  }
  std::error_code ec;
  if (!fs::is_directory(o.dir, ec)) return fmt::format("--dir: \"{}\" is not a directory", o.dir);
  uint64_t size = o.size;
  if (size > 0 && size < o.block * uint64_t(o.writers)) {
    return fmt::format("--size: {} is less than one --block per writer",
                       facts::format_bytes(o.size));
  }
  if (size > 0) {
    uint64_t needed = (o.device_bps > 0 ? slow_fs_bytes(size) : size) + kSpareDiskBytes;
    if (auto room = free_bytes(o.dir); room && *room < needed) {
      return fmt::format("--dir: {} has {} free, too little for --size {} and 1GiB to spare", o.dir,
                         facts::format_size(*room), facts::format_bytes(o.size));
    }
  }
  return std::nullopt;
}

uint64_t footprint(const Options& o) {
  // Mapped memory: the writers' buffers and the bystander's. The page cache the file fills is
  // bounded by the dirty limits and reclaimable once written back.
  return uint64_t(o.writers) * o.block + kBystanderBytes;
}

model::Prediction in_bytes(const model::Prediction& pages, std::string name) {
  model::Prediction out = pages;
  out.name = std::move(name);
  out.value = pages.value * double(kPageBytes);
  out.unit = "bytes";
  out.why.text +=
      fmt::format(" (x 4 KiB = {})", facts::format_bytes(static_cast<uint64_t>(out.value)));
  return out;
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  const model::DirtyLimits global = planned_limits(o, facts);
  const model::DirtyDomain domain = planned_domain(o, facts);
  const model::DirtyLimits& limits = domain.limits;
  const bool slow = o.device_bps > 0;
  // The kernel's thresholds are computed from free memory at the instant: a few % apart from the
  // model's snapshot when ratios are in use and memory moved in between.
  const bool by_bytes =
      o.dirty_bytes > 0 ||
      (o.dirty_ratio == 0 && facts.settings.integer("vm.dirty_bytes").value_or(0) > 0);
  std::optional<double> threshold_tolerance = by_bytes ? 0.001 : 0.05;
  std::vector<Expectation> out;
  out.push_back({"dirty_background_threshold_bytes",
                 in_bytes(global.background, "background threshold"), 0.05, std::nullopt,
                 std::nullopt});
  out.push_back({"dirty_threshold_bytes", in_bytes(global.threshold, "hard dirty limit"),
                 threshold_tolerance, std::nullopt, std::nullopt});
  if (in_memcg_domain(o, facts)) {
    const double bound = domain.memcg_binds ? 1.0 : 0.0;
    out.push_back({"memcg_domain_bound", domain.binding, std::nullopt, bound, bound});
  }
  // Only a slow device makes the writers reach the limits; on storage that keeps up these two are
  // shown, not held against anything.
  std::optional<double> tolerance = slow ? std::optional<double>(0.10) : std::nullopt;
  out.push_back({"throttle_onset_bytes", in_bytes(limits.freerun, "free-run ceiling"), tolerance,
                 std::nullopt, std::nullopt});
  out.push_back({"dirty_plateau_bytes", in_bytes(limits.threshold, "hard dirty limit"), tolerance,
                 std::nullopt, std::nullopt});
  // Where throttled writers drift to once the kernel has learned the device's bandwidth: shown, as
  // how far they get depends on how long the run is.
  out.push_back({"dirty_settled_bytes", in_bytes(limits.setpoint, "setpoint"), std::nullopt,
                 std::nullopt, std::nullopt});
  return out;
}

// ---- the run ----

// nr_dirty and nr_writeback from the head of /proc/vmstat: one pread of the first 2 KiB (they are
// within the first 50 lines), about 40 µs.
class DirtyGauge {
 public:
  DirtyGauge() : fd_(::open("/proc/vmstat", O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) fail(ErrorKind::unsupported, "/proc/vmstat: {}", std::strerror(errno));
  }
  ~DirtyGauge() { ::close(fd_); }
  DirtyGauge(const DirtyGauge&) = delete;
  DirtyGauge& operator=(const DirtyGauge&) = delete;
  bool read(DirtySample& out) {
    ssize_t n = ::pread(fd_, buffer_, sizeof buffer_ - 1, 0);
    if (n <= 0) return false;
    buffer_[n] = 0;
    std::string_view text(buffer_, static_cast<size_t>(n));
    auto dirty = field(text, "\nnr_dirty "), writeback = field(text, "\nnr_writeback ");
    if (!dirty || !writeback) return false;
    out.dirty_pages = *dirty;
    out.writeback_pages = *writeback;
    return true;
  }

 private:
  static std::optional<uint64_t> field(std::string_view text, std::string_view key) {
    size_t at = text.find(key);
    if (at == std::string_view::npos) return std::nullopt;
    return std::strtoull(text.data() + at + key.size(), nullptr, 10);
  }
  int fd_;
  char buffer_[2048];
};

// file_dirty and file_writeback (bytes) of a v2 memory cgroup's memory.stat, as pages.
class MemcgDirtyGauge {
 public:
  explicit MemcgDirtyGauge(const std::string& stat_path)
      : fd_(::open(stat_path.c_str(), O_RDONLY | O_CLOEXEC)) {
    if (fd_ < 0) fail(ErrorKind::unsupported, "{}: {}", stat_path, std::strerror(errno));
  }
  ~MemcgDirtyGauge() { ::close(fd_); }
  MemcgDirtyGauge(const MemcgDirtyGauge&) = delete;
  MemcgDirtyGauge& operator=(const MemcgDirtyGauge&) = delete;
  void read(DirtySample& out) {
    ssize_t n = ::pread(fd_, buffer_, sizeof buffer_ - 1, 0);
    if (n <= 0) return;
    buffer_[n] = 0;
    out.memcg_dirty_pages = field("\nfile_dirty ") / kPageBytes;
    out.memcg_writeback_pages = field("\nfile_writeback ") / kPageBytes;
  }

 private:
  uint64_t field(std::string_view key) const {
    const char* at = std::strstr(buffer_, key.data());
    return at ? std::strtoull(at + key.size(), nullptr, 10) : 0;
  }
  int fd_;
  char buffer_[8192];
};

// Time on a CPU and time waiting for one, of the calling thread (/proc/thread-self/schedstat, in
// ns; about 7 µs a read).
class ThreadClock {
 public:
  struct Times {
    int64_t ran_ns = 0, waited_ns = 0;
  };
  ThreadClock() : fd_(::open("/proc/thread-self/schedstat", O_RDONLY | O_CLOEXEC)) {}
  ~ThreadClock() {
    if (fd_ >= 0) ::close(fd_);
  }
  ThreadClock(const ThreadClock&) = delete;
  ThreadClock& operator=(const ThreadClock&) = delete;
  bool ok() const { return fd_ >= 0; }
  Times read() const {
    char text[128];
    ssize_t n = fd_ >= 0 ? ::pread(fd_, text, sizeof text - 1, 0) : -1;
    if (n <= 0) return {};
    text[n] = 0;
    char* end = nullptr;
    Times t;
    t.ran_ns = std::strtoll(text, &end, 10);
    t.waited_ns = std::strtoll(end, nullptr, 10);
    return t;
  }

 private:
  int fd_;
};

struct BystanderSample {
  int64_t t_ns;
  int64_t took_ns;
};

struct Bystander {
  SharedArray<BystanderSample> samples{kBystanderSamples};
  SharedArray<uint64_t> control{2};  // [0] stop, [1] rounds done
  pid_t pid = -1;

  void start() {
    pid = spawn_worker([this] {
      std::atomic_ref<uint64_t> stop(control[0]), rounds(control[1]);
      const auto& stop_flag = Session::stop_flag();
      while (!stop.load(std::memory_order_relaxed) && !stop_flag.load(std::memory_order_relaxed)) {
        int64_t t0 = monotonic_ns();
        void* p = ::mmap(nullptr, kBystanderBytes, PROT_READ | PROT_WRITE,
                         MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (p == MAP_FAILED) return 1;
        for (size_t i = 0; i < kBystanderBytes; i += kPageBytes)
          static_cast<volatile char*>(p)[i] = 1;
        ::munmap(p, kBystanderBytes);
        int64_t t1 = monotonic_ns();
        uint64_t n = rounds.load(std::memory_order_relaxed);
        if (n < samples.size()) samples[n] = {t0, t1 - t0};
        rounds.store(n + 1, std::memory_order_release);
        sleep_until(t1 + 1'000'000);
      }
      return 0;
    });
  }
  void stop() {
    if (pid < 0) return;
    std::atomic_ref<uint64_t>(control[0]).store(1);
    if (!reap_worker(pid, 2.0)) kill_worker(pid);
    pid = -1;
  }
  size_t count() const {
    return std::min<size_t>(std::atomic_ref<uint64_t>(control[1]).load(std::memory_order_acquire),
                            samples.size());
  }
};

struct Flood {
  std::vector<WriteRecord> writes;  // sorted by start
  std::vector<DirtySample> samples;
  std::vector<pid_t> writer_tids;                      // writer w's thread id
  std::vector<probes::BalanceDirtyPagesEvent> events;  // with the tracepoint, sorted by time
  uint64_t lost_events = 0;                            // events the trace buffer could not keep
  int64_t begin_ns = 0, end_ns = 0;
  uint64_t written = 0;
  std::string error;
};

// What the writer threads share with the thread that starts them.
struct FloodStart {
  std::atomic<int> ready{0};
  std::atomic<bool> go{false}, abandon{false};
  std::atomic<bool> enough{false};  // the level has settled long enough (Shape::settle_from_pages)
  std::atomic<uint64_t> written{0};
  int64_t begin_ns = 0;  // set before go
  std::mutex error_mutex;
  std::string error;
};

// One writer: its own file from offset 0, --block per pwrite(), until its share is written, the
// deadline passes or the run is stopped.
void write_own_file(const Shape& s, int w, int fd, std::chrono::nanoseconds duration,
                    FloodStart& start, pid_t& tid, std::vector<WriteRecord>& out) {
  // The buffer is touched before the clock starts; its bytes differ per writer and block only so
  // that nothing could ever dedupe or compress them away.
  std::vector<char> buffer(s.block);
  for (size_t i = 0; i < buffer.size(); ++i) buffer[i] = static_cast<char>(i * 131 + uint64_t(w));
  ThreadClock clock;  // this thread's own schedstat: opened here, in the thread
  tid = static_cast<pid_t>(::syscall(SYS_gettid));
  out.reserve(s.per_writer / s.block);
  start.ready.fetch_add(1, std::memory_order_release);
  while (!start.go.load(std::memory_order_acquire)) std::this_thread::yield();
  if (start.abandon.load()) return;
  const auto& stop = Session::stop_flag();
  const int64_t deadline = start.begin_ns + duration.count();
  off_t offset = 0;
  for (uint64_t i = 0; i < s.per_writer / s.block && !stop.load(std::memory_order_relaxed) &&
                       !start.enough.load(std::memory_order_relaxed);
       ++i) {
    buffer[0] = static_cast<char>(i);
    const ThreadClock::Times before = clock.read();
    const int64_t t0 = monotonic_ns();
    if (t0 > deadline) break;
    ssize_t n = ::pwrite(fd, buffer.data(), buffer.size(), offset);
    const int64_t t1 = monotonic_ns();
    const ThreadClock::Times after = clock.read();
    if (n != static_cast<ssize_t>(buffer.size())) {
      std::lock_guard lock(start.error_mutex);
      start.error = n < 0 ? std::strerror(errno) : "short write";
      return;
    }
    // Without schedstat the whole time counts as asleep (a busy host then looks throttled).
    const int64_t slept = clock.ok() ? slept_ns(t1 - t0, after.ran_ns - before.ran_ns,
                                                after.waited_ns - before.waited_ns)
                                     : t1 - t0;
    out.push_back({t0, t1, slept, uint32_t(w), uint32_t(s.block)});
    start.written.fetch_add(s.block, std::memory_order_relaxed);
    offset += static_cast<off_t>(s.block);
  }
}

// nr_dirty + nr_writeback every 2 ms until done (or the reserved room is full); sets enough
// kSettleNs after the level first reached settle_from.
void sample_dirty(std::vector<DirtySample>& samples, const std::atomic<bool>& done,
                  std::optional<uint64_t> settle_from, std::atomic<bool>& enough,
                  MemcgDirtyGauge* memcg) {
  DirtyGauge gauge;
  int64_t next = monotonic_ns();
  std::optional<int64_t> reached;
  while (!done.load(std::memory_order_acquire) && samples.size() < samples.capacity()) {
    DirtySample sample;
    sample.t_ns = monotonic_ns();
    if (memcg) memcg->read(sample);
    if (gauge.read(sample)) samples.push_back(sample);
    const uint64_t level = memcg ? sample.memcg_dirty_pages + sample.memcg_writeback_pages
                                 : sample.dirty_pages + sample.writeback_pages;
    if (settle_from && !reached && level >= *settle_from) reached = sample.t_ns;
    if (reached && sample.t_ns - *reached >= kSettleNs) enough.store(true);
    next += kSampleNs;
    sleep_until(next);
  }
}

// The writers, the dirty sampler and (with the tracepoint) the trace of the writers' throttling.
// memcg: the writers' cgroup's gauge in a memory cgroup's dirty domain (settle_from_pages then
// counts in that domain's pages).
Flood write_flood(Session& session, const Shape& s, std::span<const int> fds,
                  std::chrono::nanoseconds duration, ThrottleTrace* trace, MemcgDirtyGauge* memcg) {
  Flood flood;
  std::vector<std::vector<WriteRecord>> per_writer(size_t(s.writers));
  flood.writer_tids.assign(size_t(s.writers), 0);
  flood.samples.reserve(
      static_cast<size_t>(std::min(double(duration.count()) / double(kSampleNs) + 1000, 4e6)));
  FloodStart start;
  std::atomic<bool> writers_done{false};
  std::thread sampler(
      [&] { sample_dirty(flood.samples, writers_done, s.settle_from_pages, start.enough, memcg); });
  std::vector<std::thread> threads;
  for (int w = 0; w < s.writers; ++w) {
    threads.emplace_back([&, w] {
      write_own_file(s, w, fds[size_t(w)], duration, start, flood.writer_tids[size_t(w)],
                     per_writer[size_t(w)]);
    });
  }
  while (start.ready.load(std::memory_order_acquire) < s.writers) std::this_thread::yield();
  std::exception_ptr failed;
  try {
    if (trace) trace->start(flood.writer_tids);
  } catch (...) {
    failed = std::current_exception();
    start.abandon.store(true);
  }
  PhaseStart phase = session.begin_phase("write");
  flood.begin_ns = start.begin_ns = monotonic_ns();
  start.go.store(true, std::memory_order_release);
  for (std::thread& t : threads) t.join();
  flood.end_ns = monotonic_ns();
  session.end_phase(phase);
  writers_done.store(true, std::memory_order_release);
  sampler.join();
  if (failed) std::rethrow_exception(failed);
  if (trace) {
    flood.events = trace->finish();
    flood.lost_events = trace->lost_events();
  }
  for (auto& v : per_writer) flood.writes.insert(flood.writes.end(), v.begin(), v.end());
  std::sort(flood.writes.begin(), flood.writes.end(),
            [](const WriteRecord& a, const WriteRecord& b) { return a.start_ns < b.start_ns; });
  flood.written = start.written.load();
  flood.error = start.error;
  return flood;
}

// The dirty level over time with the model's lines beside it, at most ~5000 points.
Series dirty_series(const Flood& f, const model::DirtyLimits& limits, int64_t run_start_ns) {
  Series series;
  series.name = "dirty";
  const size_t step = std::max<size_t>(1, f.samples.size() / 5000);
  const double page = double(kPageBytes);
  for (size_t i = 0; i < f.samples.size(); i += step) {
    const DirtySample& s = f.samples[i];
    series.t_s.push_back(double(s.t_ns - run_start_ns) / 1e9);
    series.columns["nr_dirty_bytes"].push_back(double(s.dirty_pages) * page);
    series.columns["nr_writeback_bytes"].push_back(double(s.writeback_pages) * page);
    series.columns["dirty_plus_writeback_bytes"].push_back(
        double(s.dirty_pages + s.writeback_pages) * page);
    series.columns["model_background_bytes"].push_back(double(limits.background_pages) * page);
    series.columns["model_freerun_bytes"].push_back(double(limits.freerun_pages) * page);
    series.columns["model_threshold_bytes"].push_back(double(limits.threshold_pages) * page);
  }
  for (const auto& [name, _] : series.columns) series.units[name] = "bytes";
  return series;
}

// Every write (at most ~20000, evenly thinned): when it started, how long it took, the dirty level.
Series writes_series(const Flood& f, int64_t run_start_ns) {
  Series series;
  series.name = "writes";
  const size_t step = std::max<size_t>(1, f.writes.size() / 20000);
  for (size_t i = 0; i < f.writes.size(); i += step) {
    const WriteRecord& w = f.writes[i];
    series.t_s.push_back(double(w.start_ns - run_start_ns) / 1e9);
    series.columns["latency_ms"].push_back(double(w.end_ns - w.start_ns) / 1e6);
    series.columns["dirty_plus_writeback_bytes"].push_back(
        dirty_at(f.samples, w.start_ns).value_or(0) * double(kPageBytes));
    series.columns["writer"].push_back(w.writer);
  }
  series.units = {
      {"latency_ms", "ms"}, {"dirty_plus_writeback_bytes", "bytes"}, {"writer", "index"}};
  return series;
}

void apply_dirty_settings(Session& session, const Options& o) {
  std::vector<model::KnobChange> changes = dirty_changes(o);
  if (changes.empty()) return;
  changes::Journal* journal = session.journal();
  if (!journal)
    fail(ErrorKind::internal, "dirty-flood: setting the dirty limits needs the run's journal");
  for (const model::KnobChange& change : changes) journal->set_knob(change.knob, change.value);
  session.note(fmt::format("dirty settings for this run (restored afterwards): {}", [&] {
    std::string text;
    for (const model::KnobChange& c : changes)
      text += (text.empty() ? "" : ", ") + c.knob + "=" + c.value;
    return text;
  }()));
}

void report_bystander(Session& session, const Bystander& bystander, const Flood& flood) {
  std::vector<double> all, during;
  for (size_t i = 0; i < bystander.count(); ++i) {
    const BystanderSample& b = bystander.samples[i];
    all.push_back(double(b.took_ns));
    if (b.t_ns >= flood.begin_ns && b.t_ns <= flood.end_ns) during.push_back(double(b.took_ns));
  }
  session.measured("bystander_rounds", double(all.size()), "rounds",
                   "bystander process: mmap + touch + munmap of 256 KiB, one round per ms");
  report_latencies(session, "bystander_stall", during,
                   "CLOCK_MONOTONIC around one bystander round (256 KiB mmap + touch + munmap) "
                   "during the writes",
                   false);
  size_t over_10ms =
      std::count_if(during.begin(), during.end(), [](double ns) { return ns > 10e6; });
  session.measured("bystander_rounds_over_10ms", double(over_10ms), "rounds",
                   "bystander rounds during the writes that took over 10 ms");
}

// ---- the run, step by step ----

struct Plan {
  model::DirtyLimits limits;  // of the domain that binds (model)
  model::DirtyDomain domain;
  bool memcg_domain = false;  // the writers run in a v2 cgroup of their own
  Shape shape;
  uint64_t file_bytes = 0;  // all writers' files together
  fs::path dir;
};

// The sizes, and free disk for them, before anything is changed.
Plan make_plan(const Session& session, const Options& o) {
  Plan plan;
  plan.domain = planned_domain(o, session.host());
  plan.limits = plan.domain.limits;
  plan.memcg_domain = in_memcg_domain(o, session.host());
  const uint64_t total = o.size > 0 ? o.size : auto_size(plan.limits, o.device_bps, o.duration);
  plan.shape = shape_of(o, total);
  if (plan.shape.slow && o.size == 0) {
    plan.shape.settle_from_pages =
        plan.memcg_domain ? plan.domain.memcg.setpoint_pages : plan.limits.setpoint_pages;
  }
  plan.file_bytes = plan.shape.per_writer * uint64_t(plan.shape.writers);
  plan.dir = o.dir;
  const uint64_t needed =
      (plan.shape.slow ? slow_fs_bytes(plan.file_bytes) : plan.file_bytes) + kSpareDiskBytes;
  auto room = free_bytes(plan.dir);
  if (!room) {
    fail(ErrorKind::bad_input, "--dir: cannot read the free space of {}: {}", plan.dir.string(),
         std::strerror(errno));
  }
  if (*room < needed) {
    fail(ErrorKind::bad_input,
         "--dir: {} has {} free, too little for {} of files and 1GiB to spare (use a smaller "
         "--size)",
         plan.dir.string(), facts::format_size(*room), facts::format_size(plan.file_bytes));
  }
  return plan;
}

// Where the files go: a slow disk made for the run, or --dir; on cgroup v2 with a slow disk, the
// writers' own cgroup (memory + io) that holds its limit.
struct Target {
  std::unique_ptr<changes::SlowDevice> device;
  std::optional<changes::WorkerCgroup> writers;
  fs::path dir;
};

Target prepare_target(Session& session, const Options& o, const Plan& plan,
                      const std::optional<changes::CgroupPlace>& place) {
  Target target{nullptr, std::nullopt, plan.dir};
  if (!plan.shape.slow) return target;
  changes::Journal* journal = session.journal();
  if (!journal) fail(ErrorKind::internal, "dirty-flood: slow-device mode needs the run's journal");
  const uint64_t fs_bytes = slow_fs_bytes(plan.file_bytes);
  target.device = std::make_unique<changes::SlowDevice>(*journal, plan.dir, fs_bytes);
  if (place) {
    target.writers.emplace(*journal, place->dir(),
                           fmt::format("mmtune-dirty-flood-{}", ::getpid()));
    if (uint64_t max = o.memory_max) target.writers->set_limit(max);
    target.device->limit_in_cgroup(target.writers->dir(), plan.shape.device_bps);
  } else {
    target.device->limit_root_blkio(plan.shape.device_bps);
  }
  target.dir = target.device->mount_point();
  const changes::SlowDevice& d = *target.device;
  session.note(fmt::format(
      "slow device: {} ({} over an image in {}), ext4, write limit {} /s on {} in {}{}", d.device(),
      facts::format_size(fs_bytes), plan.dir.string(), facts::format_size(plan.shape.device_bps),
      d.limit().rule.substr(0, d.limit().rule.find(' ')), d.limit().file,
      d.direct_io() ? "" : " (loop without direct I/O)"));
  return target;
}

// One file per writer. On the slow disk the files live and die with its filesystem; elsewhere the
// journal removes them after a crash.
struct Files {
  std::vector<fs::path> paths;
  std::vector<int> fds;
  Files() = default;
  Files(const Files&) = delete;
  Files& operator=(const Files&) = delete;
  ~Files() { close_and_remove(); }
  void close_and_remove() {
    for (int fd : fds) ::close(fd);
    for (const fs::path& path : paths) ::unlink(path.c_str());
    fds.clear();
    paths.clear();
  }
};

void open_files(Session& session, const Target& target, int writers, Files& files) {
  changes::Journal* journal = session.journal();
  for (int w = 0; w < writers; ++w) {
    const fs::path file = target.dir / fmt::format("mmtune-dirty-flood-{}-{}.dat", ::getpid(), w);
    if (journal && !target.device) journal->track_temp_file(file);
    int fd = ::open(file.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0)
      fail(ErrorKind::unsupported, "cannot create {}: {}", file.string(), std::strerror(errno));
    files.paths.push_back(file);
    files.fds.push_back(fd);
  }
}

// Other processes' dirty pages count against the same limits, and with small limits they may sit
// near the free-run ceiling (below the background threshold nothing writes them back for up to
// dirty_expire_centisecs). sync() writes them out first; then start once the level is down to a
// tenth of the ceiling (or after 5 s, saying so).
void wait_until_quiet(Session& session, const model::DirtyLimits& limits) {
  ::sync();
  const double quiet_at = 0.1 * double(limits.freerun_pages);
  DirtySample level;
  DirtyGauge gauge;
  const int64_t give_up = monotonic_ns() + 5'000'000'000;
  while (gauge.read(level) && double(level.dirty_pages + level.writeback_pages) > quiet_at &&
         monotonic_ns() < give_up && !session.stop_requested()) {
    sleep_until(monotonic_ns() + 20'000'000);
  }
  if (double(level.dirty_pages + level.writeback_pages) > quiet_at) {
    session.note(fmt::format(
        "dirty + writeback was still {} after waiting 5 s for it to fall below a tenth of the "
        "free-run ceiling: the onset may come early",
        facts::format_bytes((level.dirty_pages + level.writeback_pages) * kPageBytes)));
  }
}

struct Before {
  double dirty_bytes = 0;                   // dirty + writeback before the writes
  std::optional<uint64_t> threshold_pages;  // nr_dirty_threshold
};

// The kernel's own thresholds, as it computes them now (with the settings of this run).
Before report_thresholds(Session& session) {
  const double page = double(kPageBytes);
  facts::Counters vmstat = probes::read_vmstat(session.fs());
  if (auto t = vmstat.get("nr_dirty_threshold")) {
    session.measured("dirty_threshold_bytes", double(*t) * page, "bytes",
                     "/proc/vmstat nr_dirty_threshold x 4 KiB");
  }
  if (auto t = vmstat.get("nr_dirty_background_threshold")) {
    session.measured("dirty_background_threshold_bytes", double(*t) * page, "bytes",
                     "/proc/vmstat nr_dirty_background_threshold x 4 KiB");
  }
  Before before;
  before.threshold_pages = vmstat.get("nr_dirty_threshold");
  before.dirty_bytes =
      double(vmstat.get_or("nr_dirty", 0) + vmstat.get_or("nr_writeback", 0)) * page;
  session.measured(
      "dirty_before_bytes", before.dirty_bytes, "bytes",
      "/proc/vmstat nr_dirty + nr_writeback before the writes (everyone's, not only ours)");
  return before;
}

// The trace of the writers' throttling when the tracepoint is used (nullptr: the sleep method).
std::unique_ptr<ThrottleTrace> start_throttle_probe(Session& session, std::string_view probe,
                                                    ThrottleMethod& method) {
  ThrottleProbeChoice choice =
      choose_throttle_probe(probe, session.fs(), session.journal() != nullptr);
  method = choice.method;
  if (method == ThrottleMethod::tracepoint) {
    session.note(
        "throttling measured by the kernel: the writers' writeback/balance_dirty_pages events, "
        "collected in a trace instance made for the run");
    return std::make_unique<ThrottleTrace>(*session.journal());
  }
  session.note(fmt::format(
      "throttling measured by sleeps: a write counts as paused when its thread slept >= 4 ms "
      "(schedstat){}",
      choice.why_not_tracepoint.empty()
          ? std::string(" (--throttle-probe sleep)")
          : fmt::format("; the writeback/balance_dirty_pages tracepoint cannot be read here: {}",
                        choice.why_not_tracepoint)));
  return nullptr;
}

// Lift the limit first, so the pages queued behind it finish at the host's speed; removing the
// files then drops what is still dirty instead of writing it.
void clean_up(Session& session, Target& target, Files& files) {
  const int64_t t0 = monotonic_ns();
  if (target.device) target.device->lift_limit();
  files.close_and_remove();
  session.measured("cleanup_s", double(monotonic_ns() - t0) / 1e9, "s",
                   "CLOCK_MONOTONIC around lifting the limit, close and unlink of the files");
}

void report_flood(Session& session, const Shape& s, const Flood& flood,
                  const Bystander& bystander) {
  const double write_s = double(flood.end_ns - flood.begin_ns) / 1e9;
  session.measured("written_bytes", double(flood.written), "bytes",
                   "sum of the bytes pwrite() accepted");
  session.measured("write_s", write_s, "s",
                   "CLOCK_MONOTONIC from the writers' start to the last one's end");
  session.derived("write_mib_per_s", double(flood.written) / double(kMiB) / write_s, "MiB/s",
                  "written_bytes / write_s");
  std::vector<double> latencies;
  latencies.reserve(flood.writes.size());
  for (const WriteRecord& w : flood.writes) latencies.push_back(double(w.end_ns - w.start_ns));
  report_latencies(
      session, "write_latency", latencies,
      fmt::format("CLOCK_MONOTONIC around each {} pwrite()", facts::format_size(s.block)), true);
  report_bystander(session, bystander, flood);
  session.measured("dirty_peak_bytes",
                   peak_pages(flood.samples, flood.begin_ns, flood.end_ns) * double(kPageBytes),
                   "bytes", "highest /proc/vmstat nr_dirty + nr_writeback during the writes");
}

// ---- throttling: where it began, and what the level did then ----

struct Throttling {
  ThrottleMethod method = ThrottleMethod::sleep;
  std::optional<ThrottleOnset> onset;
  size_t paused_writes = 0;            // from the onset on
  TracedThrottle traced;               // the tracepoint's events (method tracepoint)
  uint64_t before_bytes = 0;           // written before the onset
  double free_s = 0, throttled_s = 0;  // before and after it
  double free_mib_s = 0;               // all writers together, before the onset
  // From the first pause on (the tracepoint's first sleep; the sleep method's onset), all writers
  // together: the pace balance_dirty_pages held them to. nullopt when nobody slept.
  std::optional<double> held_mib_s;
};

// Bytes of the writes that began at or after t_ns, per second up to end_ns, in MiB/s.
std::optional<double> rate_from(const Flood& flood, int64_t t_ns) {
  if (flood.end_ns <= t_ns) return std::nullopt;
  uint64_t bytes = 0;
  for (const WriteRecord& w : flood.writes) bytes += w.start_ns >= t_ns ? w.bytes : 0;
  return double(bytes) / double(kMiB) / (double(flood.end_ns - t_ns) / 1e9);
}

Throttling find_throttling(const Flood& flood, ThrottleMethod method) {
  Throttling t;
  t.method = method;
  if (method == ThrottleMethod::tracepoint) {
    t.traced = summarize_throttle_events(flood.writes, flood.events, flood.writer_tids);
    if (t.traced.first) t.onset = onset_at_event(flood.writes, flood.events[*t.traced.first]);
    t.paused_writes = t.traced.paused_writes;
  } else {
    t.onset = find_throttle_onset(flood.writes, flood.samples);
    for (size_t i = t.onset ? t.onset->write_index : flood.writes.size(); i < flood.writes.size();
         ++i) {
      t.paused_writes += double(flood.writes[i].slept_ns) >= OnsetRule{}.pause_ns;
    }
  }
  if (!t.onset) return t;
  for (size_t i = 0; i < t.onset->write_index; ++i) t.before_bytes += flood.writes[i].bytes;
  t.free_s = double(t.onset->t_ns - flood.begin_ns) / 1e9;
  t.throttled_s = double(flood.end_ns - t.onset->t_ns) / 1e9;
  if (t.free_s > 0) t.free_mib_s = double(t.before_bytes) / double(kMiB) / t.free_s;
  if (method == ThrottleMethod::sleep) {
    t.held_mib_s = rate_from(flood, t.onset->t_ns);
  } else if (t.traced.first_pause) {
    t.held_mib_s = rate_from(flood, flood.events[*t.traced.first_pause].t_ns);
  }
  return t;
}

std::string method_name(ThrottleMethod m) {
  return m == ThrottleMethod::tracepoint ? "tracepoint" : "sleep";
}

void report_onset(Session& session, const Flood& flood, const Throttling& t) {
  const std::map<std::string, std::string> method = {{"method", method_name(t.method)}};
  session.derived(
      "throttle_onset_bytes", t.onset->dirty_pages * double(kPageBytes), "bytes",
      t.method == ThrottleMethod::tracepoint
          ? "dirty in the first writeback/balance_dirty_pages event of the writers (the kernel's "
            "nr_dirty + nr_writeback when it first evaluated them past its free-run ceiling) x 4 "
            "KiB"
          : "nr_dirty + nr_writeback (2 ms samples, interpolated) when the first paused write "
            "began, after which at least half of the writes within 200 ms were paused too "
            "(asleep >= 4 ms: wall time minus run and run-queue time from "
            "/proc/thread-self/schedstat)",
      method);
  session.derived("throttle_onset_s", double(t.onset->t_ns - flood.begin_ns) / 1e9, "s",
                  "time of the onset, since the writers began", method);
  session.derived("paused_writes", double(t.paused_writes), "writes",
                  t.method == ThrottleMethod::tracepoint
                      ? "writes during which balance_dirty_pages put their writer to sleep "
                        "(events with pause > 0)"
                      : "writes from the onset on that slept >= 4 ms",
                  method);
  if (t.free_s > 0) {
    session.derived("free_running_mib_per_s", t.free_mib_s, "MiB/s",
                    "bytes written before the onset / time to the onset");
  }
  if (t.held_mib_s) {
    session.derived("throttled_mib_per_s", *t.held_mib_s, "MiB/s",
                    t.method == ThrottleMethod::tracepoint
                        ? "bytes of the writes that began at the first pause or later / time from "
                          "it to the end"
                        : "bytes of the writes that began at the onset or later / time from it to "
                          "the end");
  }
}

// The kernel's numbers from the tracepoint: how often it evaluated and paused the writers, its
// free-run ceiling and limit at the first evaluation, and its bandwidth estimate first and last.
void report_kernel_throttle(Session& session, const Flood& flood, const Throttling& t) {
  const TracedThrottle& tr = t.traced;
  const double page = double(kPageBytes);
  session.measured("balance_dirty_pages_events", double(tr.events), "events",
                   "writeback/balance_dirty_pages events of the writers (evaluations past the "
                   "free-run ceiling)");
  session.measured("balance_dirty_pages_pauses", double(tr.pauses), "events",
                   "of them, with pause > 0 (the writer was put to sleep)");
  session.measured("balance_dirty_pages_pause_s", tr.pause_s, "s",
                   "the pause fields of those events, summed");
  if (!tr.first) return;
  const probes::BalanceDirtyPagesEvent& first = flood.events[*tr.first];
  session.measured("kernel_freerun_bytes", double(first.freerun()) * page, "bytes",
                   "2 x setpoint - limit of the first event (setpoint = (limit + freerun) / 2) "
                   "x 4 KiB: the free-run ceiling the kernel used");
  session.measured("kernel_limit_bytes", double(first.limit) * page, "bytes",
                   "limit of the first event x 4 KiB (hard_dirty_limit)");
  session.measured("dirty_ratelimit_first_mib_per_s", double(first.dirty_ratelimit_kib) / 1024,
                   "MiB/s", "dirty_ratelimit of the first event (KiB/s / 1024)");
  for (auto e = flood.events.rbegin(); e != flood.events.rend(); ++e) {
    if (std::find(flood.writer_tids.begin(), flood.writer_tids.end(), e->pid) ==
        flood.writer_tids.end())
      continue;
    session.measured("dirty_ratelimit_last_mib_per_s", double(e->dirty_ratelimit_kib) / 1024,
                     "MiB/s", "dirty_ratelimit of the last event (KiB/s / 1024)");
    break;
  }
  if (tr.first_pause) {
    session.measured("first_pause_bytes", double(flood.events[*tr.first_pause].dirty) * page,
                     "bytes", "dirty of the first event with pause > 0 x 4 KiB");
  }
  if (flood.lost_events > 0) {
    session.note(fmt::format(
        "the trace buffer lost {} events (overruns): counts of events and pauses are low",
        flood.lost_events));
  }
}

std::string throughput_change(const Throttling& t) {
  if (!t.held_mib_s)
    return fmt::format("the writers went on at {:.0f} MiB/s, never held", t.free_mib_s);
  return fmt::format("throughput fell from {:.0f} to {:.1f} MiB/s", t.free_mib_s, *t.held_mib_s);
}

// Where the writers' throttling began, in the kernel's own numbers where the tracepoint gives
// them: the first evaluation past the ceiling, the first sleep, and why the two differ.
void explain_traced_onset(Session& session, const Plan& plan, const Flood& flood,
                          const Throttling& t) {
  const probes::BalanceDirtyPagesEvent& first = flood.events[*t.traced.first];
  const double page = double(kPageBytes);
  const double model_freerun = double(plan.limits.freerun_pages) * page;
  const double onset = t.onset->dirty_pages * page, kernel_freerun = double(first.freerun()) * page;
  std::string slept = "none of them was put to sleep";
  if (t.traced.first_pause) {
    const double at = double(flood.events[*t.traced.first_pause].dirty) * page;
    slept = at <= onset * 1.02
                ? "it put them to sleep from there on"
                : fmt::format("it first put one to sleep at {}", facts::format_bytes(uint64_t(at)));
  }
  session.explain(fmt::format(
      "writers ran free until dirty + writeback reached {} (the kernel's count in its first "
      "writeback/balance_dirty_pages event for them; its free-run ceiling then (thresh + bg)/2 = "
      "2 x setpoint - limit = {}; model {}), then balance_dirty_pages rate-limited them and {}; "
      "{}",
      facts::format_bytes(uint64_t(onset)), facts::format_bytes(uint64_t(kernel_freerun)),
      facts::format_bytes(uint64_t(model_freerun)), slept, throughput_change(t)));
  if (std::abs(kernel_freerun - model_freerun) > 0.1 * model_freerun) {
    session.explain(fmt::format(
        "the kernel's free-run ceiling ({}, limit {}) differs from the model's ({}, limit {}) by "
        "{:+.0f} %: the kernel computes it from free memory and the file LRU at each evaluation, "
        "the model from the host as read before the run",
        facts::format_bytes(uint64_t(kernel_freerun)),
        facts::format_bytes(uint64_t(double(first.limit) * page)),
        facts::format_bytes(uint64_t(model_freerun)),
        facts::format_bytes(plan.limits.threshold_pages * kPageBytes),
        (kernel_freerun / model_freerun - 1) * 100));
  }
  if (!t.traced.first_pause || t.traced.first_pause == t.traced.first) return;
  const probes::BalanceDirtyPagesEvent& pause = flood.events[*t.traced.first_pause];
  if (double(pause.dirty) <= double(first.dirty) * 1.02) return;
  const double per_writer = t.free_mib_s / plan.shape.writers;
  session.explain(fmt::format(
      "at the ceiling the kernel allowed each writer {:.0f} MiB/s (task_ratelimit: dirty_ratelimit "
      "{:.0f} MiB/s x pos_ratio {:.2f}) and each wrote {:.0f} MiB/s: balance_dirty_pages lets a "
      "writer go without a pause while its own pace stays under the rate it allows; that rate "
      "falls as the level rises towards the limit, and at {} it was {:.0f} MiB/s, where it first "
      "slept one",
      double(first.task_ratelimit_kib) / 1024, double(first.dirty_ratelimit_kib) / 1024,
      first.dirty_ratelimit_kib
          ? double(first.task_ratelimit_kib) / double(first.dirty_ratelimit_kib)
          : 0.0,
      per_writer, facts::format_bytes(uint64_t(double(pause.dirty) * page)),
      double(pause.task_ratelimit_kib) / 1024));
}

void explain_slept_onset(Session& session, const Plan& plan, const Throttling& t) {
  const double freerun = double(plan.limits.freerun_pages) * double(kPageBytes);
  session.explain(fmt::format(
      "writers ran free until dirty + writeback reached {} (model free-run ceiling (thresh + "
      "bg)/2 = {}), then balance_dirty_pages paused them; {}",
      facts::format_bytes(uint64_t(t.onset->dirty_pages * double(kPageBytes))),
      facts::format_bytes(uint64_t(freerun)), throughput_change(t)));
  // Above the free-run ceiling the kernel lets each writer dirty at dirty_ratelimit x pos_ratio,
  // with pos_ratio 2 at the ceiling and 1 at the setpoint; on a new device dirty_ratelimit starts
  // at 100 MiB/s. A writer slower than that (a busy CPU) is not held back until the allowed rate
  // has fallen below its own, past the ceiling.
  const double per_writer = t.free_mib_s / plan.shape.writers;
  if (plan.shape.slow && per_writer > 0 && per_writer < kInitialRateMiBs) {
    session.explain(fmt::format(
        "each writer managed only {:.0f} MiB/s before the onset, less than the {:.0f} MiB/s the "
        "kernel first allows a writer on a new device: balance_dirty_pages had nothing to hold "
        "back at the free-run ceiling, and throttling showed only where the rate it allows fell "
        "below theirs (the CPUs were busy: fewer writers or an idle host show the onset at the "
        "ceiling)",
        per_writer, kInitialRateMiBs));
  }
}

// Where the level levelled off at its highest (held for a second), and where it was at the end.
void report_levels(Session& session, const Plan& plan, const Flood& flood, const Throttling& t) {
  const double page = double(kPageBytes);
  const auto plateau =
      sustained_peak_pages(flood.samples, t.onset->t_ns, flood.end_ns, 1'000'000'000);
  const int64_t last_third = flood.end_ns - (flood.end_ns - t.onset->t_ns) / 3;
  const auto settled = plateau_pages(flood.samples, last_third, flood.end_ns);
  if (plateau) {
    session.derived("dirty_plateau_bytes", *plateau * page, "bytes",
                    "highest median of nr_dirty + nr_writeback over any 1 s after the onset");
  }
  if (settled) {
    session.derived(
        "dirty_settled_bytes", *settled * page, "bytes",
        "median of nr_dirty + nr_writeback over the last third of the throttled period");
  }
  if (auto late = rate_from(flood, last_third)) {
    session.derived("settled_mib_per_s", *late, "MiB/s",
                    "bytes of the writes that began in the last third of the throttled period / "
                    "its length");
  }
  if (!plateau || !settled) return;
  const double hard = double(plan.limits.threshold_pages) * page;
  const bool at_limit = *plateau * page >= 0.9 * hard;
  const std::string why_level =
      at_limit
          ? fmt::format(
                ": the kernel first lets each writer dirty at its initial estimate of a device's "
                "bandwidth (INIT_BW, 100 MiB/s{}): {} writer(s) against {}/s, and "
                "balance_dirty_pages can hold them back that far only close to the hard limit "
                "(pos_ratio near 0); the level stays there while the kernel learns the device's "
                "bandwidth (averaged over about 3 s) and lowers dirty_ratelimit",
                plan.shape.slow ? "; the loop device was made for this run" : "",
                plan.shape.writers, facts::format_size(plan.shape.device_bps))
          : ": dirty_ratelimit had come down most of the way to the device's bandwidth before the "
            "level rose that far, so a pos_ratio above 0 balanced the writers (more writers or a "
            "slower device make the rise faster than that learning)";
  session.explain(fmt::format(
      "dirty + writeback levelled off at {} ({} the model's hard limit of {}{}) and was at {} over "
      "the last third of the {:.1f} s of throttled writing (model setpoint {}: where the feedback "
      "loop settles once dirty_ratelimit matches the device's bandwidth; its last steps are small, "
      "so a run of seconds ends between the two)",
      facts::format_bytes(uint64_t(*plateau * page)), at_limit ? "at" : "below",
      facts::format_bytes(uint64_t(hard)), why_level,
      facts::format_bytes(uint64_t(*settled * page)), t.throttled_s,
      facts::format_bytes(plan.limits.setpoint_pages * kPageBytes)));
}

void explain_unthrottled(Session& session, const Plan& plan, const Flood& flood,
                         ThrottleMethod method) {
  const double page = double(kPageBytes);
  const double peak = peak_pages(flood.samples, flood.begin_ns, flood.end_ns) * page;
  const double freerun = double(plan.limits.freerun_pages) * page;
  const double write_s = double(flood.end_ns - flood.begin_ns) / 1e9;
  const double background = double(plan.limits.background_pages) * page;
  const std::string slow_disk =
      plan.shape.slow ? ""
                      : " (use --device-bps for a slow disk: storage that acknowledges "
                        "writes from a host cache never falls behind)";
  std::string why;
  if (peak < background) {
    why = fmt::format(
        ": everything written stayed below even the background threshold ({}), "
        "where the flusher starts writing back (a larger --size reaches the "
        "limits{})",
        facts::format_bytes(uint64_t(background)), slow_disk);
  } else if (peak < freerun) {
    why = fmt::format(
        ": the flusher, writing back from the background threshold ({}) on, kept "
        "up with {} writer(s) at {:.0f} MiB/s{}",
        facts::format_bytes(uint64_t(background)), plan.shape.writers,
        double(flood.written) / double(kMiB) / write_s, slow_disk);
  }
  session.explain(fmt::format(
      "writers were not throttled: {}; dirty + writeback peaked at {}, {} the model's free-run "
      "ceiling of {}{}",
      method == ThrottleMethod::tracepoint
          ? "balance_dirty_pages never evaluated them past its free-run ceiling (no "
            "writeback/balance_dirty_pages event for them)"
          : "no lasting run of writes that slept >= 4 ms",
      facts::format_bytes(uint64_t(peak)), peak < freerun ? "below" : "above",
      facts::format_bytes(uint64_t(freerun)), why));
}

void report_throttling(Session& session, const Plan& plan, const Flood& flood,
                       ThrottleMethod method) {
  const Throttling t = find_throttling(flood, method);
  if (method == ThrottleMethod::tracepoint) report_kernel_throttle(session, flood, t);
  if (!t.onset) {
    explain_unthrottled(session, plan, flood, method);
    return;
  }
  report_onset(session, flood, t);
  if (method == ThrottleMethod::tracepoint) {
    explain_traced_onset(session, plan, flood, t);
  } else {
    explain_slept_onset(session, plan, t);
  }
  report_levels(session, plan, flood, t);
}

// In a memory cgroup's dirty domain: which domain bound the writers. The kernel says it where the
// tracepoint was read and the two domains' limits differ (its first event's limit is the binding
// domain's hard limit); else the model's answer stands. The level the analysis reads follows.
void settle_domain(Session& session, const Plan& plan, const Before& before, Flood& flood) {
  if (!plan.memcg_domain) return;
  bool memcg = plan.domain.memcg_binds;
  const double global = double(before.threshold_pages.value_or(plan.domain.limits.threshold_pages));
  const double cgroup = double(plan.domain.memcg.threshold_pages);
  auto first = std::find_if(flood.events.begin(), flood.events.end(), [&](const auto& e) {
    return std::find(flood.writer_tids.begin(), flood.writer_tids.end(), e.pid) !=
           flood.writer_tids.end();
  });
  if (first != flood.events.end() && std::abs(global - cgroup) > 0.05 * global) {
    const double limit = double(first->limit);
    memcg = std::abs(limit - cgroup) < std::abs(limit - global);
    session.measured("memcg_domain_bound", memcg ? 1 : 0, "bool",
                     fmt::format("1 when the limit of the first writeback/balance_dirty_pages "
                                 "event ({} pages) is nearer the cgroup's threshold ({:.0f}) "
                                 "than the global one ({:.0f}), else 0",
                                 first->limit, cgroup, global));
  }
  session.explain(fmt::format(
      "dirty domain: the writers' cgroup is a writeback domain of its own (cgroup v2 with memory "
      "and io); model: {}; the onset, plateau and settled level below are the {}",
      plan.domain.binding.why.text,
      memcg ? "cgroup's (memory.stat file_dirty + file_writeback of the writers' cgroup)"
            : "global domain's (/proc/vmstat nr_dirty + nr_writeback)"));
  if (memcg) use_memcg_level(flood.samples);
}

void run(Session& session, const Options& o) {
  const Plan plan = make_plan(session, o);
  std::optional<changes::CgroupPlace> place;
  if (plan.shape.slow) {
    if (auto why = changes::slow_device_unsupported(session.fs())) {
      session.skip(*why);
      return;
    }
    if (plan.memcg_domain && !(place = open_cgroup_place(session, {"memory", "io"}))) return;
  }
  apply_dirty_settings(session, o);
  Target target = prepare_target(session, o, plan, place);
  Files files;
  open_files(session, target, plan.shape.writers, files);
  wait_until_quiet(session, plan.limits);
  const Before before = report_thresholds(session);
  ThrottleMethod method = ThrottleMethod::sleep;
  std::unique_ptr<ThrottleTrace> trace = start_throttle_probe(session, o.throttle_probe, method);

  // The bystander is forked before any thread exists in this process, and stays outside the
  // writers' cgroup, which this process then joins.
  Bystander bystander;
  if (o.bystander) bystander.start();
  std::unique_ptr<MemcgDirtyGauge> memcg;
  if (target.writers) {
    target.writers->move_self();
    memcg = std::make_unique<MemcgDirtyGauge>(
        session.fs().path(target.writers->dir() + "/memory.stat").string());
  }
  Flood flood = write_flood(session, plan.shape, files.fds, o.duration, trace.get(), memcg.get());
  bystander.stop();
  trace.reset();
  clean_up(session, target, files);
  if (!flood.error.empty()) fail(ErrorKind::unsupported, "write failed: {}", flood.error);

  report_flood(session, plan.shape, flood, bystander);
  settle_domain(session, plan, before, flood);
  report_throttling(session, plan, flood, method);
  if (before.dirty_bytes > 0.05 * double(plan.limits.freerun_pages) * double(kPageBytes)) {
    session.note(fmt::format(
        "other processes had {} dirty or under writeback before the run: the kernel's limits "
        "count everyone's pages, and so do these figures",
        facts::format_bytes(uint64_t(before.dirty_bytes))));
  }
  session.trace(dirty_series(flood, plan.limits, session.start_ns()));
  session.trace(writes_series(flood, session.start_ns()));
}

}  // namespace

// constinit: the registry's table points at it while statics are set up.
extern constinit const Workload kDirtyFlood = [] {
  Workload workload = define_workload<unsupported, invalid, footprint, predict, run>(
      "dirty-flood",
      "Buffered writers past the dirty limits, beside a bystander: dirty/writeback over time, "
      "write latency, throttle onset and plateau vs the model",
      kParams);
  // With --device-bps the writers wait on the slow loop device the run makes for itself.
  workload.waits_on_own_device = [](const ParamValues& p) {
    return options_from<Options>(p).device_bps > 0;
  };
  return workload;
}();

}  // namespace mmtune::workloads
