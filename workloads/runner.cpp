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

#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"
#include "probes/sampler.hpp"
#include "workloads/registry.hpp"
#include "workloads/result_json.hpp"
#include "workloads/session.hpp"

namespace mmtune::workloads {
namespace {

using nlohmann::json;

constexpr double kGraceSeconds = 5;  // after SIGTERM, before SIGKILL

// ---- the controller's signal handling: a flag and a wake-up byte, nothing else ----

std::atomic<int> g_signal{0};
int g_wake_fd = -1;

void on_controller_signal(int signal_number) {
  g_signal.store(signal_number);
  if (g_wake_fd >= 0) {
    char byte = 1;
    [[maybe_unused]] ssize_t n = ::write(g_wake_fd, &byte, 1);
  }
}

// Installs the SIGINT/SIGTERM handlers for one execute() and puts the old ones back.
class InterruptScope {
 public:
  InterruptScope() {
    if (::pipe2(wake_, O_CLOEXEC | O_NONBLOCK) != 0)
      fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
    g_signal.store(0);
    g_wake_fd = wake_[1];
    struct sigaction action {};
    action.sa_handler = on_controller_signal;
    sigemptyset(&action.sa_mask);  // no SA_RESTART: poll() returns at once
    ::sigaction(SIGINT, &action, &old_int_);
    ::sigaction(SIGTERM, &action, &old_term_);
  }
  ~InterruptScope() {
    ::sigaction(SIGINT, &old_int_, nullptr);
    ::sigaction(SIGTERM, &old_term_, nullptr);
    g_wake_fd = -1;
    ::close(wake_[0]);
    ::close(wake_[1]);
  }
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;
  int wake_fd() const { return wake_[0]; }
  int write_fd() const { return wake_[1]; }

