// demand-paging: first-touch page faults on fresh memory.
//
// Each thread gets its own 2 MiB-aligned mapping (one VMA per thread: threads that share a VMA
// contend on its lock, 1.44× instead of 1.74× with two threads here) and writes one byte per page
// in the chosen pattern. The fault count comes from getrusage(ru_minflt) around the pass, the
// time from CLOCK_MONOTONIC, RSS and page-table growth from /proc/self/status (RssAnon, VmPTE;
// cheap at any size, unlike smaps_rollup).
//
// Hot or cold memory: memory this guest freed and left idle for about a second is handed back to
// the hypervisor, and touching it again costs 2.5–12× more (docs/workloads.md). With
// --warmup on (the default) the same amount is first touched and freed, and the measured pass
// follows at once, on hot memory; the warm-up's own rate is reported as the rate of memory "as
// found". With --warmup off the measured pass is on memory as found.
#include "model/demand_paging.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <thread>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/thp.hpp"
#include "workloads/expectations.hpp"
#include "workloads/loops.hpp"
#include "workloads/mapping.hpp"
#include "workloads/session.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

enum class Pattern { sequential, random, stride };  // in the order of --pattern's choices
enum class Backing { anon, memfd, file };

struct Options {
  uint64_t size = 0;
  int threads = 1;
  Pattern pattern{};
  uint64_t stride = 0;
  uint64_t touches = 0;  // per thread, random only; 0: as many as pages
  bool thp = false;
  Backing backing{};
  std::string dir;
  bool warmup = true;
};

constexpr Param kParams[] = {
    bind<&Options::size>({"size", ParamKind::size, "bytes", "512MiB",
                          "memory to touch, split evenly between the threads", 64 * 1024}),
    bind<&Options::threads>({"threads", ParamKind::integer, "threads", "1",
                             "threads, each touching its own mapping", 1, 256}),
    bind<&Options::pattern>(
        {"pattern", ParamKind::choice, "choice", "sequential",
         "sequential: every page in order; random: uniform random pages; stride: one byte every "
         "--stride",
         0, 0, "sequential|random|stride"}),
    bind<&Options::stride>({"stride", ParamKind::size, "bytes", "64KiB",
                            "distance between touches with --pattern stride", 1}),
    bind<&Options::touches>(
        {"touches", ParamKind::integer, "touches", "0",
         "random touches per thread with --pattern random (0: as many as pages)", 0}),
    bind<&Options::thp>(
        {"thp", ParamKind::choice, "choice", "off",
         "off: MADV_NOHUGEPAGE, 4 KiB faults; on: MADV_HUGEPAGE (anonymous memory only)", 0, 0,
         "off|on"}),
    bind<&Options::backing>({"backing", ParamKind::choice, "choice", "anon",
                             "anon: private anonymous; memfd: shared memory (shmem); file: an "
                             "unlinked file in --dir",
                             0, 0, "anon|memfd|file"}),
    bind<&Options::dir>({"dir", ParamKind::path, "path", "/var/tmp",
                         "directory for --backing file (the file is unlinked at once)"}),
    bind<&Options::warmup>(
        {"warmup", ParamKind::choice, "choice", "on",
         "on: touch and free the same amount first, so the measured pass runs on hot memory", 0, 0,
         "on|off"}),
};

std::string_view backing_name(Backing backing) {
  switch (backing) {
    case Backing::anon:
      return "anon";
    case Backing::memfd:
      return "memfd";
    case Backing::file:
      return "file";
  }
  return "?";
}

uint64_t per_thread(const Options& o) { return o.size / uint64_t(o.threads) / kPage * kPage; }

uint64_t touches_per_thread(const Options& o) {
  return o.touches == 0 ? per_thread(o) / kPage : o.touches;
}

std::optional<std::string> unsupported(const facts::HostFacts&) { return std::nullopt; }

std::optional<std::string> invalid(const Options& o) {
  if (per_thread(o) < kPage)
    return fmt::format("--size: {} is less than a page per thread", facts::format_size(o.size));
  if (o.thp && o.backing != Backing::anon) return "--thp: on applies to --backing anon only";
  if (o.backing == Backing::file) {
    std::error_code ec;
    if (!std::filesystem::is_directory(o.dir, ec)) {
      return fmt::format("--dir: \"{}\" is not a directory", o.dir);
    }
    struct statvfs st {};
    if (::statvfs(o.dir.c_str(), &st) == 0) {
      uint64_t free_bytes = uint64_t(st.f_bavail) * st.f_frsize;
      // The file is sparse until touched; keep 1 GiB beyond it free for everyone else.
      if (free_bytes < o.size + (1ull << 30)) {
        return fmt::format("--dir: {} has {} free, too little for --size {} plus 1GiB to spare",
                           o.dir, facts::format_size(free_bytes), facts::format_size(o.size));
      }
    }
  }
  return std::nullopt;
}

