// oom: allocation beyond a memory cgroup's limit, with and without swap, and who dies of it.
//
// Each repetition makes a memory cgroup of its own (limit --limit; swap allowance --swap, or none)
// and forks an allocator into it that touches fresh anonymous memory a page at a time, publishing
// how far it got in memory shared with the workload, until the memory cgroup's OOM killer ends it.
// The workload process stays outside that cgroup, so a cgroup OOM can only pick tasks inside it:
// the allocator. The runner's controller also holds oom_score_adj −1000 (the allocator inherits
// +1000), so not even a host-wide OOM would take the controller first.
//
// Judged as LTP's oom tests and the mm selftests do: waitpid() says the allocator died of SIGKILL;
// memory.oom_control oom_kill (v1) or memory.events oom_kill (v2) says the cgroup's OOM killer did
// it; the kernel log names the process it chose. The OOM point (bytes touched when it died) is held
// against the model: limit + usable swap (model/reclaim.hpp cgroup_oom_point).
//
// Swap: --swap SIZE lets the cgroup use SIZE of swap (v2 memory.swap.max, v1 memsw = limit + SIZE);
// a host without swap gets a temporary swap file of SIZE + 64 MiB for the run (swap_file.hpp), so
// the cgroup's allowance, not the device, is what runs out. --swap 0 forbids swap to the cgroup.
#include <fcntl.h>
#include <fmt/format.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <memory>
#include <thread>

#include "changes/journal.hpp"
#include "changes/memcg.hpp"
#include "changes/swap_file.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/reclaim.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
#include "workloads/kernel_log.hpp"
#include "workloads/memcg_workload.hpp"
#include "workloads/session.hpp"
#include "workloads/worker.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

constexpr uint64_t kPageBytes = 4096;
constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kSwapSlack = 64 * kMiB;
constexpr int kAllocatorFinished = 3;  // exit status: touched everything without an OOM kill

struct Options {
  uint64_t limit = 0;
  uint64_t swap = 0;
  int repeat = 1;
  std::chrono::nanoseconds timeout{};
  std::string dir;
};

constexpr Param kParams[] = {
    bind<&Options::limit>({"limit", ParamKind::size, "bytes", "256MiB",
                           "memory limit of the allocator's cgroup", 16.0 * kMiB, 0}),
    bind<&Options::swap>({"swap", ParamKind::size, "bytes", "0",
                          "swap the cgroup may use beyond its limit (0: none); a host without "
                          "swap gets a temporary swap file",
                          0}),
    bind<&Options::repeat>({"repeat", ParamKind::integer, "runs", "1",
                            "OOM kills to provoke, one fresh cgroup each", 1, 20}),
    bind<&Options::timeout>(
        {"timeout", ParamKind::duration, "s", "60s",
         "give up on a repetition that has not been OOM killed by then (a failure)", 0.01, 3600}),
    bind<&Options::dir>(
        {"dir", ParamKind::path, "path", "/var/tmp", "directory for the temporary swap file"}),
};

std::optional<std::string> unsupported(const facts::HostFacts& facts) {
  return memcg_unsupported(facts);
}

std::optional<std::string> invalid(const Options& o) {
  std::error_code ec;
  if (o.swap > 0 && !std::filesystem::is_directory(o.dir, ec)) {
    return fmt::format("--dir: \"{}\" is not a directory", o.dir);
  }
  return swap_size_problem(o.swap);
}

// The cgroup bounds what the allocator can hold in memory; the rest goes to swap.
uint64_t footprint(const Options& o) { return o.limit; }

// What the model is asked: the cgroup's limit, its swap allowance, the swap the host will have
// free (a temporary file of swap + slack when it has none), and the swappiness a new cgroup gets.
model::CgroupOomShape oom_shape(const Options& o, const facts::HostFacts& facts,
                                uint64_t host_swap_free) {
  model::CgroupOomShape shape;
  shape.limit_bytes = o.limit;
  shape.swap_limit_bytes = o.swap;
  shape.host_swap_free_bytes = host_swap_free;
  shape.swappiness = static_cast<int>(facts.settings.integer("vm.swappiness").value_or(60));
  shape.lru = lru_of(facts);
  return shape;
}

