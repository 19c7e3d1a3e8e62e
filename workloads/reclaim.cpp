// reclaim: a page-cache reader and an anonymous working set compete inside a memory cgroup whose
// limit is below what both want, once at a low and once at a high swappiness.
//
// Each phase makes a cgroup of its own (limit --limit) and forks two workers into it: one touches
// its --anon bytes of anonymous memory over and over, a pass per --anon-period (a write per page,
// timed per 256 KiB: the allocation and access stalls), the other reads a --file bytes file over
// and over as fast as it can (1 MiB pread()s, timed). Together they want more than the limit, so
// every charge past it reclaims inside the cgroup (try_charge → try_to_free_mem_cgroup_pages): page
// cache, or anonymous memory if swap is there and the swappiness lets it. After --duration the
// workers are stopped and the phase is judged from counter deltas.
//
// Which swappiness counts (mm/vmscan.c, mem_cgroup_swappiness): cgroup v1 reclaims a cgroup's
// pages with that cgroup's own memory.swappiness (copied from its parent when it was made), so the
// phase sets it in the cgroup it made — no host setting changes; cgroup v2 has no per-cgroup
// swappiness and uses vm.swappiness, which the phase sets through the journal (restored
// afterwards).
//
// The counters: reclaim inside a memory cgroup is not kswapd's and is not counted in the host's
// pgscan_direct/pgsteal_direct (those count global reclaim only); the host's pgscan_anon/file and
// pgsteal_anon/file count every reclaim, and v2's memory.stat has the cgroup's own pgscan_* and
// pgsteal_*. v1 has no per-cgroup scan counters and no per-cgroup PSI: the host-wide figures are
// reported, which on a host under no other pressure are this run's.
//
// The anon share of what was reclaimed, pgsteal_anon / (pgsteal_anon + pgsteal_file), is what the
// swappiness moves: the model (model/reclaim.hpp scan_balance) gives its direction for the host's
// LRU kind (classic get_scan_count, or MGLRU); its size depends on the IO costs (refaults) the
// kernel tracks at the time, so only the direction is held against the measurement.
#include "model/reclaim.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "changes/journal.hpp"
#include "changes/memcg.hpp"
#include "changes/swap_file.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
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
constexpr uint64_t kGroupBytes = 256 * 1024;  // one timed step of the anonymous worker
constexpr uint64_t kReadBytes = kMiB;         // one pread() of the reader
constexpr size_t kMaxSamples = 1 << 19;       // per worker and phase
constexpr uint64_t kSpareDiskBytes = 1ull << 30;

struct Options {
  uint64_t limit = 0;
  uint64_t anon = 0;
  std::chrono::nanoseconds anon_period{};
  uint64_t file = 0;
  uint64_t swap = 0;
  int swappiness_low = 1;
  int swappiness_high = 100;
  std::chrono::nanoseconds duration{};
  std::string dir;
};

constexpr Param kParams[] = {
    bind<&Options::limit>({"limit", ParamKind::size, "bytes", "256MiB",
                           "memory limit of the workers' cgroup", 32.0 * kMiB, 0}),
    bind<&Options::anon>({"anon", ParamKind::size, "bytes", "128MiB",
                          "anonymous working set, written a page at a time, over and over",
                          4.0 * kMiB, 0}),
    bind<&Options::anon_period>({"anon-period", ParamKind::duration, "s", "4s",
                                 "time for one pass over the working set (0: as fast as possible, "
                                 "which keeps every page hot)",
                                 0, 600}),
    bind<&Options::file>(
        {"file", ParamKind::size, "bytes", "192MiB",
         "file read over and over through the page cache (one that would fit if the working set "
         "made room: a file that never fits is streaming cache, which reclaim trims first at any "
         "swappiness)",
         4.0 * kMiB, 0}),
    bind<&Options::swap>({"swap", ParamKind::size, "bytes", "0",
                          "a temporary swap file of this size when the host has none (0: none; "
                          "without swap only page cache can go)",
                          0}),
    bind<&Options::swappiness_low>({"swappiness-low", ParamKind::integer, "swappiness", "1",
                                    "swappiness of the first phase", 0, 200}),
    bind<&Options::swappiness_high>({"swappiness-high", ParamKind::integer, "swappiness", "100",
                                     "swappiness of the second phase", 0, 200}),
    bind<&Options::duration>(
        {"duration", ParamKind::duration, "s", "8s", "how long each phase runs", 0.2, 600}),
    bind<&Options::dir>({"dir", ParamKind::path, "path", "/var/tmp",
                         "directory for the file and the temporary swap file"}),
};