uint64_t footprint(const Options& o) { return o.size; }

model::AccessPattern model_pattern(Pattern pattern) {
  switch (pattern) {
    case Pattern::random:
      return model::AccessPattern::random;
    case Pattern::stride:
      return model::AccessPattern::strided;
    case Pattern::sequential:
      return model::AccessPattern::sequential;
  }
  return model::AccessPattern::sequential;
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  model::DemandPagingShape shape;
  shape.region_bytes = per_thread(o) * uint64_t(o.threads);
  shape.pattern = model_pattern(o.pattern);
  shape.stride_bytes = o.stride;
  shape.random_touches = touches_per_thread(o) * uint64_t(o.threads);
  shape.threads = o.threads;
  std::vector<Expectation> out;
  if (o.thp) {
    model::ThpShape thp;
    thp.region_bytes = shape.region_bytes;
    thp.madv_hugepage = true;
    model::ThpPrediction huge = model::predict_thp(thp, facts.settings, facts.buddyinfo);
    if (huge.outcome == model::ThpOutcome::huge) shape.page_bytes = model::kHugePageSize;
    out.push_back({"", huge.coverage, std::nullopt, std::nullopt, std::nullopt});
  }
  model::DemandPagingPrediction dp = model::predict_demand_paging(shape);
  out.push_back({"minor_faults", dp.faults, 0.02, std::nullopt, std::nullopt});
  out.push_back({"rss_growth_bytes", dp.rss_bytes, 0.02, std::nullopt, std::nullopt});
  out.push_back(
      page_table_growth("page_tables_growth_bytes", dp.page_table_bytes, shape.region_bytes));
  return out;
}