uint64_t planned_swap_free(const Options& o, const facts::HostFacts& facts) {
  if (o.swap == 0) return facts.meminfo.swap_free_bytes;
  return facts.has_swap() ? facts.meminfo.swap_free_bytes : o.swap + kSwapSlack;
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  model::OomPoint point = model::cgroup_oom_point(oom_shape(o, facts, planned_swap_free(o, facts)));
  std::vector<Expectation> out;
  out.push_back({"", point.swap_usable, std::nullopt, std::nullopt, std::nullopt});
  // Every repetition within 10 %: the smallest and the largest OOM point are both held to it.
  for (const char* metric : {"oom_point_bytes", "oom_point_min_bytes", "oom_point_max_bytes"}) {
    out.push_back({metric, point.anon_at_oom, 0.10, std::nullopt, std::nullopt});
  }
  model::Prediction survives{
      "controller_survived",
      1,
      "bool",
      {"a cgroup OOM kill chooses among the cgroup's own tasks (oom_score_adj breaks ties)",
       "mem_cgroup_out_of_memory → select_bad_process (mm/oom_kill.c)",
       "the controller and the workload process are outside the cgroup: 1 = they survive"}};
  out.push_back({"controller_survived", survives, std::nullopt, 1.0, 1.0});
  out.push_back({"victims_were_allocators",
                 {"victims_were_allocators", 1, "bool", survives.why},
                 std::nullopt,
                 1.0,
                 1.0});
  return out;
}

struct Repetition {
  uint64_t touched = 0;
  double seconds = 0;
  WorkerExit exit;
  std::optional<uint64_t> oom_kills, memsw_peak;
  std::optional<changes::WorkerCgroup::Peak> peak;
  std::optional<OomKillRecord> logged;  // the kernel's line about this allocator
  std::optional<uint64_t> psi_full_us, psi_some_us;
  std::optional<double> psi_full_avg10;
  bool psi_of_cgroup = false;
  bool timed_out = false;  // killed by us after --timeout, not by the OOM killer
};

// Touches fresh anonymous memory page by page and says how far it got after every page.
int allocate_until_killed(uint64_t span, uint64_t* progress) {
  // First in line for any OOM kill, a host-wide one too (raising needs no privilege).
  if (int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC); fd >= 0) {
    [[maybe_unused]] ssize_t n = ::write(fd, "1000", 4);
    ::close(fd);
  }
  char* base = static_cast<char*>(::mmap(nullptr, span, PROT_READ | PROT_WRITE,
                                         MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0));
  if (base == MAP_FAILED) return 1;
  ::madvise(base, span, MADV_NOHUGEPAGE);  // 4 KiB steps: the count is exact to a page
  std::atomic_ref<uint64_t> touched(*progress);
  const auto& stop = Session::stop_flag();
  for (uint64_t offset = 0; offset < span; offset += kPageBytes) {
    base[offset] = 1;
    touched.store(offset + kPageBytes, std::memory_order_relaxed);
    if ((offset & ((1u << 24) - 1)) == 0 && stop.load(std::memory_order_relaxed)) return 2;
  }
  return kAllocatorFinished;
}

// Whether the swap allowance can be set at all (v1 without swap accounting has no memsw files).
bool can_limit_swap(const changes::WorkerCgroup& cgroup) {
  return probes::HostFs("/").exists(cgroup.dir() + "/" + cgroup.files().swap_limit);
}