std::optional<std::string> unsupported(const facts::HostFacts& facts) {
  return memcg_unsupported(facts);
}

std::optional<std::string> invalid(const Options& o) {
  std::error_code ec;
  if (!fs::is_directory(o.dir, ec)) return fmt::format("--dir: \"{}\" is not a directory", o.dir);
  const auto size = [](uint64_t bytes) { return facts::format_bytes(bytes); };
  if (o.anon + o.file <= o.limit) {
    return fmt::format(
        "--limit: {} holds --anon {} and --file {} together: nothing would be reclaimed",
        size(o.limit), size(o.anon), size(o.file));
  }
  if (o.anon >= o.limit) {
    return fmt::format(
        "--anon: {} does not fit under --limit {}: the working set alone would be swapped or OOM "
        "killed, with no page cache to compete",
        size(o.anon), size(o.limit));
  }
  if (auto problem = swap_size_problem(o.swap)) return problem;
  if (std::optional<uint64_t> room = free_bytes(o.dir)) {
    if (*room < o.file + o.swap + kSpareDiskBytes) {
      return fmt::format(
          "--dir: {} has {} free, too little for --file and --swap and 1GiB to spare", o.dir,
          facts::format_size(*room));
    }
  }
  return std::nullopt;
}

uint64_t footprint(const Options& o) { return std::min(o.limit, o.anon + o.file); }

bool swap_during_run(const Options& o, const facts::HostFacts& facts) {
  return facts.has_swap() || o.swap > 0;
}

// Each phase's cgroup is new: its working set is faulted in at the start, while the reader keeps
// putting page cache into MGLRU's oldest generation (model/reclaim.hpp anon_unaged).
model::ScanBalance balance_at(int swappiness, bool swap, model::LruKind lru) {
  model::ReclaimShape shape;
  shape.swappiness = swappiness;
  shape.lru = lru;
  shape.swap_available = swap;
  shape.scope = model::ReclaimScope::cgroup;
  shape.anon_unaged = lru == model::LruKind::mglru;
  return model::scan_balance(shape);
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  const bool swap = swap_during_run(o, facts);
  const model::LruKind lru = lru_of(facts);
  const int low = o.swappiness_low, high = o.swappiness_high;
  model::ScanBalance at_low = balance_at(low, swap, lru), at_high = balance_at(high, swap, lru);
  std::vector<Expectation> out;
  for (auto [sw, balance] : {std::pair{low, at_low}, std::pair{high, at_high}}) {
    model::Prediction share = balance.anon_share;
    share.name = fmt::format("anon share of reclaim at swappiness {} ({})", sw, lru_name(lru));
    // Shown beside the measurement, not held to it: the IO costs move the real share.
    out.push_back(
        {fmt::format("anon_share.sw{}", sw), share, std::nullopt, std::nullopt, std::nullopt});
  }
  // The direction is what the model stands by: more anon at the higher swappiness, or no change.
  const double gain = at_high.anon_share.value - at_low.anon_share.value;
  model::Prediction direction{
      "anon share gain from the lower to the higher swappiness",
      gain,
      "ratio",
      {"anon share(high) − anon share(low); measured must be > 0.01 when the model's is > 0, else "
       "within ±0.01",
       at_high.anon_share.why.kernel_function,
       fmt::format("{:.4f} − {:.4f} = {:.4f} (nominal, at equal IO costs); {}",
                   at_high.anon_share.value, at_low.anon_share.value, gain,
                   swap ? "swap present" : "no swap: anon cannot be reclaimed")}};
  if (gain > 0.005) {
    out.push_back({"anon_share_gain", direction, std::nullopt, 0.01, 1.0});
  } else {
    out.push_back({"anon_share_gain", direction, std::nullopt, -0.01, 0.01});
  }
  return out;
}

// ---- the workers ----

struct Samples {
  SharedArray<int64_t> ns{kMaxSamples};
  SharedArray<uint64_t> control{3};  // [0] stop, [1] samples written, [2] units of work done
  void add(int64_t took) {
    std::atomic_ref<uint64_t> count(control[1]);
    uint64_t n = count.load(std::memory_order_relaxed);
    if (n < ns.size()) ns[n] = took;
    count.store(n + 1, std::memory_order_release);
  }
  bool stopped() const {
    return std::atomic_ref<uint64_t>(control[0]).load(std::memory_order_relaxed) ||
           Session::stop_flag().load(std::memory_order_relaxed);
  }
  std::vector<double> values() const {
    size_t n = std::min<size_t>(
        std::atomic_ref<uint64_t>(control[1]).load(std::memory_order_acquire), ns.size());
    std::vector<double> out;
    out.reserve(n);
    for (size_t i = 0; i < n; ++i) out.push_back(double(ns[i]));
    return out;
  }
};