// A file descriptor for the shared backings: a memfd, or an unnamed file in --dir (O_TMPFILE;
// where the filesystem lacks it, a named file unlinked at once, journalled before it is created so
// that a kill in the instant it has a name leaves it to the next run to remove).
int backing_fd(const Options& o, changes::Journal* journal) {
  int fd = -1;
  if (o.backing == Backing::memfd) {
    fd = ::memfd_create("mmtune-demand-paging", MFD_CLOEXEC);
  } else {
    fd = ::open(o.dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
      std::string name =
          fmt::format("{}/mmtune-demand-paging-{}-{}", o.dir, ::getpid(), monotonic_ns());
      if (journal) journal->track_temp_file(name);
      fd = ::open(name.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
      if (fd >= 0) ::unlink(name.c_str());
    }
  }
  if (fd < 0) {
    fail(ErrorKind::unsupported, "--backing {}: cannot create the backing file: {}",
         backing_name(o.backing), std::strerror(errno));
  }
  if (::ftruncate(fd, static_cast<off_t>(per_thread(o))) != 0) {
    int saved = errno;
    ::close(fd);
    fail(ErrorKind::unsupported, "--backing {}: cannot size the file: {}", backing_name(o.backing),
         std::strerror(saved));
  }
  return fd;
}

struct Pass {
  double seconds = 0;
  Rusage rusage;
  facts::Counters before, after;
  std::vector<ProgressLog> logs;
  int64_t t0_ns = 0;
  uint64_t touched_bytes = 0;
};

// One mapping per thread, of the chosen backing (file descriptors of shared ones go to fds).
void map_regions(Session& session, const Options& o, std::vector<Mapping>& maps,
                 std::vector<int>& fds) {
  HugeAdvice advice = o.thp ? HugeAdvice::hugepage : HugeAdvice::nohugepage;
  maps.clear();
  for (int t = 0; t < o.threads; ++t) {
    if (o.backing == Backing::anon) {
      maps.push_back(Mapping::anonymous(per_thread(o), true, advice));
    } else {
      fds.push_back(backing_fd(o, session.journal()));
      maps.push_back(Mapping::shared_file(fds.back(), per_thread(o), advice));
    }
  }
}

// Thread t's touches of its mapping in the chosen pattern; the bytes covered.
uint64_t touch(const Options& o, char* base, int t, ProgressLog* log) {
  const auto& stop = Session::stop_flag();
  switch (o.pattern) {
    case Pattern::random:
      return touch_random(base, per_thread(o), touches_per_thread(o),
                          0x9E3779B97F4A7C15ull * uint64_t(t + 1), stop, log) *
             kPage;
    case Pattern::stride:
      return touch_strided(base, per_thread(o), o.stride, stop, log);
    case Pattern::sequential:
      return touch_sequential(base, per_thread(o), stop, log);
  }
  return 0;
}

// One pass: map, touch (the timed part, with every thread ready before the clock starts), and
// keep the mappings (the caller reads smaps, then unmaps).
Pass run_pass(Session& session, const Options& o, const std::string& name,
              std::vector<Mapping>& maps, std::vector<int>& fds) {
  map_regions(session, o, maps, fds);
  Pass pass;
  pass.logs.resize(size_t(o.threads));
  size_t points = o.pattern == Pattern::random ? touches_per_thread(o) * kPage / kChunk + 2
                                               : per_thread(o) / kChunk + 2;
  for (ProgressLog& log : pass.logs) log.prepare(points);

  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<uint64_t> touched(size_t(o.threads), 0);
  std::vector<std::thread> workers;
  for (int t = 0; t < o.threads; ++t) {
    workers.emplace_back([&, t] {
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      touched[size_t(t)] = touch(o, maps[size_t(t)].data(), t, &pass.logs[size_t(t)]);
    });
  }
  while (ready.load() < o.threads) std::this_thread::yield();
  PhaseStart phase = session.begin_phase(name);
  pass.before = read_self(session.fs(), PhaseDetail::status);
  Rusage r0 = read_rusage();
  pass.t0_ns = monotonic_ns();
  go.store(true, std::memory_order_release);
  for (std::thread& w : workers) w.join();
  int64_t t1 = monotonic_ns();
  pass.rusage = read_rusage() - r0;
  pass.after = read_self(session.fs(), PhaseDetail::status);
  session.end_phase(phase);
  pass.seconds = double(t1 - pass.t0_ns) / 1e9;
  for (uint64_t b : touched) pass.touched_bytes += b;
  return pass;
}

// The threads' progress points merged into one curve of bytes touched over time.
Series progress_series(const Pass& pass, int64_t run_start_ns) {
  struct Point {
    int64_t t;
    size_t thread;
    uint64_t bytes;
  };
  std::vector<Point> points;
  for (size_t t = 0; t < pass.logs.size(); ++t) {
    for (size_t i = 0; i < pass.logs[t].used; ++i)
      points.push_back({pass.logs[t].t_ns[i], t, pass.logs[t].done[i]});
  }
  std::sort(points.begin(), points.end(), [](const Point& a, const Point& b) { return a.t < b.t; });
  std::vector<uint64_t> latest(pass.logs.size(), 0);
  Series series;
  series.name = "touch_progress";
  series.units["touched_bytes"] = "bytes";
  uint64_t total = 0;
  for (const Point& p : points) {
    total += p.bytes - latest[p.thread];
    latest[p.thread] = p.bytes;
    series.t_s.push_back(double(p.t - run_start_ns) / 1e9);
    series.columns["touched_bytes"].push_back(double(total));
  }
  return series;
}

uint64_t status_delta(const Pass& pass, std::string_view key) {
  uint64_t before = pass.before.get_or(key, 0), after = pass.after.get_or(key, 0);
  return after > before ? after - before : 0;
}

// The mappings of a pass and their file descriptors, released together.
struct Regions {
  std::vector<Mapping> maps;
  std::vector<int> fds;
  void release() {
    maps.clear();
    for (int fd : fds) ::close(fd);
    fds.clear();
  }
  ~Regions() { release(); }
};

// The warm-up pass, on memory as found: its rate of first touches (faults/s).
double warm_up(Session& session, const Options& o) {
  Regions regions;
  Pass first = run_pass(session, o, "warmup", regions.maps, regions.fds);
  regions.release();
  const double rate = double(first.rusage.minor_faults) / first.seconds;
  session.measured("warmup_s", first.seconds, "s", "CLOCK_MONOTONIC around the warm-up pass");
  session.derived("warmup_faults_per_s", rate, "faults/s", "warm-up ru_minflt / warmup_s");
  return rate;
}

void report_pass(Session& session, const Options& o, const Pass& pass) {
  const char* rss_key = o.backing == Backing::anon    ? "RssAnon"
                        : o.backing == Backing::memfd ? "RssShmem"
                                                      : "RssFile";
  const double faults = double(pass.rusage.minor_faults);
  session.measured("minor_faults", faults, "faults",
                   "getrusage ru_minflt, all threads, around the touch pass");
  session.measured("major_faults", double(pass.rusage.major_faults), "faults",
                   "getrusage ru_majflt");
  session.measured("touch_s", pass.seconds, "s",
                   "CLOCK_MONOTONIC from release of the threads to the last join");
  session.measured("touched_bytes", double(pass.touched_bytes), "bytes",
                   "bytes covered by the touch loops");
  session.derived("faults_per_s", faults / pass.seconds, "faults/s", "minor_faults / touch_s");
  session.derived("ns_per_fault", pass.seconds * 1e9 * o.threads / faults, "ns",
                  "touch_s × threads / minor_faults");
  session.derived("system_ns_per_fault", pass.rusage.system_s * 1e9 / faults, "ns",
                  "getrusage ru_stime delta / minor_faults");
  const double rss_growth = double(status_delta(pass, rss_key));
  session.measured("rss_growth_bytes", rss_growth, "bytes",
                   fmt::format("/proc/self/status {} after − before", rss_key));
  session.derived("gib_per_s", rss_growth / pass.seconds / double(1ull << 30), "GiB/s",
                  "rss_growth_bytes / touch_s");
  session.measured("page_tables_growth_bytes", double(status_delta(pass, "VmPTE")), "bytes",
                   "/proc/self/status VmPTE after − before");
}

void explain(Session& session, const Options& o, const Pass& pass, double idle_ms,
             double first_touch_rate) {
  if (o.warmup) {
    session.note(fmt::format(
        "memory: hot: the measured pass began {:.0f} ms after the warm-up freed the same amount "
        "(the warm-up, on memory as found, ran at {:.0f} K faults/s; this pass at {:.0f} K "
        "faults/s)",
        idle_ms, first_touch_rate / 1e3, double(pass.rusage.minor_faults) / pass.seconds / 1e3));
  } else {
    session.note(
        "memory: as found (no warm-up): memory idle for over ~1 s has gone back to the hypervisor "
        "and "
        "faults 2.5-12x slower; use --warmup on for hot figures");
  }
  if (o.backing != Backing::anon) {
    session.explain(fmt::format(
        "--backing {}: write faults on a shared mapping (do_shared_fault) allocate one page "
        "each, like anonymous faults; the model's anonymous prediction is used",
        backing_name(o.backing)));
  }
  if (o.threads > 1) {
    session.explain(
        fmt::format("{} threads, each with its own {} mapping (own VMA, so no VMA lock contention)",
                    o.threads, facts::format_size(per_thread(o))));
  }
}

void run(Session& session, const Options& o) {
  double first_touch_rate = 0;
  if (o.warmup) {
    first_touch_rate = warm_up(session, o);
    if (session.stop_requested()) return;
  }
  const int64_t freed_ns = monotonic_ns();
  Regions regions;
  Pass pass = run_pass(session, o, "touch", regions.maps, regions.fds);
  const double idle_ms = double(pass.t0_ns - freed_ns) / 1e6;

  uint64_t huge_bytes = 0;
  if (o.thp) {
    for (const Mapping& m : regions.maps) {
      if (auto smaps = smaps_of(session.fs(), m.data()))
        huge_bytes += smaps->get_or("AnonHugePages", 0);
    }
  }
  // munmap is part of the cost of recycling memory; time it too.
  int64_t unmap0 = monotonic_ns();
  regions.release();
  double unmap_s = double(monotonic_ns() - unmap0) / 1e9;

  report_pass(session, o, pass);
  session.measured("munmap_s", unmap_s, "s", "CLOCK_MONOTONIC around munmap of all mappings");
  if (o.thp) {
    session.measured("anon_huge_bytes", double(huge_bytes), "bytes",
                     "/proc/self/smaps AnonHugePages of the mappings");
  }
  session.trace(progress_series(pass, session.start_ns()));
  explain(session, o, pass, idle_ms, first_touch_rate);
}

}  // namespace

extern const Workload kDemandPaging =
    define_workload<unsupported, invalid, footprint, predict, run>(
        "demand-paging",
        "First-touch page faults on fresh memory: faults/s, ns per fault, RSS and page tables",
        kParams);

}  // namespace mmtune::workloads
