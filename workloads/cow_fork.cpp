// cow-fork: what fork() costs as the parent grows, and what copy-on-write copies afterwards.
//
// Part 1, for each --sizes S: the workload maps and writes S, then forks --forks times (after one
// warm-up fork); each child _exits at once. fork() latency is the parent's CLOCK_MONOTONIC around
// the fork() call; fork+exit+wait adds the child's exit (its page-table teardown) and the reap.
// fork copies page tables, not pages, so the cost follows the number of PTEs (RSS / 4 KiB).
//
// Part 2, for each --fractions f: the workload maps and writes --cow-size, forks, and one side
// (--writer) writes one byte in f of the pages, spread evenly, while the other side is still
// alive. Every such write is a COW fault that copies one page: the writer's getrusage(ru_minflt)
// around the writes counts them. PSS / shared / private of both sides come from smaps_rollup
// after the writes, and the host's MemAvailable drop from /proc/meminfo.
#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>

#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/fork_cow.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
#include "workloads/expectations.hpp"
#include "workloads/loops.hpp"
#include "workloads/mapping.hpp"
#include "workloads/session.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

enum class Writer { child, parent };  // in the order of --writer's choices

struct Options {
  std::vector<uint64_t> sizes;
  int forks = 0;
  uint64_t cow_size = 0;
  std::vector<double> fractions;
  Writer writer{};
  bool thp = false;
};

constexpr Param kParams[] = {
    bind<&Options::sizes>({"sizes", ParamKind::size_list, "bytes", "64MiB,256MiB,1GiB",
                           "parent RSS at which fork() is timed", 2 * 1024 * 1024}),
    bind<&Options::forks>({"forks", ParamKind::integer, "forks", "5",
                           "timed forks per size (after one warm-up fork)", 1, 1000}),
    bind<&Options::cow_size>({"cow-size", ParamKind::size, "bytes", "256MiB",
                              "memory shared by parent and child for the COW part",
                              2 * 1024 * 1024}),
    bind<&Options::fractions>(
        {"fractions", ParamKind::fraction_list, "fraction", "0.25,1",
         "fractions f of --cow-size written after fork (one COW part per value)"}),
    bind<&Options::writer>({"writer", ParamKind::choice, "choice", "child",
                            "which side writes after fork", 0, 0, "child|parent"}),
    bind<&Options::thp>({"thp", ParamKind::choice, "choice", "off",
                         "off: MADV_NOHUGEPAGE; on: MADV_HUGEPAGE on the parent's memory", 0, 0,
                         "off|on"}),
};

std::string fraction_label(double f) { return fmt::format("f{:g}", f); }

std::optional<std::string> unsupported(const facts::HostFacts&) { return std::nullopt; }

uint64_t footprint(const Options& o) {
  uint64_t largest = *std::max_element(o.sizes.begin(), o.sizes.end());
  double f = *std::max_element(o.fractions.begin(), o.fractions.end());
  return std::max(largest, o.cow_size + static_cast<uint64_t>(std::ceil(f * double(o.cow_size))));
}

model::ForkShape fork_shape(uint64_t rss, double f, bool huge, const facts::HostFacts& facts) {
  model::ForkShape shape;
  shape.rss_bytes = rss;
  shape.written_fraction = f;
  shape.spread_writes = true;
  shape.huge_pages = huge;
  shape.other_side_alive = true;
  shape.kernel = facts.kernel;
  return shape;
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  std::vector<Expectation> out;
  for (uint64_t size : o.sizes) {
    std::string label = facts::format_size(size);
    model::ForkPrediction fork = model::predict_fork(fork_shape(size, 0, o.thp, facts));
    fork.entries_copied.name += "." + label;
    out.push_back({"", fork.entries_copied, std::nullopt, std::nullopt, std::nullopt});
    out.push_back(page_table_growth("page_tables_bytes." + label, fork.page_table_bytes, size));
  }
  for (double f : o.fractions) {
    std::string label = fraction_label(f);
    model::ForkPrediction cow = model::predict_fork(fork_shape(o.cow_size, f, o.thp, facts));
    out.push_back({"cow_faults." + label, cow.cow_faults, 0.02, std::nullopt, std::nullopt});
    out.push_back({"copied_pages." + label, cow.pages_copied, 0.02, std::nullopt, std::nullopt});
    out.push_back({"memory_growth_bytes." + label, cow.memory_growth_bytes, std::nullopt,
                   std::nullopt, std::nullopt});
  }
  return out;
}

double median(std::vector<double> values) {
  std::sort(values.begin(), values.end());
  size_t n = values.size();
  return n % 2 ? values[n / 2] : (values[n / 2 - 1] + values[n / 2]) / 2;
}

// The forked side of the COW part must not outlive the workload, nor run on if the workload died
// before prctl took effect.
void die_with_parent(pid_t parent) {
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(1);
}