Repetition one_repetition(Session& session, changes::Journal& journal,
                          const probes::CgroupDir& parent, int index, const Options& o,
                          KernelLog& log) {
  const uint64_t limit = o.limit, swap = o.swap;
  changes::WorkerCgroup cgroup(journal, parent, fmt::format("mmtune-oom-{}-{}", ::getpid(), index));
  cgroup.set_limit(limit);
  // No swap must mean none even on a host with swap; with --swap the allowance is the bound.
  if (can_limit_swap(cgroup)) cgroup.set_swap_limit(swap);

  SharedArray<uint64_t> progress(1);
  const uint64_t span = (limit + swap) * 2 + 256 * kMiB;
  probes::HostFs fs("/");
  std::optional<facts::Psi> host_psi_before = probes::read_psi(fs);
  if (log.available()) log.read_new();  // skip what came before

  Repetition rep;
  const int64_t t0 = monotonic_ns();
  pid_t pid =
      spawn_worker([&] { return allocate_until_killed(span, &progress[0]); }, cgroup.procs_path());
  std::optional<WorkerExit> exit;
  while (!(exit = reap_worker(pid, 0.05))) {
    // Sampled while it runs: the cgroup's pressure just before the kill (v2; v1 has none).
    if (cgroup.version() == 2) {
      if (auto pressure = cgroup.read().pressure; pressure && pressure->full)
        rep.psi_full_avg10 = pressure->full->avg10;
    }
    cgroup.sample_usage();
    if (session.stop_requested() || monotonic_ns() - t0 > o.timeout.count()) {
      rep.timed_out = !session.stop_requested();
      exit = kill_worker(pid);
      break;
    }
  }
  rep.exit = *exit;
  rep.seconds = double(rep.exit.end_ns - t0) / 1e9;
  rep.touched = std::atomic_ref<uint64_t>(progress[0]).load();
  rep.oom_kills = cgroup.oom_kills();
  rep.peak = cgroup.peak();
  if (cgroup.version() == 1) {
    if (auto text = fs.read(cgroup.dir() + "/memory.memsw.max_usage_in_bytes")) {
      rep.memsw_peak = std::strtoull(text->c_str(), nullptr, 10);
    }
  }
  if (cgroup.version() == 2) {
    if (auto pressure = cgroup.read().pressure) {
      rep.psi_of_cgroup = true;
      rep.psi_some_us = pressure->some.total_us;
      if (pressure->full) rep.psi_full_us = pressure->full->total_us;
    }
  } else if (auto after = probes::read_psi(fs); after && host_psi_before) {
    rep.psi_some_us = after->some.total_us - host_psi_before->some.total_us;
    if (after->full && host_psi_before->full)
      rep.psi_full_us = after->full->total_us - host_psi_before->full->total_us;
    if (after->full) rep.psi_full_avg10 = after->full->avg10;
  }
  if (auto text = log.read_new()) {
    for (const OomKillRecord& kill : parse_oom_kills(*text)) {
      if (kill.pid == pid) rep.logged = kill;
    }
  }
  return rep;
}

// CapEff bit 24 of /proc/PID/status: may lower oom_score_adj.
bool has_sys_resource(pid_t pid) {
  auto status = probes::HostFs("/").read(fmt::format("proc/{}/status", pid));
  if (!status) return false;
  size_t at = status->find("CapEff:");
  if (at == std::string::npos) return false;
  uint64_t caps = std::strtoull(status->c_str() + at + 7, nullptr, 16);
  return (caps >> 24) & 1;
}

