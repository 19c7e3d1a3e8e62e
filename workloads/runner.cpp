#include "workloads/runner.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cmath>
#include <cstring>
#include <memory>

#include "changes/signal_guard.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
#include "probes/sampler.hpp"
#include "workloads/registry.hpp"
#include "workloads/result_json.hpp"
#include "workloads/session.hpp"
#include "workloads/watchdog.hpp"

namespace mmtune::workloads {
namespace {

using nlohmann::json;

// After SIGTERM, before SIGKILL.
constexpr std::chrono::nanoseconds kGrace = std::chrono::seconds(5);

// The controller's oom_score_adj at -1000 while it waits (root only: lowering needs
// CAP_SYS_RESOURCE), so an OOM kill takes the workload, never the process that cleans up.
class OomShield {
 public:
  OomShield() {
    old_ = read_value();
    if (old_ && ::geteuid() == 0) write_value("-1000");
  }
  ~OomShield() {
    if (old_ && ::geteuid() == 0) write_value(*old_);
  }
  OomShield(const OomShield&) = delete;
  OomShield& operator=(const OomShield&) = delete;

 private:
  static std::optional<std::string> read_value() {
    auto text = probes::HostFs("/").read("proc/self/oom_score_adj");
    if (!text) return std::nullopt;
    return std::string(probes::trim(*text));
  }
  static void write_value(std::string_view value) {
    int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC);
    if (fd < 0) return;
    [[maybe_unused]] ssize_t n = ::write(fd, value.data(), value.size());
    ::close(fd);
  }
  std::optional<std::string> old_;
};

// Busy CPU seconds of the whole host since boot, from the first line of /proc/stat
// (user nice system idle iowait irq softirq steal …: everything but idle and iowait).
std::optional<double> host_busy_seconds(const probes::HostFs& fs) {
  auto text = fs.read("proc/stat");
  if (!text) return std::nullopt;
  std::string_view line = std::string_view(*text).substr(0, text->find('\n'));
  if (!line.starts_with("cpu ")) return std::nullopt;
  line.remove_prefix(4);
  uint64_t fields[8] = {};
  for (int i = 0; i < 8; ++i) {
    line = probes::trim(line);
    size_t end = line.find(' ');
    fields[i] = std::strtoull(std::string(line.substr(0, end)).c_str(), nullptr, 10);
    if (end == std::string_view::npos) break;
    line.remove_prefix(end);
  }
  uint64_t busy = fields[0] + fields[1] + fields[2] + fields[5] + fields[6] + fields[7];
  return double(busy) / double(::sysconf(_SC_CLK_TCK));
}

double cpu_seconds(const rusage& usage) {
  return double(usage.ru_utime.tv_sec) + double(usage.ru_utime.tv_usec) / 1e6 +
         double(usage.ru_stime.tv_sec) + double(usage.ru_stime.tv_usec) / 1e6;
}

std::string_view field_unit(std::string_view name) {
  if (name.ends_with("_bytes")) return "bytes";
  if (name.ends_with("_us")) return "us";
  if (name.ends_with("_pages") || name.starts_with("nr_") || name.starts_with("zone_"))
    return "pages";
  return "events";
}

Series host_series(const std::vector<probes::Sample>& samples, int64_t start_ns) {
  Series series;
  series.name = "host";
  for (size_t f = 0; f < probes::kFieldCount; ++f) {
    auto field = static_cast<probes::Field>(f);
    bool everywhere =
        !samples.empty() && std::all_of(samples.begin(), samples.end(),
                                        [&](const probes::Sample& s) { return s.has(field); });
    if (!everywhere) continue;
    std::string name(probes::field_name(field));
    std::vector<double>& column = series.columns[name];
    for (const probes::Sample& s : samples) column.push_back(double(s[field]));
    series.units[name] = std::string(field_unit(name));
  }
  for (const probes::Sample& s : samples) series.t_s.push_back(double(s.mono_ns - start_ns) / 1e9);
  return series;
}

// A file descriptor closed when it goes out of scope.
class Fd {
 public:
  explicit Fd(int fd = -1) : fd_(fd) {}
  ~Fd() { reset(); }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }
  void reset(int fd = -1) {
    if (fd_ >= 0) ::close(fd_);
    fd_ = fd;
  }

 private:
  int fd_;
};