bool write_all(int fd, const void* data, size_t size) {
  const char* p = static_cast<const char*>(data);
  while (size > 0) {
    ssize_t n = ::write(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// Reads exactly size bytes, giving up when the stop flag is set (the caller then kills the child).
bool read_all(int fd, void* data, size_t size) {
  char* p = static_cast<char*>(data);
  while (size > 0) {
    pollfd pfd{fd, POLLIN, 0};
    if (::poll(&pfd, 1, 100) == 0) {
      if (Session::stop_flag().load(std::memory_order_relaxed)) return false;
      continue;
    }
    ssize_t n = ::read(fd, p, size);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    p += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// What one side of the COW part saw, sent over a pipe as plain bytes.
struct SideReport {
  uint64_t faults = 0;   // ru_minflt around the writes (writer only)
  int64_t write_ns = 0;  // time of the writes (writer only)
  uint64_t written_pages = 0;
  uint64_t pss = 0, shared = 0, priv = 0;  // smaps_rollup, bytes
  uint64_t page_tables = 0;                // /proc/self/status VmPTE, bytes
  uint64_t region_pss = 0;  // Pss of the shared region's VMA alone (/proc/self/smaps)
};

void fill_smaps(const probes::HostFs& fs, SideReport& report, const char* region) {
  if (auto vma = smaps_of(fs, region)) report.region_pss = vma->get_or("Pss", 0);
  facts::Counters rollup = probes::parse_colon_kib(fs.read("proc/self/smaps_rollup").value_or(""));
  report.pss = rollup.get_or("Pss", 0);
  report.shared = rollup.get_or("Shared_Clean", 0) + rollup.get_or("Shared_Dirty", 0);
  report.priv = rollup.get_or("Private_Clean", 0) + rollup.get_or("Private_Dirty", 0);
  report.page_tables =
      probes::parse_colon_kib(fs.read("proc/self/status").value_or("")).get_or("VmPTE", 0);
}

SideReport write_side(char* base, size_t pages, uint64_t count) {
  SideReport report;
  Rusage r0 = read_rusage();
  int64_t t0 = monotonic_ns();
  report.written_pages = write_spread(base, pages, count, Session::stop_flag());
  report.write_ns = monotonic_ns() - t0;
  report.faults = (read_rusage() - r0).minor_faults;
  return report;
}

void fork_latency(Session& session, uint64_t size, int forks, HugeAdvice advice) {
  const std::string label = facts::format_size(size);
  const std::map<std::string, std::string> labels = {{"rss", label}};
  Mapping memory = Mapping::anonymous(size, true, advice);
  PhaseStart phase = session.begin_phase("fork." + label);
  facts::Counters before = read_self(session.fs(), PhaseDetail::status);
  touch_sequential(memory.data(), memory.size(), Session::stop_flag(), nullptr);
  facts::Counters after = read_self(session.fs(), PhaseDetail::status);

  std::vector<double> fork_ms, cycle_ms;
  for (int i = 0; i <= forks && !session.stop_requested(); ++i) {
    int64_t t0 = monotonic_ns();
    pid_t pid = ::fork();
    if (pid == 0) ::_exit(0);
    int64_t t1 = monotonic_ns();
    if (pid < 0) fail(ErrorKind::unsupported, "fork at {} RSS: {}", label, std::strerror(errno));
    ::waitpid(pid, nullptr, 0);
    int64_t t2 = monotonic_ns();
    if (i == 0) continue;  // warm-up
    fork_ms.push_back(double(t1 - t0) / 1e6);
    cycle_ms.push_back(double(t2 - t0) / 1e6);
  }
  session.end_phase(phase);
  if (fork_ms.empty()) return;
  session.measured("rss_bytes." + label, double(after.get_or("VmRSS", 0)), "bytes",
                   "/proc/self/status VmRSS at fork", labels);
  session.measured("page_tables_bytes." + label,
                   double(after.get_or("VmPTE", 0) -
                          std::min(after.get_or("VmPTE", 0), before.get_or("VmPTE", 0))),
                   "bytes", "/proc/self/status VmPTE growth from writing the region", labels);
  session.measured(
      "fork_ms." + label, median(fork_ms), "ms",
      fmt::format("median of {} × CLOCK_MONOTONIC around fork() in the parent", fork_ms.size()),
      labels);
  session.measured("fork_exit_wait_ms." + label, median(cycle_ms), "ms",
                   "median of CLOCK_MONOTONIC from fork() to waitpid() returning", labels);
  session.measured("fork_ms_min." + label, *std::min_element(fork_ms.begin(), fork_ms.end()), "ms",
                   "fastest fork() of the size", labels);
}

// What the COW part saw on both sides of one fork.
struct CowSides {
  SideReport before_fork;   // the workload, before fork
  SideReport mine, theirs;  // the workload and the forked child, after the writes
  double fork_ms = 0;
  uint64_t available_before = 0, available_after = 0;  // /proc/meminfo MemAvailable
  bool complete = true;  // both reports arrived (false: stopped, or the child failed)
};

// The forked side: writes (or waits for the workload to write), reports, and stays alive, sharing
// the memory, until the workload has looked.
[[noreturn]] void cow_child(Session& session, Mapping& memory, uint64_t count, bool child_writes,
                            int up, int down) {
  SideReport mine;
  char token = 0;
  if (child_writes) {
    mine = write_side(memory.data(), memory.size() / kPage, count);
  } else if (!read_all(down, &token, 1)) {  // the parent has written
    ::_exit(1);
  }
  fill_smaps(session.fs(), mine, memory.data());
  write_all(up, &mine, sizeof mine);
  read_all(down, &token, 1);
  ::_exit(0);
}

// Forks with memory written in full, then one side writes one byte in count of its pages while the
// other keeps its mapping; both report their smaps.
CowSides fork_and_write(Session& session, Mapping& memory, uint64_t count, bool child_writes) {
  CowSides sides;
  sides.available_before = probes::read_meminfo(session.fs()).available_bytes.value_or(0);
  fill_smaps(session.fs(), sides.before_fork, memory.data());
  int up[2], down[2];  // up: child → workload; down: workload → child
  if (::pipe2(up, O_CLOEXEC) != 0 || ::pipe2(down, O_CLOEXEC) != 0) {
    fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  int64_t fork0 = monotonic_ns();
  pid_t pid = ::fork();
  if (pid < 0) fail(ErrorKind::unsupported, "fork: {}", std::strerror(errno));
  if (pid == 0) {
    die_with_parent(parent);
    cow_child(session, memory, count, child_writes, up[1], down[0]);
  }
  sides.fork_ms = double(monotonic_ns() - fork0) / 1e6;
  ::close(up[1]);
  ::close(down[0]);
  if (child_writes) {
    sides.complete = read_all(up[0], &sides.theirs, sizeof sides.theirs);
    fill_smaps(session.fs(), sides.mine, memory.data());
  } else {
    sides.mine = write_side(memory.data(), memory.size() / kPage, count);
    fill_smaps(session.fs(), sides.mine, memory.data());
    char token = 'w';
    write_all(down[1], &token, 1);
    sides.complete = read_all(up[0], &sides.theirs, sizeof sides.theirs);
  }
  sides.available_after = probes::read_meminfo(session.fs()).available_bytes.value_or(0);
  char token = 'x';
  write_all(down[1], &token, 1);
  if (!sides.complete) ::kill(pid, SIGKILL);
  ::waitpid(pid, nullptr, 0);
  ::close(up[0]);
  ::close(down[1]);
  return sides;
}

void report_cow(Session& session, double f, bool child_writes, const CowSides& sides) {
  const std::string label = fraction_label(f);
  const std::map<std::string, std::string> labels = {{"fraction", fmt::format("{:g}", f)}};
  const SideReport& writer = child_writes ? sides.theirs : sides.mine;
  const SideReport& child = sides.theirs;
  const SideReport& parent = sides.mine;
  const double seconds = double(writer.write_ns) / 1e9;
  session.measured("cow_faults." + label, double(writer.faults), "faults",
                   fmt::format("getrusage ru_minflt of the {} around its writes",
                               child_writes ? "child" : "parent"),
                   labels);
  session.measured("written_pages." + label, double(writer.written_pages), "pages",
                   "pages the writer wrote", labels);
  session.measured("cow_s." + label, seconds, "s", "CLOCK_MONOTONIC around the writes", labels);
  session.derived("cow_faults_per_s." + label, double(writer.faults) / seconds, "faults/s",
                  "cow_faults / cow_s", labels);
  session.derived("cow_gib_per_s." + label,
                  double(writer.faults) * kPage / seconds / double(1ull << 30), "GiB/s",
                  "cow_faults × 4 KiB / cow_s", labels);
  session.measured("cow_fork_ms." + label, sides.fork_ms, "ms", "CLOCK_MONOTONIC around fork()",
                   labels);
  session.measured("memavailable_drop_bytes." + label,
                   double(sides.available_before) - double(sides.available_after), "bytes",
                   "/proc/meminfo MemAvailable before fork − after the writes (host-wide)", labels);
  // PSS splits shared pages between their sharers, so a sum of PSS counts each page once. Over the
  // region's VMA alone, the sum after the writes less the parent's before fork is what was copied.
  session.derived(
      "copied_pages." + label,
      (double(parent.region_pss + child.region_pss) - double(sides.before_fork.region_pss)) / kPage,
      "pages",
      "(parent + child Pss of the region after the writes − parent's before fork) / "
      "4 KiB",
      labels);
  // The same over the whole processes, plus the child's page tables (not in PSS): this includes the
  // child's own few pages and tables beyond the region.
  session.derived(
      "memory_growth_bytes." + label,
      double(parent.pss + child.pss + child.page_tables) - double(sides.before_fork.pss), "bytes",
      "parent Pss + child Pss + child VmPTE after the writes − parent Pss before fork", labels);
  for (const auto& [side, report] : {std::pair{"parent", &parent}, std::pair{"child", &child}}) {
    const std::string who(side);
    session.measured(who + "_pss_bytes." + label, double(report->pss), "bytes",
                     who + " smaps_rollup Pss", labels);
    session.measured(who + "_shared_bytes." + label, double(report->shared), "bytes",
                     who + " smaps_rollup Shared_Clean + Shared_Dirty", labels);
    session.measured(who + "_private_bytes." + label, double(report->priv), "bytes",
                     who + " smaps_rollup Private_Clean + Private_Dirty", labels);
  }
}

void cow_part(Session& session, uint64_t size, double f, bool child_writes, HugeAdvice advice) {
  Mapping memory = Mapping::anonymous(size, true, advice);
  touch_sequential(memory.data(), memory.size(), Session::stop_flag(), nullptr);
  const uint64_t pages = memory.size() / kPage;  // whole pages: the mapping is page-aligned
  const auto count = static_cast<uint64_t>(std::ceil(f * double(pages)));
  PhaseStart phase = session.begin_phase("cow." + fraction_label(f), PhaseDetail::smaps_rollup);
  const CowSides sides = fork_and_write(session, memory, count, child_writes);
  session.end_phase(phase);
  if (sides.complete) report_cow(session, f, child_writes, sides);
}

// Does fork() latency grow with RSS? The sizes' medians in increasing order of size.
void report_fork_trend(Session& session, std::vector<uint64_t> sizes) {
  std::vector<std::pair<double, double>> points;  // (RSS GiB, fork ms)
  std::sort(sizes.begin(), sizes.end());
  for (uint64_t size : sizes) {
    const Measurement* rss = nullptr;
    const Measurement* ms = nullptr;
    for (const Measurement& m : session.measurements()) {
      if (m.name == "rss_bytes." + facts::format_size(size)) rss = &m;
      if (m.name == "fork_ms." + facts::format_size(size)) ms = &m;
    }
    if (rss && ms) points.emplace_back(rss->value / double(1ull << 30), ms->value);
  }
  if (points.size() < 2) return;
  bool grows = true;
  for (size_t i = 1; i < points.size(); ++i)
    grows = grows && points[i].second > points[i - 1].second;
  double mean_x = 0, mean_y = 0;
  for (auto [x, y] : points) {
    mean_x += x / double(points.size());
    mean_y += y / double(points.size());
  }
  double sxy = 0, sxx = 0;
  for (auto [x, y] : points) {
    sxy += (x - mean_x) * (y - mean_y);
    sxx += (x - mean_x) * (x - mean_x);
  }
  session.derived("fork_latency_grows", grows ? 1 : 0, "bool",
                  "1 when fork_ms rises with every larger size");
  if (sxx > 0) {
    session.derived("fork_ms_per_gib", sxy / sxx, "ms/GiB",
                    "least-squares slope of fork_ms over rss_bytes");
  }
  session.explain(fmt::format(
      "fork() latency {} with RSS over {} sizes ({:.2f} ms per GiB of 4 KiB-page RSS): fork "
      "copies one PTE per "
      "page (copy_pte_range), not the pages",
      grows ? "grows" : "does NOT grow monotonically", points.size(), sxx > 0 ? sxy / sxx : 0));
}

void run(Session& session, const Options& o) {
  const HugeAdvice advice = o.thp ? HugeAdvice::hugepage : HugeAdvice::nohugepage;
  for (uint64_t size : o.sizes) {
    if (session.stop_requested()) return;
    fork_latency(session, size, o.forks, advice);
  }
  report_fork_trend(session, o.sizes);

  const bool child_writes = o.writer == Writer::child;
  for (double f : o.fractions) {
    if (session.stop_requested()) return;
    cow_part(session, o.cow_size, f, child_writes, advice);
  }
  session.explain(
      fmt::format("COW: the {} wrote one byte in f of {} pages spread evenly while the other side "
                  "kept its mapping; each first "
                  "write to a shared page copies it (wp_page_copy)",
                  child_writes ? "child" : "parent", o.cow_size / kPage));
  session.note(
      "memavailable_drop_bytes is host-wide: other processes' allocations in the same interval "
      "count too");
}

}  // namespace

extern const Workload kCowFork = define_workload<unsupported, nullptr, footprint, predict, run>(
    "cow-fork", "fork() latency against parent RSS, and copy-on-write copies after fork", kParams);

}  // namespace mmtune::workloads