// One repetition's measurements, and a note of how it ended.
void report_repetition(Session& session, const Repetition& r, size_t index, int version) {
  const std::string tag = fmt::format("r{}", index);
  const std::map<std::string, std::string> labels = {{"repetition", std::to_string(index)}};
  session.measured("oom_point_bytes." + tag, double(r.touched), "bytes",
                   "pages the allocator had touched when it died x 4 KiB (shared-memory counter)",
                   labels);
  session.measured("time_to_oom_s." + tag, r.seconds, "s", "CLOCK_MONOTONIC from fork to waitpid",
                   labels);
  if (r.oom_kills) {
    session.measured("cgroup_oom_kills." + tag, double(*r.oom_kills), "events",
                     version == 2 ? "memory.events oom_kill" : "memory.oom_control oom_kill",
                     labels);
  }
  if (r.peak) {
    session.measured("cgroup_peak_bytes." + tag, double(r.peak->bytes), "bytes", r.peak->source,
                     labels);
  }
  if (r.memsw_peak) {
    session.measured("cgroup_memsw_peak_bytes." + tag, double(*r.memsw_peak), "bytes",
                     "memory.memsw.max_usage_in_bytes (memory + swap)", labels);
  }
  if (r.psi_full_us) {
    session.measured("psi_full_us." + tag, double(*r.psi_full_us), "us",
                     r.psi_of_cgroup
                         ? "cgroup memory.pressure full total"
                         : "/proc/pressure/memory full total, delta over the repetition "
                           "(host-wide: cgroup v1 has no per-cgroup PSI)",
                     labels);
  }
  if (r.psi_full_avg10) {
    session.measured("psi_full_avg10." + tag, *r.psi_full_avg10, "%",
                     r.psi_of_cgroup
                         ? "cgroup memory.pressure full avg10, last sample before the kill"
                         : "/proc/pressure/memory full avg10 right after the kill (host-wide)",
                     labels);
  }
  session.note(fmt::format(
      "repetition {}: allocator pid {} {} after {:.2f} s with {} touched; {}{}", index, r.exit.pid,
      r.exit.signal ? fmt::format("killed by {}", ::strsignal(r.exit.signal))
                    : fmt::format("exited with status {}", r.exit.code),
      r.seconds, facts::format_bytes(r.touched),
      r.oom_kills ? fmt::format("cgroup oom_kill {}", *r.oom_kills) : "no oom_kill counter",
      r.logged
          ? fmt::format("; kernel log: {} OOM killed pid {} ({}){}",
                        r.logged->memcg ? "memory cgroup" : "global", r.logged->pid, r.logged->comm,
                        r.logged->oom_memcg.empty() ? "" : " in " + r.logged->oom_memcg)
          : ""));
}

bool oom_killed(const Repetition& r) {
  return r.exit.signal == SIGKILL && r.oom_kills.value_or(0) > 0;
}

// The OOM point and time over the repetitions the OOM killer ended.
void report_oom_points(Session& session, const std::vector<Repetition>& reps) {
  std::vector<double> points, times;
  for (const Repetition& r : reps) {
    if (!oom_killed(r)) continue;
    points.push_back(double(r.touched));
    times.push_back(r.seconds);
  }
  if (points.empty()) return;
  std::sort(points.begin(), points.end());
  std::sort(times.begin(), times.end());
  session.derived("oom_point_bytes", points[(points.size() - 1) / 2], "bytes",
                  "median over the OOM-killed repetitions");
  session.derived("oom_point_min_bytes", points.front(), "bytes",
                  "smallest over the OOM-killed repetitions");
  session.derived("oom_point_max_bytes", points.back(), "bytes",
                  "largest over the OOM-killed repetitions");
  session.derived("time_to_oom_s", times[(times.size() - 1) / 2], "s",
                  "median over the OOM-killed repetitions");
}