// What the controller gathers from the child's reports.
struct Collected {
  std::vector<Measurement> measurements;
  std::vector<Phase> phases;
  std::vector<Series> series;
  std::vector<std::string> explanation, notes;
  std::optional<std::string> skip_reason;
  std::optional<std::string> error;
  std::optional<ErrorKind> error_kind;
  bool done = false;
};

void handle_line(std::string_view line, Collected& collected, std::FILE* log,
                 std::string_view workload) {
  json message = json::parse(line, nullptr, false);
  if (!message.is_object()) return;
  std::string type = message.value("type", "");
  if (type == "measurement") {
    collected.measurements.push_back(measurement_from(message["body"]));
  } else if (type == "phase") {
    Phase phase = phase_from(message["body"]);
    if (log)
      fmt::print(log, "mmtune: {}: {} done in {:.3f} s\n", workload, phase.name,
                 phase.end_s - phase.start_s);
    collected.phases.push_back(std::move(phase));
  } else if (type == "series") {
    collected.series.push_back(series_from(message.value("name", ""), message["body"]));
  } else if (type == "explain") {
    collected.explanation.push_back(message.value("text", ""));
  } else if (type == "note") {
    collected.notes.push_back(message.value("text", ""));
  } else if (type == "skip") {
    collected.skip_reason = message.value("reason", "");
  } else if (type == "error") {
    collected.error = message.value("message", "");
    collected.error_kind = static_cast<ErrorKind>(message.value("kind", int(ErrorKind::internal)));
  } else if (type == "done") {
    collected.done = true;
  }
}

// Reads what is available without blocking; false at end of file.
bool read_available(int fd, std::string& buffer) {
  char chunk[65536];
  for (;;) {
    ssize_t n = ::read(fd, chunk, sizeof chunk);
    if (n > 0) {
      buffer.append(chunk, static_cast<size_t>(n));
      continue;
    }
    if (n == 0) return false;
    if (errno == EINTR) continue;
    return true;  // EAGAIN
  }
}

void drain_lines(std::string& buffer, Collected& collected, std::FILE* log,
                 std::string_view workload) {
  size_t start = 0;
  for (size_t end; (end = buffer.find('\n', start)) != std::string::npos; start = end + 1) {
    handle_line(std::string_view(buffer).substr(start, end - start), collected, log, workload);
  }
  buffer.erase(0, start);
}

// The workload process: never returns. Forked by changes::SignalGuard::fork(), so SIGINT/SIGTERM
// set the session's stop flag.
[[noreturn]] void child_main(const RunPlan& plan, pid_t controller, int report_fd, int go_fd,
                             int64_t start_ns, changes::Journal* journal) {
  // Die with the controller, whatever kills it; and if it died before the line above took effect,
  // do not run an orphan.
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != controller) ::_exit(1);
  if (int fd = ::open("/proc/self/oom_score_adj", O_WRONLY | O_CLOEXEC); fd >= 0) {
    [[maybe_unused]] ssize_t n = ::write(fd, "1000", 4);
    ::close(fd);
  }
  char go = 0;
  while (::read(go_fd, &go, 1) < 0 && errno == EINTR) {
  }
  ::close(go_fd);
  if (go != 'g') ::_exit(1);  // the controller gave up (cgroup attach failed) or died

  Session session(plan.params, plan.facts, report_fd, start_ns, journal);
  auto report = [&](const json& message) {
    std::string text = message.dump() + "\n";
    [[maybe_unused]] ssize_t n = ::write(report_fd, text.data(), text.size());
  };
  int status = 0;
  try {
    plan.workload->run(session);
    report(json{{"type", "done"}});
  } catch (const Error& e) {
    report(json{{"type", "error"}, {"kind", int(e.kind())}, {"message", e.what()}});
    status = 1;
  } catch (const std::exception& e) {
    report(json{{"type", "error"}, {"kind", int(ErrorKind::internal)}, {"message", e.what()}});
    status = 1;
  }
  // _exit, not exit: the controller's stdio buffers and destructors belong to the controller.
  ::_exit(status);
}