// A working set touched at a steady pace, a pass per period, as a program uses its data: pages
// touched in a tight loop are always referenced when reclaim looks at them and are never worth
// swapping, whatever the swappiness.
int touch_anon(uint64_t bytes, std::chrono::nanoseconds period, Samples& samples) {
  char* base = static_cast<char*>(
      ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  if (base == MAP_FAILED) return 1;
  ::madvise(base, bytes, MADV_NOHUGEPAGE);  // 4 KiB pages, as reclaim and swap handle them
  std::atomic_ref<uint64_t> passes(samples.control[2]);
  const int64_t period_ns = period.count();
  for (uint64_t pass = 1; !samples.stopped(); ++pass) {
    const int64_t pass_start = monotonic_ns();
    for (uint64_t group = 0; group < bytes && !samples.stopped(); group += kGroupBytes) {
      if (period_ns > 0)
        sleep_until(pass_start +
                    static_cast<int64_t>(double(period_ns) * double(group) / double(bytes)));
      int64_t t0 = monotonic_ns();
      for (uint64_t off = group; off < std::min(bytes, group + kGroupBytes); off += kPageBytes) {
        base[off] = static_cast<char>(pass);
      }
      samples.add(monotonic_ns() - t0);
    }
    passes.store(pass, std::memory_order_relaxed);
  }
  return 0;
}

int read_file(const fs::path& path, uint64_t bytes, Samples& samples) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 1;
  ::posix_fadvise(fd, 0, 0,
                  POSIX_FADV_RANDOM);  // no readahead beyond each read: pages are read when asked
  std::vector<char> buffer(kReadBytes);
  std::atomic_ref<uint64_t> done(samples.control[2]);
  uint64_t offset = 0;
  while (!samples.stopped()) {
    int64_t t0 = monotonic_ns();
    ssize_t n = ::pread(fd, buffer.data(), buffer.size(), static_cast<off_t>(offset));
    if (n <= 0) {
      ::close(fd);
      return 1;
    }
    samples.add(monotonic_ns() - t0);
    done.fetch_add(static_cast<uint64_t>(n), std::memory_order_relaxed);
    offset = (offset + static_cast<uint64_t>(n)) % bytes;
  }
  ::close(fd);
  return 0;
}

// The file is written once by the workload process and dropped from the page cache, so that the
// reader's reads charge its own cgroup (a cached page stays charged to whoever read it first).
void make_file(const fs::path& path, uint64_t bytes) {
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    fail(ErrorKind::unsupported, "cannot create {}: {}", path.string(), std::strerror(errno));
  std::vector<char> block(kMiB);
  for (size_t i = 0; i < block.size(); ++i) block[i] = static_cast<char>(i * 7);
  for (uint64_t off = 0; off < bytes; off += block.size()) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(block.size(), bytes - off));
    if (::pwrite(fd, block.data(), n, static_cast<off_t>(off)) != static_cast<ssize_t>(n)) {
      int saved = errno;
      ::close(fd);
      fail(ErrorKind::unsupported, "cannot write {}: {}", path.string(), std::strerror(saved));
    }
  }
  ::fdatasync(fd);
  ::close(fd);
}

void drop_cache(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return;
  ::posix_fadvise(fd, 0, 0, POSIX_FADV_DONTNEED);
  ::close(fd);
}

// ---- one phase ----

struct Snapshot {
  facts::Counters vmstat;
  facts::CgroupMemory cgroup;
  std::optional<facts::Psi> host_psi;
};

Snapshot snapshot(const probes::HostFs& fs, const changes::WorkerCgroup& cgroup) {
  return {probes::read_vmstat(fs), cgroup.read(), probes::read_psi(fs)};
}

uint64_t delta(const facts::Counters& before, const facts::Counters& after, std::string_view key) {
  uint64_t a = after.get_or(key, 0), b = before.get_or(key, 0);
  return a > b ? a - b : 0;
}

struct PhaseOutcome {
  double anon_share = 0;
  bool reclaimed = false;
  double file_refaults = 0;
};