void report(Session& session, const std::vector<Repetition>& reps, const model::OomPoint& point,
            int version, pid_t controller, const std::string& controller_adj) {
  for (size_t i = 0; i < reps.size(); ++i) report_repetition(session, reps[i], i + 1, version);
  const size_t killed_by_oom = size_t(std::count_if(reps.begin(), reps.end(), oom_killed));
  const size_t logged_ours = size_t(std::count_if(
      reps.begin(), reps.end(), [](const Repetition& r) { return r.logged.has_value(); }));
  session.measured(
      "oom_kills", double(killed_by_oom), "events",
      "repetitions whose allocator died of SIGKILL with the cgroup's oom_kill counter raised");
  session.measured("repetitions", double(reps.size()), "runs", "repetitions attempted");
  session.measured(
      "controller_survived", 1, "bool",
      fmt::format(
          "the workload process (pid {}) reports this after every repetition, and its parent "
          "controller (pid {}, oom_score_adj {}) is alive: kill(pid, 0) succeeded",
          ::getpid(), controller, controller_adj));
  session.measured("victims_were_allocators", killed_by_oom == reps.size() ? 1 : 0, "bool",
                   "every repetition's allocator (the only task in its cgroup) died of SIGKILL "
                   "with oom_kill raised");
  report_oom_points(session, reps);
  session.explain(fmt::format(
      "{} of {} repetitions ended in a cgroup OOM kill of the allocator (oom_score_adj 1000, alone "
      "in its cgroup); the kernel log named it {} time(s); the controller survived every one: it "
      "is outside the cgroup, and a cgroup OOM kill only chooses among the cgroup's tasks{}; "
      "model: OOM when the cgroup's anonymous memory reaches {} ({})",
      killed_by_oom, reps.size(), logged_ours,
      controller_adj == "-1000"
          ? std::string(", and it holds oom_score_adj -1000 against a host-wide one")
          : fmt::format(" (its oom_score_adj is {}: lowering it needs CAP_SYS_RESOURCE, which this "
                        "process {})",
                        controller_adj, has_sys_resource(controller) ? "has" : "lacks"),
      facts::format_bytes(uint64_t(point.anon_at_oom.value)), point.anon_at_oom.why.text));
}

void run(Session& session, const Options& o) {
  std::optional<changes::CgroupPlace> place = open_cgroup_place(session, {"memory"});
  if (!place) return;
  changes::Journal* journal = session.journal();
  probes::HostFs fs("/");
  const probes::CgroupDir& parent = place->dir();
  const uint64_t swap = o.swap;
  std::unique_ptr<changes::TempSwap> swap_file =
      swap_file_for_run(session, swap, o.dir, swap + kSwapSlack);
  if (swap > 0 && !fs.exists(parent.dir + "/" + changes::memcg_files(parent.version).swap_limit)) {
    session.skip(
        "--swap needs swap accounting in the memory cgroup (memory.memsw.* / memory.swap.max are "
        "missing)");
    return;
  }
  const facts::MemInfo meminfo = probes::read_meminfo(fs);
  model::OomPoint point =
      model::cgroup_oom_point(oom_shape(o, session.host(), meminfo.swap_free_bytes));

  const pid_t controller = ::getppid();
  std::string controller_adj = std::string(
      probes::trim(fs.read(fmt::format("proc/{}/oom_score_adj", controller)).value_or("?")));
  KernelLog log;
  if (!log.available())
    session.note(
        "the kernel log (/dev/kmsg) cannot be read: the victim is known from waitpid only");

  std::vector<Repetition> reps;
  for (int i = 0; i < o.repeat && !session.stop_requested(); ++i) {
    PhaseStart phase = session.begin_phase(fmt::format("allocate.r{}", i + 1));
    reps.push_back(one_repetition(session, *journal, parent, i + 1, o, log));
    session.end_phase(phase);
    if (::kill(controller, 0) != 0)
      fail(ErrorKind::internal, "the controller (pid {}) is gone", controller);
    const Repetition& last = reps.back();
    if (last.exit.exited && last.exit.code == kAllocatorFinished) {
      fail(ErrorKind::internal, "repetition {}: the allocator touched {} without an OOM kill",
           i + 1, facts::format_bytes(last.touched));
    }
    if (last.timed_out) {
      fail(ErrorKind::internal,
           "repetition {}: no OOM kill within --timeout {} ({} touched by then)", i + 1,
           facts::format_duration(o.timeout), facts::format_bytes(last.touched));
    }
  }
  report(session, reps, point, parent.version, controller, controller_adj);
}

}  // namespace

extern const Workload kOom = define_workload<unsupported, invalid, footprint, predict, run>(
    "oom",
    "Allocation beyond a memory cgroup's limit (with or without swap): OOM point vs the model, "
    "time to OOM, the victim, PSI; the controller survives",
    kParams);

}  // namespace mmtune::workloads