std::string describe_comparison(const Comparison& c, const Expectation& e) {
  std::string measured = facts::format_value(c.measured, c.unit);
  std::string predicted = facts::format_value(c.predicted, c.unit);
  std::string verdict;
  if (e.low && e.high) {
    verdict = fmt::format("model range {} to {}: {}", facts::format_value(*e.low, c.unit),
                          facts::format_value(*e.high, c.unit), *c.within ? "inside" : "OUTSIDE");
  } else if (c.tolerance) {
    verdict = fmt::format("{} ±{:g} %", *c.within ? "within" : "OUTSIDE", *c.tolerance * 100);
  } else {
    verdict = "informational";
  }
  return fmt::format("{}: measured {}, model {} ({:+.2f} %, {}); model: {} {}", c.metric, measured,
                     predicted, c.deviation * 100, verdict, e.prediction.why.rule,
                     e.prediction.why.text);
}

// ---- the steps of execute() ----

// What the result says before anything runs: the workload, the host, the limits, the parameters
// and the model's predictions.
Result planned_result(const RunPlan& plan) {
  Result result;
  result.workload = std::string(plan.workload->name);
  result.started_at = facts::utc_now();
  result.host = plan.facts;
  result.limits = plan.limits;
  result.predictions = plan.predictions;
  for (const Param& param : plan.workload->params) {
    const ParamValue& value = plan.params.at(param.name);
    result.parameters.push_back(ParamRecord{std::string(param.name), value.text,
                                            std::string(param.unit), value.numbers,
                                            value.defaulted});
  }
  return result;
}

// Step 1: whatever a killed earlier run left is undone first.
void restore_leftovers(const RunOptions& options, Result& result) {
  for (const changes::UndoOutcome& outcome : changes::restore_leftovers(options.state_dir)) {
    result.notes.push_back(
        fmt::format("restored what an earlier, killed run left: {}", outcome.message));
    if (options.log)
      fmt::print(options.log, "mmtune: restored after an earlier run: {}\n", outcome.message);
  }
}

// Step 2: with --memory-limit, a memory cgroup under our own, made through the journal (v2 needs
// the memory controller enabled in our cgroup's subtree_control; v1 nests freely). Its path
// relative to the cgroup root, or "" without a limit.
std::string make_memory_cgroup(const RunPlan& plan, const RunOptions& options,
                               changes::Journal& journal, const probes::HostFs& fs) {
  if (!options.memory_limit_bytes) return {};
  const facts::CgroupMemory& host = plan.facts.cgroup;
  // Turning the controller on would change the host's cgroup tree, so it is a precondition.
  if (host.version == 2 &&
      fs.read(host.dir + "/cgroup.subtree_control").value_or("").find("memory") ==
          std::string::npos) {
    fail(ErrorKind::unsupported,
         "--memory-limit: the memory controller is not enabled for child cgroups of /{} "
         "(cgroup.subtree_control)",
         host.dir);
  }
  static std::atomic<int> counter{0};
  std::string cgroup = fmt::format("{}/mmtune-{}-{}", host.dir, ::getpid(), counter++);
  journal.create_cgroup(cgroup);
  const char* limit_file = host.version == 2 ? "memory.max" : "memory.limit_in_bytes";
  journal.write_owned(cgroup + "/" + limit_file, std::to_string(*options.memory_limit_bytes));
  return cgroup;
}

// What the host and this process had used when the workload started: for the CPU others used and
// the OOM kills during the run.
struct UsageMark {
  std::optional<double> busy_s;
  rusage self{};
  uint64_t oom_kills = 0;
};

UsageMark mark_usage(const probes::HostFs& fs) {
  UsageMark mark;
  mark.busy_s = host_busy_seconds(fs);
  ::getrusage(RUSAGE_SELF, &mark.self);
  mark.oom_kills = probes::read_vmstat(fs).get_or("oom_kill", 0);
  return mark;
}