// The phase's cgroup, at its swappiness: v1 its own memory.swappiness, v2 vm.swappiness.
std::unique_ptr<changes::WorkerCgroup> phase_cgroup(const Options& o, changes::Journal& journal,
                                                    const probes::CgroupDir& parent,
                                                    int swappiness) {
  auto cgroup = std::make_unique<changes::WorkerCgroup>(
      journal, parent, fmt::format("mmtune-reclaim-{}-sw{}", ::getpid(), swappiness));
  cgroup->set_limit(o.limit);
  if (cgroup->version() == 1) {
    cgroup->set_swappiness(swappiness);
  } else {
    journal.set_knob("vm.swappiness", std::to_string(swappiness));
  }
  return cgroup;
}

struct Competition {
  Samples anon, reader;
  std::optional<WorkerExit> anon_exit, reader_exit;
};

// The two workers in the cgroup for --duration (or until both stop), then stopped and reaped.
void compete(Session& session, const Options& o, changes::WorkerCgroup& cgroup,
             const fs::path& file, Competition& c) {
  const uint64_t anon_bytes = o.anon, file_bytes = o.file;
  const std::chrono::nanoseconds period = o.anon_period;
  pid_t anon_pid =
      spawn_worker([&] { return touch_anon(anon_bytes, period, c.anon); }, cgroup.procs_path());
  pid_t reader_pid =
      spawn_worker([&] { return read_file(file, file_bytes, c.reader); }, cgroup.procs_path());
  const int64_t end = monotonic_ns() + o.duration.count();
  while (monotonic_ns() < end && !session.stop_requested() && !(c.anon_exit && c.reader_exit)) {
    if (!c.anon_exit) c.anon_exit = reap_worker(anon_pid, 0.0);
    if (!c.reader_exit) c.reader_exit = reap_worker(reader_pid, 0.0);
    cgroup.sample_usage();
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::atomic_ref<uint64_t>(c.anon.control[0]).store(1);
  std::atomic_ref<uint64_t>(c.reader.control[0]).store(1);
  if (!c.anon_exit && !(c.anon_exit = reap_worker(anon_pid, 2.0)))
    c.anon_exit = kill_worker(anon_pid);
  if (!c.reader_exit && !(c.reader_exit = reap_worker(reader_pid, 2.0)))
    c.reader_exit = kill_worker(reader_pid);
}

// The host's reclaim counters over the phase (they count cgroup reclaim too) and the anon share.
PhaseOutcome report_reclaim_counters(Session& session, const Snapshot& before,
                                     const Snapshot& after, const std::string& tag,
                                     const std::map<std::string, std::string>& labels) {
  auto host = [&](std::string_view key) {
    double value = double(delta(before.vmstat, after.vmstat, key));
    session.measured(fmt::format("{}.{}", key, tag), value, "pages",
                     fmt::format("/proc/vmstat {} delta", key), labels);
    return value;
  };
  for (std::string_view key :
       {"pgscan_kswapd", "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct"}) {
    host(key);
  }
  const double scan_anon = host("pgscan_anon"), scan_file = host("pgscan_file");
  const double steal_anon = host("pgsteal_anon"), steal_file = host("pgsteal_file");
  host("pswpin");
  host("pswpout");
  session.measured("allocstall." + tag,
                   double(after.vmstat.sum_prefix("allocstall").value_or(0) -
                          before.vmstat.sum_prefix("allocstall").value_or(0)),
                   "events", "/proc/vmstat allocstall_* delta (global direct reclaim only)",
                   labels);
  host("workingset_refault_anon");
  PhaseOutcome outcome;
  outcome.file_refaults = host("workingset_refault_file");
  const double scanned = scan_anon + scan_file, stolen = steal_anon + steal_file;
  if (scanned > 0) {
    session.derived("reclaim_efficiency." + tag, stolen / scanned, "ratio",
                    "(pgsteal_anon + pgsteal_file) / (pgscan_anon + pgscan_file)", labels);
  }
  outcome.reclaimed = stolen > 0;
  if (stolen > 0) {
    outcome.anon_share = steal_anon / stolen;
    session.derived("anon_share." + tag, outcome.anon_share, "ratio",
                    "pgsteal_anon / (pgsteal_anon + pgsteal_file)", labels);
  }
  return outcome;
}

// The cgroup's own counters (memory.stat), its peak and swap.
void report_cgroup_counters(Session& session, const changes::WorkerCgroup& cgroup,
                            const Snapshot& before, const Snapshot& after, const std::string& tag,
                            const std::map<std::string, std::string>& labels) {
  const std::string stat_file = cgroup.version() == 2 ? "memory.stat" : "memory.stat (v1)";
  for (std::string_view key :
       {"workingset_refault_anon", "workingset_refault_file", "pgscan", "pgsteal", "pgscan_kswapd",
        "pgscan_direct", "pgsteal_kswapd", "pgsteal_direct", "pgmajfault"}) {
    if (!after.cgroup.stat.get(key)) continue;
    session.measured(fmt::format("cgroup_{}.{}", key, tag),
                     double(delta(before.cgroup.stat, after.cgroup.stat, key)), "pages",
                     fmt::format("{} {} delta", stat_file, key), labels);
  }
  if (auto peak = cgroup.peak()) {
    session.measured("cgroup_peak_bytes." + tag, double(peak->bytes), "bytes", peak->source,
                     labels);
  }
  if (auto swap_now = after.cgroup.stat.get("swap")) {
    session.measured("cgroup_swap_bytes." + tag, double(*swap_now), "bytes",
                     "memory.stat swap at the end of the phase", labels);
  }
}

// Pressure: the cgroup's own on v2; v1 has only the host's.
void report_pressure(Session& session, const changes::WorkerCgroup& cgroup, const Snapshot& before,
                     const Snapshot& after, const std::string& tag,
                     const std::map<std::string, std::string>& labels) {
  const bool own = cgroup.version() == 2 && after.cgroup.pressure && before.cgroup.pressure;
  const std::optional<facts::Psi>& a = own ? after.cgroup.pressure : after.host_psi;
  const std::optional<facts::Psi>& b = own ? before.cgroup.pressure : before.host_psi;
  if (!a || !b) return;
  const std::string where =
      own ? "cgroup memory.pressure"
          : "/proc/pressure/memory (host-wide: cgroup v1 has no per-cgroup PSI)";
  session.measured("psi_some_us." + tag, double(a->some.total_us - b->some.total_us), "us",
                   where + " some total delta", labels);
  if (a->full && b->full) {
    session.measured("psi_full_us." + tag, double(a->full->total_us - b->full->total_us), "us",
                     where + " full total delta", labels);
  }
}

void report_workers(Session& session, const changes::WorkerCgroup& cgroup, const Competition& c,
                    int swappiness, const std::string& tag,
                    const std::map<std::string, std::string>& labels) {
  report_latencies(
      session, "anon_stall." + tag, c.anon.values(),
      "CLOCK_MONOTONIC around writing one byte in each page of 256 KiB of the working set", false);
  report_latencies(session, "read_latency." + tag, c.reader.values(),
                   "CLOCK_MONOTONIC around each 1 MiB pread()", false);
  session.measured("anon_passes." + tag,
                   double(std::atomic_ref<uint64_t>(c.anon.control[2]).load()), "passes",
                   "complete passes over the anonymous working set", labels);
  session.measured("read_bytes." + tag,
                   double(std::atomic_ref<uint64_t>(c.reader.control[2]).load()), "bytes",
                   "bytes the reader got from pread()", labels);
  for (const auto& [who, exit] :
       {std::pair{"anonymous worker", *c.anon_exit}, std::pair{"reader", *c.reader_exit}}) {
    if (exit.signal == SIGKILL && cgroup.oom_kills().value_or(0) > 0) {
      session.note(
          fmt::format("swappiness {}: the {} was OOM killed in its cgroup", swappiness, who));
    } else if (exit.exited && exit.code != 0) {
      session.note(
          fmt::format("swappiness {}: the {} stopped with status {}", swappiness, who, exit.code));
    }
  }
}

PhaseOutcome run_phase(Session& session, const Options& o, changes::Journal& journal,
                       const probes::CgroupDir& parent, int swappiness, const fs::path& file) {
  probes::HostFs fs("/");
  const std::string tag = fmt::format("sw{}", swappiness);
  const std::map<std::string, std::string> labels = {{"swappiness", std::to_string(swappiness)}};
  std::unique_ptr<changes::WorkerCgroup> cgroup = phase_cgroup(o, journal, parent, swappiness);
  drop_cache(file);
  Competition c;
  Snapshot before = snapshot(fs, *cgroup);
  PhaseStart phase = session.begin_phase("compete." + tag);
  compete(session, o, *cgroup, file, c);
  Snapshot after = snapshot(fs, *cgroup);
  session.end_phase(phase);
  PhaseOutcome outcome = report_reclaim_counters(session, before, after, tag, labels);
  report_cgroup_counters(session, *cgroup, before, after, tag, labels);
  report_pressure(session, *cgroup, before, after, tag, labels);
  report_workers(session, *cgroup, c, swappiness, tag, labels);
  return outcome;
}

void run(Session& session, const Options& o) {
  std::optional<changes::CgroupPlace> place = open_cgroup_place(session, {"memory"});
  if (!place) return;
  changes::Journal* journal = session.journal();
  const probes::CgroupDir& parent = place->dir();
  const facts::HostFacts& facts = session.host();
  const model::LruKind lru = lru_of(facts);
  session.explain(
      fmt::format("LRU kind of this host: {} ({})", lru_name(lru),
                  facts.mglru ? fmt::format("/sys/kernel/mm/lru_gen/enabled = {:#x}", *facts.mglru)
                              : std::string("no /sys/kernel/mm/lru_gen: the kernel has no MGLRU")));
  std::unique_ptr<changes::TempSwap> swap_file = swap_file_for_run(session, o.swap, o.dir, o.swap);
  if (!swap_file && !facts.has_swap()) {
    session.note(
        "no swap: only page cache can be reclaimed, whatever the swappiness (give --swap SIZE for "
        "a "
        "temporary swap file)");
  }
  session.note(parent.version == 1
                   ? "swappiness: cgroup v1, each phase sets memory.swappiness of its own cgroup "
                     "(v1 reclaims a cgroup's pages with the cgroup's swappiness); vm.swappiness "
                     "is not changed"
                   : "swappiness: cgroup v2, each phase sets vm.swappiness through the journal "
                     "(restored afterwards): v2 has no per-cgroup swappiness, and memory.reclaim's "
                     "swappiness= (6.9+) steers only a proactive reclaim request, not the reclaim "
                     "at the limit these phases measure");

  const fs::path file = fs::path(o.dir) / fmt::format("mmtune-reclaim-{}.dat", ::getpid());
  journal->track_temp_file(file);
  make_file(file, o.file);

  const int low = o.swappiness_low, high = o.swappiness_high;
  PhaseOutcome at_low = run_phase(session, o, *journal, parent, low, file);
  PhaseOutcome at_high;
  if (!session.stop_requested()) at_high = run_phase(session, o, *journal, parent, high, file);
  ::unlink(file.c_str());
  if (session.stop_requested()) return;

  if (at_low.reclaimed && at_high.reclaimed) {
    session.derived("anon_share_gain", at_high.anon_share - at_low.anon_share, "ratio",
                    fmt::format("anon_share.sw{} − anon_share.sw{}", high, low));
  }
  const bool swap = facts.has_swap() || swap_file;
  model::ScanBalance model_low = balance_at(low, swap, lru),
                     model_high = balance_at(high, swap, lru);
  std::string decisions = model_low.decision == model_high.decision
                              ? std::string(to_string(model_low.decision))
                              : fmt::format("{}, then {}", to_string(model_low.decision),
                                            to_string(model_high.decision));
  session.explain(fmt::format(
      "anon share of what was reclaimed: {:.3f} at swappiness {}, {:.3f} at {}; model ({}, {}): "
      "{:.3f} and {:.3f} at equal IO costs",
      at_low.anon_share, low, at_high.anon_share, high, lru_name(lru), decisions,
      model_low.anon_share.value, model_high.anon_share.value));
  if (at_low.reclaimed && at_low.anon_share > model_low.anon_share.value + 0.05) {
    session.explain(
        fmt::format("at swappiness {} more anon went than the nominal {:.3f}: {:.0f} file refaults "
                    "raised the page "
                    "cache's IO cost, and get_scan_count weighs each list by the other's cost, so "
                    "thrashing cache "
                    "pushes reclaim towards anon at any swappiness above 0",
                    low, model_low.anon_share.value, at_low.file_refaults));
  }
  session.note(
      "reclaim in a memory cgroup (its limit) is not kswapd's and is not counted in the host's "
      "pgscan_direct/pgsteal_direct, which count global reclaim only; pgscan_anon/file and "
      "pgsteal_anon/file count all reclaim");
}

}  // namespace

extern const Workload kReclaim = define_workload<unsupported, invalid, footprint, predict, run>(
    "reclaim",
    "Page cache and an anonymous working set compete in a memory cgroup at two swappiness values: "
    "scan/steal, swap, refaults, PSI, stalls, the anon share vs the model",
    kParams);

}  // namespace mmtune::workloads