 private:
  int wake_[2] = {-1, -1};
  struct sigaction old_int_ {
  }, old_term_{};
};

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
  void reset() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_;
};

// The workload process, killed and reaped if the controller leaves execute() early (an exception),
// so that no path leaves it running.
class Child {
 public:
  explicit Child(pid_t pid) : pid_(pid) {}
  ~Child() {
    if (!reaped_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  Child(const Child&) = delete;
  Child& operator=(const Child&) = delete;
  pid_t pid() const { return pid_; }
  void reaped() { reaped_ = true; }

 private:
  pid_t pid_;
  bool reaped_ = false;
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

// The workload process: never returns.
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
  reset_stop_flag();
  install_stop_handler();
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
  if (!(options.time_limit_s > 0)) fail(ErrorKind::bad_input, "--time-limit: must be positive");
  if (!(options.sample_interval_s >= 0.001))
    fail(ErrorKind::bad_input, "--interval: must be at least 1ms");
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
  plan.limits.time_limit_s = options.time_limit_s;
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
  const Workload& workload = *plan.workload;
  Result result;
  result.workload = std::string(workload.name);
  result.started_at = facts::utc_now();
  result.host = plan.facts;
  result.limits = plan.limits;
  result.predictions = plan.predictions;
  for (const Param& param : workload.params) {
    const ParamValue& value = plan.params.at(param.name);
    result.parameters.push_back(ParamRecord{std::string(param.name), value.text,
                                            std::string(param.unit), value.numbers,
                                            value.defaulted});
  }
  const int64_t start_ns = monotonic_ns();
  if (plan.unsupported) {
    result.verdict = {Status::skipped, *plan.unsupported, false};
    result.explanation.push_back(
        "not run on this host; the model's predictions above still hold for it");
    return result;
  }

  probes::HostFs fs("/");
  for (const changes::UndoOutcome& outcome : changes::restore_leftovers(options.state_dir)) {
    result.notes.push_back(
        fmt::format("restored what an earlier, killed run left: {}", outcome.message));
    if (options.log)
      fmt::print(options.log, "mmtune: restored after an earlier run: {}\n", outcome.message);
  }
  changes::Journal journal(fs, options.state_dir);

  // The memory cgroup, under our own (v2 needs the memory controller enabled in our cgroup's
  // subtree_control; v1 nests freely).
  std::string cgroup;
  if (options.memory_limit_bytes) {
    // cgroup v2 gives a child cgroup memory.max only where the parent enables the controller for
    // its children; turning that on would change the host's cgroup tree, so it is a precondition.
    if (plan.facts.cgroup.version == 2 &&
        fs.read(plan.facts.cgroup.dir + "/cgroup.subtree_control").value_or("").find("memory") ==
            std::string::npos) {
      fail(ErrorKind::unsupported,
           "--memory-limit: the memory controller is not enabled for child cgroups of /{} "
           "(cgroup.subtree_control)",
           plan.facts.cgroup.dir);
    }
    static std::atomic<int> counter{0};
    cgroup = fmt::format("{}/mmtune-{}-{}", plan.facts.cgroup.dir, ::getpid(), counter++);
    journal.create_cgroup(cgroup);
    const char* limit_file =
        plan.facts.cgroup.version == 2 ? "memory.max" : "memory.limit_in_bytes";
    journal.write_owned(cgroup + "/" + limit_file, std::to_string(*options.memory_limit_bytes));
    result.limits.cgroup = cgroup;
  }

  InterruptScope interrupts;
  OomShield shield;
  std::optional<double> busy_before = host_busy_seconds(fs);
  rusage self_before{};
  ::getrusage(RUSAGE_SELF, &self_before);
  uint64_t oom_kills_before = probes::read_vmstat(fs).get_or("oom_kill", 0);

  int report_pipe[2], go_pipe[2];
  if (::pipe2(report_pipe, O_CLOEXEC) != 0)
    fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
  Fd report_read(report_pipe[0]), report_write(report_pipe[1]);
  if (::pipe2(go_pipe, O_CLOEXEC) != 0) fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
  Fd go_read(go_pipe[0]), go_write(go_pipe[1]);
  if (options.log)
    fmt::print(options.log, "mmtune: {}: running (time limit {:g} s)\n", workload.name,
               options.time_limit_s);
  std::fflush(nullptr);
  const pid_t controller = ::getpid();
  const pid_t forked = ::fork();
  if (forked < 0) fail(ErrorKind::internal, "fork: {}", std::strerror(errno));
  if (forked == 0) {
    ::close(report_pipe[0]);
    ::close(go_pipe[1]);
    ::close(interrupts.wake_fd());
    ::close(interrupts.write_fd());
    child_main(plan, controller, report_pipe[1], go_pipe[0], start_ns, &journal);
  }
  Child guard(forked);
  const pid_t child = forked;
  report_write.reset();
  go_read.reset();
  const int report_fd = report_read.get();
  ::fcntl(report_fd, F_SETFL, O_NONBLOCK);

  bool attached = true;
  std::string attach_error;
  if (!cgroup.empty()) {
    try {
      journal.write_owned(cgroup + "/cgroup.procs", std::to_string(child));
    } catch (const Error& e) {
      attached = false;
      attach_error = e.what();
    }
  }
  // The sampler starts before the workload does, so the series opens with the idle host.
  std::optional<probes::BackgroundSampler> sampler;
  try {
    probes::SamplerTarget target{
        child, cgroup.empty() ? std::nullopt : std::optional<std::string>("/" + cgroup)};
    sampler.emplace(
        probes::Sampler(fs, target),
        std::chrono::nanoseconds(static_cast<int64_t>(options.sample_interval_s * 1e9)));
  } catch (const std::exception& e) {
    result.notes.push_back(fmt::format("no host time series: {}", e.what()));
  }
  char go = attached ? 'g' : 'x';
  [[maybe_unused]] ssize_t sent = ::write(go_write.get(), &go, 1);
  go_write.reset();

  Collected collected;
  std::string buffer;
  const int64_t deadline_ns = start_ns + static_cast<int64_t>(options.time_limit_s * 1e9);
  int64_t term_sent_ns = 0;
  bool timed_out = false, killed_by_us = false, eof = false, exited = false;
  int status = 0;
  rusage child_usage{};
  while (!exited) {
    pollfd fds[2] = {{eof ? -1 : report_fd, POLLIN, 0}, {interrupts.wake_fd(), POLLIN, 0}};
    ::poll(fds, 2, 50);
    char drain[64];
    while (::read(interrupts.wake_fd(), drain, sizeof drain) > 0) {
    }
    if (!eof) eof = !read_available(report_fd, buffer);
    drain_lines(buffer, collected, options.log, workload.name);

    const int64_t now = monotonic_ns();
    if (term_sent_ns == 0 && (g_signal.load() != 0 || now > deadline_ns)) {
      timed_out = g_signal.load() == 0;
      ::kill(child, SIGTERM);
      term_sent_ns = now;
      if (options.log) {
        fmt::print(options.log, "mmtune: {}: {}; stopping the workload\n", workload.name,
                   timed_out ? "time limit reached" : "interrupted");
      }
    }
    if (term_sent_ns != 0 && !killed_by_us && now - term_sent_ns > int64_t(kGraceSeconds * 1e9)) {
      ::kill(child, SIGKILL);
      killed_by_us = true;
    }
    pid_t reaped = ::wait4(child, &status, WNOHANG, &child_usage);
    if (reaped == child) {
      exited = true;
      guard.reaped();
    }
  }
  // What the child wrote just before it exited (grandchildren may hold the pipe open: no blocking).
  read_available(report_fd, buffer);
  drain_lines(buffer, collected, options.log, workload.name);
  report_read.reset();
  std::vector<probes::Sample> samples;
  if (sampler) samples = sampler->stop();
  const int64_t end_ns = monotonic_ns();
  result.wall_s = double(end_ns - start_ns) / 1e9;

  // Cgroup evidence before the cgroup goes.
  std::optional<uint64_t> cgroup_oom_kills;
  if (!cgroup.empty()) {
    bool v2 = plan.facts.cgroup.version == 2;
    facts::Counters events = probes::parse_key_values(
        fs.read(cgroup + (v2 ? "/memory.events" : "/memory.oom_control")).value_or(""));
    cgroup_oom_kills = events.get("oom_kill");
    auto peak = fs.read(cgroup + (v2 ? "/memory.peak" : "/memory.max_usage_in_bytes"));
    if (peak) {
      collected.measurements.push_back(Measurement{"cgroup_peak_bytes",
                                                   std::strtod(peak->c_str(), nullptr),
                                                   "bytes",
                                                   "measured",
                                                   v2 ? "memory.peak" : "memory.max_usage_in_bytes",
                                                   {}});
    }
    if (cgroup_oom_kills) {
      collected.measurements.push_back(
          Measurement{"cgroup_oom_kills",
                      double(*cgroup_oom_kills),
                      "events",
                      "measured",
                      v2 ? "memory.events oom_kill" : "memory.oom_control oom_kill",
                      {}});
    }
  }
  uint64_t oom_kills = probes::read_vmstat(fs).get_or("oom_kill", 0) - oom_kills_before;

  // Foreign CPU: what other processes used while we ran, so a noisy figure can be read as such.
  rusage self_after{};
  ::getrusage(RUSAGE_SELF, &self_after);
  if (auto busy_after = host_busy_seconds(fs); busy_after && busy_before && result.wall_s > 0) {
    double ours = cpu_seconds(child_usage) + cpu_seconds(self_after) - cpu_seconds(self_before);
    double foreign = std::max(0.0, (*busy_after - *busy_before - ours) / result.wall_s);
    collected.measurements.push_back(
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

  // The verdict, most specific cause first.
  const bool signalled = WIFSIGNALED(status);
  const int exit_status = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  if (g_signal.load() != 0) {
    result.verdict = {Status::failed,
                      fmt::format("interrupted by {}", ::strsignal(g_signal.load())), true};
  } else if (timed_out) {
    result.verdict = {Status::failed,
                      fmt::format("time limit of {:g} s reached", options.time_limit_s), false};
  } else if (!attached) {
    result.verdict = {Status::failed,
                      fmt::format("could not move the workload into its cgroup: {}", attach_error),
                      false};
  } else if (collected.skip_reason) {
    result.verdict = {Status::skipped, *collected.skip_reason, false};
  } else if (collected.error) {
    result.verdict = {Status::failed, *collected.error, false};
  } else if (signalled) {
    int sig = WTERMSIG(status);
    std::string evidence;
    if (cgroup_oom_kills.value_or(0) > 0) {
      evidence = fmt::format(": the memory cgroup's OOM killer (oom_kill {})", *cgroup_oom_kills);
    } else if (oom_kills > 0) {
      evidence = fmt::format(": the OOM killer (/proc/vmstat oom_kill +{})", oom_kills);
    } else if (sig == SIGKILL) {
      evidence = " from outside (no OOM kill counted)";
    }
    result.verdict = {Status::failed,
                      fmt::format("workload killed by {}{}", ::strsignal(sig), evidence), false};
  } else if (exit_status != 0) {
    result.verdict = {Status::failed,
                      fmt::format("workload process exited with status {}", exit_status), false};
  } else if (!collected.done) {
    result.verdict = {Status::failed, "workload ended without reporting", false};
  }

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

  for (const changes::UndoOutcome& outcome : journal.undo_all()) {
    if (outcome.status != changes::UndoStatus::restored) result.notes.push_back(outcome.message);
  }
  return result;
}

}  // namespace mmtune::workloads