// Step 3: the workload process. It is forked at once and waits for release(), so that it can be
// moved into its cgroup and the sampler can start on the idle host first. Killed and reaped if
// the controller leaves execute() early (an exception), so that no path leaves it running.
class WorkloadProcess {
 public:
  WorkloadProcess(const RunPlan& plan, int64_t start_ns, changes::Journal& journal) {
    int report_pipe[2], go_pipe[2];
    if (::pipe2(report_pipe, O_CLOEXEC) != 0)
      fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
    Fd report_write(report_pipe[1]);
    reports_.reset(report_pipe[0]);
    if (::pipe2(go_pipe, O_CLOEXEC) != 0)
      fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
    Fd go_read(go_pipe[0]);
    go_.reset(go_pipe[1]);
    std::fflush(nullptr);
    const pid_t controller = ::getpid();
    pid_ = changes::SignalGuard::fork();
    if (pid_ < 0) fail(ErrorKind::internal, "fork: {}", std::strerror(errno));
    if (pid_ == 0) {
      reports_.reset();
      go_.reset();
      child_main(plan, controller, report_write.get(), go_read.get(), start_ns, &journal);
    }
    ::fcntl(reports_.get(), F_SETFL, O_NONBLOCK);
  }
  ~WorkloadProcess() {
    if (pid_ > 0 && !reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  WorkloadProcess(const WorkloadProcess&) = delete;
  WorkloadProcess& operator=(const WorkloadProcess&) = delete;

  pid_t pid() const { return pid_; }
  int reports() const { return reports_.get(); }
  // Lets the workload start, or (go false) makes it exit without running.
  void release(bool go) {
    char byte = go ? 'g' : 'x';
    [[maybe_unused]] ssize_t sent = ::write(go_.get(), &byte, 1);
    go_.reset();
  }
  // Reaps it if it has exited (no waiting).
  bool try_reap(int& status, rusage& usage) {
    reaped_ = ::wait4(pid_, &status, WNOHANG, &usage) == pid_;
    return reaped_;
  }
  void close_reports() { reports_.reset(); }

 private:
  pid_t pid_ = -1;
  Fd reports_, go_;
  bool reaped_ = false;
};

// Moves the workload into the cgroup; the reason when that failed.
std::optional<std::string> attach(changes::Journal& journal, const std::string& cgroup, pid_t pid) {
  if (cgroup.empty()) return std::nullopt;
  try {
    journal.write_owned(cgroup + "/cgroup.procs", std::to_string(pid));
  } catch (const Error& e) {
    return std::string(e.what());
  }
  return std::nullopt;
}

// The sampler of the host and the workload; nullptr (and a note) when it cannot run.
std::unique_ptr<probes::BackgroundSampler> start_sampler(const probes::HostFs& fs, pid_t pid,
                                                         const std::string& cgroup,
                                                         std::chrono::nanoseconds interval,
                                                         std::vector<std::string>& notes) {
  try {
    probes::SamplerTarget target{
        pid, cgroup.empty() ? std::nullopt : std::optional<std::string>("/" + cgroup)};
    return std::make_unique<probes::BackgroundSampler>(probes::Sampler(fs, target), interval);
  } catch (const std::exception& e) {
    notes.push_back(fmt::format("no host time series: {}", e.what()));
  }
  return nullptr;
}

// What the controller saw of the workload until it exited.
struct Watched {
  Collected collected;
  int status = 0;
  rusage usage{};
  bool timed_out = false;
};

// Why the controller stops the workload now, if it should: a signal, the time limit, or what the
// watchdog saw; nullopt to let it run.
std::optional<std::string> stop_reason(int64_t now, int64_t deadline_ns, Watchdog& watchdog,
                                       Watched& watched) {
  if (changes::SignalGuard::received() != 0) return "interrupted";
  if (now > deadline_ns) {
    watched.timed_out = true;
    return "time limit reached";
  }
  return watchdog.check(now);
}

// Step 4: reads the workload's reports as they come until it exits; at the time limit, on
// SIGINT/SIGTERM or when the watchdog says so sends it SIGTERM (it stops at its next check), and
// SIGKILL after kGrace.
Watched watch(WorkloadProcess& child, const RunOptions& options, int64_t start_ns,
              std::string_view workload, Watchdog& watchdog) {
  Watched watched;
  std::string buffer;
  const int64_t deadline_ns = start_ns + options.time_limit.count();
  int64_t term_sent_ns = 0;
  bool killed = false, eof = false;
  while (!child.try_reap(watched.status, watched.usage)) {
    // The wake descriptor stays readable once a signal came: poll it only until we have acted.
    pollfd fds[2] = {{eof ? -1 : child.reports(), POLLIN, 0},
                     {term_sent_ns ? -1 : changes::SignalGuard::wake_fd(), POLLIN, 0}};
    ::poll(fds, 2, 50);
    if (!eof) eof = !read_available(child.reports(), buffer);
    drain_lines(buffer, watched.collected, options.log, workload);
    const int64_t now = monotonic_ns();
    if (term_sent_ns == 0) {
      if (std::optional<std::string> why = stop_reason(now, deadline_ns, watchdog, watched)) {
        ::kill(child.pid(), SIGTERM);
        term_sent_ns = now;
        if (options.log)
          fmt::print(options.log, "mmtune: {}: {}; stopping the workload\n", workload, *why);
      }
    }
    if (term_sent_ns != 0 && !killed && now - term_sent_ns > kGrace.count()) {
      ::kill(child.pid(), SIGKILL);
      killed = true;
    }
  }
  // What it wrote just before it exited (grandchildren may hold the pipe open: no blocking).
  read_available(child.reports(), buffer);
  drain_lines(buffer, watched.collected, options.log, workload);
  child.close_reports();
  return watched;
}

// Step 5 begins with the evidence: the cgroup's peak and OOM kills (before the cgroup goes), the
// host's OOM kills during the run, and the CPU other processes used.
struct KillEvidence {
  std::optional<uint64_t> cgroup_oom_kills;
  uint64_t host_oom_kills = 0;
};

std::optional<uint64_t> add_cgroup_evidence(const probes::HostFs& fs, const std::string& cgroup,
                                            bool v2, std::vector<Measurement>& measurements) {
  facts::Counters events = probes::parse_key_values(
      fs.read(cgroup + (v2 ? "/memory.events" : "/memory.oom_control")).value_or(""));
  std::optional<uint64_t> oom_kills = events.get("oom_kill");
  if (auto peak = fs.read(cgroup + (v2 ? "/memory.peak" : "/memory.max_usage_in_bytes"))) {
    measurements.push_back(Measurement{"cgroup_peak_bytes",
                                       std::strtod(peak->c_str(), nullptr),
                                       "bytes",
                                       "measured",
                                       v2 ? "memory.peak" : "memory.max_usage_in_bytes",
                                       {}});
  }
  if (oom_kills) {
    measurements.push_back(
        Measurement{"cgroup_oom_kills",
                    double(*oom_kills),
                    "events",
                    "measured",
                    v2 ? "memory.events oom_kill" : "memory.oom_control oom_kill",
                    {}});
  }
  return oom_kills;
}

// Foreign CPU: what other processes used while we ran, so a noisy figure can be read as such.
void add_foreign_cpu(const probes::HostFs& fs, const UsageMark& before, const rusage& child,
                     Result& result, std::vector<Measurement>& measurements) {
  rusage self_after{};
  ::getrusage(RUSAGE_SELF, &self_after);
  auto busy_after = host_busy_seconds(fs);
  if (!busy_after || !before.busy_s || result.wall_s <= 0) return;
  double ours = cpu_seconds(child) + cpu_seconds(self_after) - cpu_seconds(before.self);
  double foreign = std::max(0.0, (*busy_after - *before.busy_s - ours) / result.wall_s);
  measurements.push_back(
      Measurement{"foreign_cpu",
                  foreign,
                  "CPUs",
                  "derived",
                  "(/proc/stat busy − workload and controller CPU time) / wall time",
                  {}});
  if (foreign > 0.15) {
    result.notes.push_back(fmt::format(
        "other processes used {:.2f} CPU on average during the run: timings may be disturbed",
        foreign));
  }
}

KillEvidence gather_evidence(const probes::HostFs& fs, const RunPlan& plan,
                             const std::string& cgroup, const UsageMark& before, Watched& watched,
                             Result& result) {
  KillEvidence evidence;
  std::vector<Measurement>& measurements = watched.collected.measurements;
  if (!cgroup.empty()) {
    evidence.cgroup_oom_kills =
        add_cgroup_evidence(fs, cgroup, plan.facts.cgroup.version == 2, measurements);
  }
  evidence.host_oom_kills = probes::read_vmstat(fs).get_or("oom_kill", 0) - before.oom_kills;
  add_foreign_cpu(fs, before, watched.usage, result, measurements);
  return evidence;
}

// The verdict, most specific cause first.
Verdict verdict_of(const Watched& watched, const std::optional<std::string>& attach_error,
                   const KillEvidence& evidence, const RunOptions& options,
                   const Watchdog& watchdog) {
  const Collected& collected = watched.collected;
  if (int signal = changes::SignalGuard::received())
    return {Status::failed, fmt::format("interrupted by {}", ::strsignal(signal)), true};
  if (watchdog.reason()) return {Status::failed, *watchdog.reason(), false};
  if (watched.timed_out) {
    return {Status::failed,
            fmt::format("time limit of {:g} s reached", facts::seconds(options.time_limit)), false};
  }
  if (attach_error) {
    return {Status::failed,
            fmt::format("could not move the workload into its cgroup: {}", *attach_error), false};
  }
  if (collected.skip_reason) return {Status::skipped, *collected.skip_reason, false};
  if (collected.error) return {Status::failed, *collected.error, false};
  if (WIFSIGNALED(watched.status)) {
    int sig = WTERMSIG(watched.status);
    std::string why;
    if (evidence.cgroup_oom_kills.value_or(0) > 0) {
      why =
          fmt::format(": the memory cgroup's OOM killer (oom_kill {})", *evidence.cgroup_oom_kills);
    } else if (evidence.host_oom_kills > 0) {
      why = fmt::format(": the OOM killer (/proc/vmstat oom_kill +{})", evidence.host_oom_kills);
    } else if (sig == SIGKILL) {
      why = " from outside (no OOM kill counted)";
    }
    return {Status::failed, fmt::format("workload killed by {}{}", ::strsignal(sig), why), false};
  }
  if (int code = WIFEXITED(watched.status) ? WEXITSTATUS(watched.status) : -1; code != 0)
    return {Status::failed, fmt::format("workload process exited with status {}", code), false};
  if (!collected.done) return {Status::failed, "workload ended without reporting", false};
  return {};
}

// The measurements, the series and the comparisons of predictions with measurements.
void add_findings(Result& result, Collected collected, const std::vector<probes::Sample>& samples,
                  int64_t start_ns) {
  result.measurements = std::move(collected.measurements);
  result.phases = std::move(collected.phases);
  if (!samples.empty()) result.series.push_back(host_series(samples, start_ns));
  for (Series& s : collected.series) result.series.push_back(std::move(s));
  result.comparisons = compare(result.predictions, result.measurements);
  for (const Comparison& c : result.comparisons) {
    result.explanation.push_back(describe_comparison(c, *result.prediction_for(c.metric)));
  }
  for (std::string& line : collected.explanation) result.explanation.push_back(std::move(line));
  for (std::string& line : collected.notes) result.notes.push_back(std::move(line));
}

// The tripwires of this run: the preset's and the user's, except the io one (unless asked for by
// name) when the run's io waits are on a device mmtune made for it: the host's io PSI is then
// the run's own stall (dirty-flood on a 30 MB/s loop device with vm.dirty_bytes at 64 MiB took io
// full avg10 past 20 % on an idle host).
GovernorLimits governor_for(const RunPlan& plan, const RunOptions& options, Result& result) {
  GovernorLimits limits = options.governor;
  const Workload& workload = *plan.workload;
  if (limits.psi_io_full_pct && !limits.psi_io_asked && workload.waits_on_own_device &&
      workload.waits_on_own_device(plan.params)) {
    limits.psi_io_full_pct.reset();
    result.notes.push_back(
        "governor: the io PSI tripwire is off for this run: its io waits are on the device mmtune "
        "made for it, so the host's io PSI measures the run itself (--stop-at-psi-io turns it on)");
  }
  return limits;
}

// The governor and the moved-setting watch of this run; the result records the tripwires that
// are on.
Watchdog make_watchdog(const GovernorLimits& limits, const RunOptions& options,
                       const changes::Journal& journal, pid_t workload, int64_t start_ns,
                       Result& result) {
  result.limits.governor = limit_table(limits);
  std::vector<const changes::Journal*> journals{&journal};
  if (options.outer_journal) journals.push_back(options.outer_journal);
  return Watchdog(limits, std::move(journals), {::getpid(), workload}, options.sample_interval,
                  start_ns);
}

void undo(changes::Journal& journal, Result& result) {
  for (const changes::UndoOutcome& outcome : journal.undo_all()) {
    if (outcome.status != changes::UndoStatus::restored) result.notes.push_back(outcome.message);
  }
}

}  // namespace

uint64_t size_cap_bytes(const RunOptions& options, const facts::HostFacts& facts) {
  uint64_t available = facts.meminfo.available_bytes.value_or(facts.meminfo.free_bytes);
  return static_cast<uint64_t>(options.size_cap_fraction * double(available));
}

RunPlan plan_run(std::string_view name, const RunOptions& options, const facts::HostFacts& facts) {
  RunPlan plan;
  plan.workload = find_workload(name);
  if (!plan.workload) {
    std::string guess = suggest_workload(name);
    if (guess.empty())
      fail(ErrorKind::bad_input, "unknown workload \"{}\" (see `mmtune list`)", name);
    fail(ErrorKind::bad_input, "unknown workload \"{}\"; did you mean \"{}\"?", name, guess);
  }
  if (options.time_limit <= std::chrono::nanoseconds::zero())
    fail(ErrorKind::bad_input, "--time-limit: must be positive");
  if (options.sample_interval <= std::chrono::nanoseconds::zero())
    fail(ErrorKind::bad_input, "--interval: must be positive");
  plan.params = parse_params(plan.workload->params, options.params);
  if (plan.workload->invalid) {
    if (auto why = plan.workload->invalid(plan.params)) fail(ErrorKind::bad_input, "{}", *why);
  }
  plan.facts = facts;
  plan.unsupported = plan.workload->unsupported(facts);
  plan.predictions = plan.workload->predict(plan.params, facts);

  plan.limits.footprint_bytes = plan.workload->footprint_bytes(plan.params);
  plan.limits.size_cap_bytes = size_cap_bytes(options, facts);
  plan.limits.forced = options.force;
  plan.limits.time_limit_s = facts::seconds(options.time_limit);
  plan.limits.memory_limit_bytes = options.memory_limit_bytes;
  if (options.memory_limit_bytes && facts.cgroup.version == 0) {
    fail(ErrorKind::bad_input, "--memory-limit: this host has no memory cgroup controller");
  }
  // A memory cgroup bounds what the run can take from the host, whatever it maps.
  uint64_t on_host = plan.limits.footprint_bytes;
  if (options.memory_limit_bytes) on_host = std::min(on_host, *options.memory_limit_bytes);
  if (on_host > plan.limits.size_cap_bytes && !options.force) {
    fail(ErrorKind::bad_input,
         "{} with these parameters needs {} of memory, more than the size cap of {} ({:g} % of "
         "MemAvailable); "
         "use smaller sizes, --memory-limit, or --force",
         plan.workload->name, facts::format_bytes(on_host),
         facts::format_bytes(plan.limits.size_cap_bytes), options.size_cap_fraction * 100);
  }
  return plan;
}

Result execute(const RunPlan& plan, const RunOptions& options) {
  Result result = planned_result(plan);
  if (plan.unsupported) {
    result.verdict = {Status::skipped, *plan.unsupported, false};
    result.explanation.push_back(
        "not run on this host; the model's predictions above still hold for it");
    return result;
  }
  const int64_t start_ns = monotonic_ns();
  const probes::HostFs fs("/");
  // 1. What a killed earlier run left.
  restore_leftovers(options, result);
  // 2. This run's journal, and its memory cgroup.
  changes::Journal journal(fs, options.state_dir);
  const std::string cgroup = make_memory_cgroup(plan, options, journal, fs);
  result.limits.cgroup = cgroup;
  // 3. The workload process, released once it is in the cgroup and the sampler runs.
  changes::SignalGuard signals;
  OomShield shield;
  const UsageMark before = mark_usage(fs);
  if (options.log) {
    fmt::print(options.log, "mmtune: {}: running (time limit {:g} s)\n", plan.workload->name,
               facts::seconds(options.time_limit));
  }
  WorkloadProcess child(plan, start_ns, journal);
  const std::optional<std::string> attach_error = attach(journal, cgroup, child.pid());
  std::unique_ptr<probes::BackgroundSampler> sampler =
      start_sampler(fs, child.pid(), cgroup, options.sample_interval, result.notes);
  Watchdog watchdog = make_watchdog(governor_for(plan, options, result), options, journal,
                                    child.pid(), start_ns, result);
  child.release(!attach_error);
  // 4. Its reports, the time limit, the signals and the watchdog, until it exits.
  Watched watched = watch(child, options, start_ns, plan.workload->name, watchdog);
  const std::vector<probes::Sample> samples =
      sampler ? sampler->stop() : std::vector<probes::Sample>{};
  watchdog.finish(monotonic_ns());
  result.wall_s = double(monotonic_ns() - start_ns) / 1e9;
  // 5. The verdict, the comparisons, and the undo of everything in the journal.
  const KillEvidence evidence = gather_evidence(fs, plan, cgroup, before, watched, result);
  result.verdict = verdict_of(watched, attach_error, evidence, options, watchdog);
  result.governor_stop = watchdog.stop();
  result.moved_settings = watchdog.moved();
  add_findings(result, std::move(watched.collected), samples, start_ns);
  undo(journal, result);
  return result;
}

}  // namespace mmtune::workloads
