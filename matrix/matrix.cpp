#include "matrix/matrix.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <fstream>
#include <regex>

#include "changes/signal_guard.hpp"
#include "facts/error.hpp"
#include "matrix/guest.hpp"
#include "matrix/process.hpp"
#include "probes/parsers.hpp"

namespace mmtune::matrix {
namespace fs = std::filesystem;
namespace {

constexpr int kBootAllowanceS = 40;  // boot, module loading and sending results, inside --timeout

struct RemoveTree {
  fs::path path;
  ~RemoveTree() {
    std::error_code ec;
    if (!path.empty()) fs::remove_all(path, ec);
  }
};

// Scratch directories of runs whose process is gone (kill -9): removed by the next run.
void sweep_stale_scratch(const fs::path& scratch_root) {
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(scratch_root, ec)) {
    std::string name = entry.path().filename().string();
    if (!name.starts_with("run-")) continue;
    int pid = std::atoi(name.c_str() + 4);
    if (pid > 0 && !fs::exists(fs::path("/proc") / std::to_string(pid)))
      fs::remove_all(entry.path(), ec);
  }
}

bool supports_o_direct(const fs::path& file) {
  int fd = ::open(file.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

std::string tail_lines(std::string_view text, size_t count) {
  size_t at = text.size();
  while (count-- > 0 && at > 0) {
    size_t newline = text.rfind('\n', at - 1);
    if (newline == std::string_view::npos) {
      at = 0;
      break;
    }
    at = newline;
  }
  return std::string(probes::trim(text.substr(at)));
}

std::vector<std::string> warning_lines(std::string_view dmesg) {
  static const std::regex kWarning(
      R"(WARNING:|BUG:|Oops|Kernel panic|general protection fault|Call Trace)");
  std::vector<std::string> lines;
  // An OOM kill's report (dump_header: "… invoked oom-killer: …", a stack, the memory state, then
  // "oom-kill:" and "Killed process") has a Call Trace of its own: the oom workload's, not a fault.
  bool in_oom_report = false;
  size_t start = 0;
  while (start < dmesg.size()) {
    size_t end = dmesg.find('\n', start);
    if (end == std::string_view::npos) end = dmesg.size();
    std::string line(dmesg.substr(start, end - start));
    if (line.find("invoked oom-killer:") != std::string::npos) in_oom_report = true;
    const bool oom_stack = in_oom_report && line.find("Call Trace") != std::string::npos;
    if (!oom_stack && std::regex_search(line, kWarning)) lines.push_back(line);
    if (line.find("Killed process") != std::string::npos) in_oom_report = false;
    start = end + 1;
  }
  return lines;
}

// The guest command as it runs inside: a run, scenario or check also writes its JSON result to a
// file the init script sends back (unless the user chose a --json themselves: then stdout).
std::vector<std::string> guest_arguments(const std::vector<std::string>& command) {
  std::vector<std::string> args = command;
  bool has_json = false;
  for (const std::string& arg : command)
    has_json = has_json || arg == "--json" || arg.starts_with("--json=");
  bool writes_result = !command.empty() &&
                       (command[0] == "run" || command[0] == "scenario" || command[0] == "check");
  if (writes_result && !has_json) args.insert(args.end(), {"--json", std::string(kGuestJsonPath)});
  return args;
}

std::optional<nlohmann::json> parse_json(std::string_view text) {
  if (probes::trim(text).empty()) return std::nullopt;
  nlohmann::json parsed = nlohmann::json::parse(text, nullptr, false);
  if (parsed.is_discarded()) return std::nullopt;
  return parsed;
}

void make_scratch_disk(const fs::path& disk, uint64_t mib) {
  { std::ofstream create(disk, std::ios::binary | std::ios::trunc); }
  fs::resize_file(disk, mib << 20);
  // Inode tables are written now, so the guest kernel runs no ext4lazyinit thread doing I/O in
  // the background of the measurement.
  CommandResult made =
      run_command({"mkfs.ext4", "-q", "-F", "-E", "lazy_itable_init=0,lazy_journal_init=0", "-L",
                   "mmtune-scratch", disk.string()},
                  std::chrono::minutes(2));
  if (made.exit_code != 0)
    fail(ErrorKind::internal, "mkfs.ext4 {}: {}", disk.string(), last_line(made));
}

// The QEMU plan of one kernel, with its scratch disk made in dir.
QemuPlan qemu_plan(const Kernel& kernel, const MatrixOptions& options, const fs::path& dir) {
  QemuPlan plan;
  plan.vmlinuz = kernel.vmlinuz;
  plan.initramfs = dir / "initramfs.cpio";
  plan.disk = dir / "scratch.img";
  plan.console_log = dir / "console.log";
  plan.result_log = dir / "results.bin";
  plan.memory_mib = options.memory_mib;
  plan.cpus = options.cpus;
  plan.numa_nodes = options.numa_nodes >= 2 ? options.numa_nodes : 0;
  plan.numa_remote_distance = options.numa_distance;
  make_scratch_disk(plan.disk, options.disk_mib);
  plan.disk_cache_none = supports_o_direct(plan.disk);
  return plan;
}

// What the guest left in its console and on the result channel, into run.
void read_guest_results(const QemuPlan& plan, const CommandResult& qemu,
                        const MatrixOptions& options, KernelRun& run) {
  std::string console = read_text(plan.console_log);
  ChannelContent channel = parse_channel(read_text(plan.result_log));
  static const std::regex kReached(R"(reached /init after ([0-9.]+) s)");
  if (std::smatch m; std::regex_search(console, m, kReached)) run.boot_s = std::stod(m[1].str());
  auto section = [&channel](std::string_view name) -> std::string {
    auto found = channel.sections.find(name);
    return found == channel.sections.end() ? std::string() : found->second;
  };
  run.out = section("stdout");
  run.err = section("stderr");
  run.guest_cmdline = std::string(probes::trim(section("cmdline")));
  run.kernel_warnings = warning_lines(section("dmesg"));
  if (std::string exit = std::string(probes::trim(section("exit"))); !exit.empty())
    run.exit_code = std::stoi(exit);
  if (double begin = 0, end = 0;
      std::sscanf(section("uptime").c_str(), "%lf %lf", &begin, &end) == 2) {
    run.command_s = end - begin;
  }
  run.restore_out = section("restore");
  if (channel.sections.contains("leftovers")) {
    run.leftovers.emplace();
    const std::string listed = section("leftovers");
    for (std::string_view rest = listed; !rest.empty();) {
      std::string_view line = rest.substr(0, rest.find('\n'));
      rest.remove_prefix(std::min(rest.size(), line.size() + 1));
      if (!line.empty()) run.leftovers->emplace_back(line);
    }
  }
  run.result = parse_json(section("json"));
  if (!run.result) run.result = parse_json(run.out);

  if (channel.ended && !section("exit").empty()) {
    run.status = RunStatus::ran;
  } else {
    run.status = qemu.timed_out ? RunStatus::timed_out : RunStatus::failed;
    run.problem = qemu.timed_out ? fmt::format("no results within {} s", options.timeout.count())
                  : !channel.problem.empty()
                      ? channel.problem
                      : fmt::format("QEMU exited {} without results: {}", qemu.exit_code,
                                    qemu.err.empty() ? "the guest stopped (see the console tail)"
                                                     : last_line(qemu));
    run.console_tail = tail_lines(console, 25);
  }
}

// One boot of the guest under QEMU, and what it left, into run.
void boot(const QemuPlan& plan, const MatrixOptions& options, KernelRun& run) {
  const auto start = std::chrono::steady_clock::now();
  const CommandResult qemu = run_command(qemu_argv(plan), options.timeout);
  run.wall_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  read_guest_results(plan, qemu, options, run);
}

KernelRun boot_one(const Kernel& kernel, const MatrixOptions& options, const fs::path& dir,
                   std::FILE* progress) {
  KernelRun run;
  run.label = kernel.label;
  run.kernel = kernel;
  fs::create_directories(dir);
  RemoveTree cleanup{dir};

  ImageInputs inputs;
  inputs.command = guest_arguments(options.command);
  inputs.command_timeout_s = int(std::max<int64_t>(10, options.timeout.count() - kBootAllowanceS));
  inputs.mmtune_binary = fs::read_symlink("/proc/self/exe");
  if (options.stop_after) inputs.stop_after_s = double(options.stop_after->count()) / 1000;
  inputs.stop_signal = options.stop_signal;
  try {
    run.image = build_initramfs(kernel, inputs, dir / "initramfs.cpio");
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::unsupported) throw;
    run.status = RunStatus::skipped;
    run.problem = e.what();
    fmt::print(progress, "matrix: {}: skipped: {}\n", kernel.label, run.problem);
    return run;
  }
  QemuPlan plan = qemu_plan(kernel, options, dir);
  run.disk_cache_none = plan.disk_cache_none;

  fmt::print(progress, "matrix: {}: booting {} under QEMU (TCG, {} CPUs, {} MiB{}), limit {} s\n",
             kernel.label, kernel.release, plan.cpus, options.memory_mib,
             plan.numa_nodes ? fmt::format(", {} emulated NUMA nodes", plan.numa_nodes) : "",
             options.timeout.count());
  boot(plan, options, run);
  // A guest kernel that panics while booting under emulation (seen once: an int3 Oops in
  // sched_clock_cpu at 5.4 s) has not run anything of mmtune yet: boot it once more, and say so.
  if (run.status == RunStatus::failed && !run.boot_s &&
      read_text(plan.console_log).find("Kernel panic") != std::string::npos) {
    throw_if_interrupted();
    fmt::print(progress, "matrix: {}: the kernel panicked before /init; booting once more\n",
               kernel.label);
    KernelRun again;
    again.label = run.label;
    again.kernel = run.kernel;
    again.image = run.image;
    again.panic_before_init = std::move(run.console_tail);
    fs::remove(plan.console_log);
    fs::remove(plan.result_log);
    plan = qemu_plan(kernel, options, dir);
    again.disk_cache_none = plan.disk_cache_none;
    boot(plan, options, again);
    run = std::move(again);
  }
  fmt::print(progress, "matrix: {}: {} in {:.1f} s{}\n", kernel.label, run_status_name(run.status),
             run.wall_s,
             run.status == RunStatus::ran ? fmt::format(" (command exit {})", run.exit_code)
                                          : ": " + run.problem);
  return run;
}

}  // namespace

std::string_view run_status_name(RunStatus status) {
  switch (status) {
    case RunStatus::ran:
      return "ran";
    case RunStatus::skipped:
      return "skipped";
    case RunStatus::failed:
      return "failed";
    case RunStatus::timed_out:
      return "timed out";
  }
  return "?";
}

void validate(const MatrixOptions& options) {
  if (options.kernels.empty())
    fail(ErrorKind::bad_input, "--kernel: at least one kernel is needed");
  if (options.command.empty()) {
    fail(ErrorKind::bad_input,
         "a command after -- is needed, e.g. `mmtune matrix --kernel debian:6.12-cloud -- run "
         "dio-fork-race`");
  }
  if (options.command[0] == "matrix")
    fail(ErrorKind::bad_input, "the command after -- cannot be matrix itself");
  if (options.numa_nodes < 0 || options.numa_nodes > 8)
    fail(ErrorKind::bad_input, "--numa: {} must be 1..8", options.numa_nodes);
  if (options.numa_distance < 11 || options.numa_distance > 254) {
    fail(ErrorKind::bad_input, "--numa-distance: {} must be 11..254 (10 is local)",
         options.numa_distance);
  }
  if (options.cpus < 1 || options.cpus > 16)
    fail(ErrorKind::bad_input, "--cpus: {} must be 1..16", options.cpus);
  uint64_t nodes = uint64_t(std::max(1, options.numa_nodes));
  if (options.memory_mib < 256 * nodes || options.memory_mib > 16384) {
    fail(ErrorKind::bad_input, "--memory: {} MiB must be 256 MiB per node up to 16 GiB",
         options.memory_mib);
  }
  if (options.stop_signal != "INT" && options.stop_signal != "KILL")
    fail(ErrorKind::internal, "stop signal {} is neither INT nor KILL", options.stop_signal);
  if (options.stop_after && (options.stop_after->count() < 100 ||
                             options.stop_after->count() >= options.timeout.count() * 1000)) {
    fail(ErrorKind::bad_input, "--{}-after: must be at least 100ms and less than --timeout",
         options.stop_signal == "INT" ? "interrupt" : "kill");
  }
  if (options.timeout.count() < 30 || options.timeout.count() > 3600) {
    fail(ErrorKind::bad_input, "--timeout: {} s must be 30..3600 s", options.timeout.count());
  }
  for (const std::string& kernel : options.kernels) parse_kernel_request(kernel);
}

MatrixResult run_matrix(const MatrixOptions& options, std::FILE* progress) {
  validate(options);
  std::vector<KernelRequest> requests;
  for (const std::string& kernel : options.kernels)
    requests.push_back(parse_kernel_request(kernel));
  if (!find_program("qemu-system-x86_64")) {
    fail(ErrorKind::unsupported,
         "qemu-system-x86_64 not found (install qemu-system-x86: scripts/install-deps.sh)");
  }
  if (!find_program("mkfs.ext4"))
    fail(ErrorKind::unsupported, "mkfs.ext4 not found (install e2fsprogs)");

  changes::SignalGuard signals;
  MatrixResult result;
  result.options = options;
  result.options.cache_dir = options.cache_dir.empty() ? default_cache_dir() : options.cache_dir;
  CommandResult version =
      run_command({"qemu-system-x86_64", "--version"}, std::chrono::seconds(20));
  result.qemu_version = std::string(probes::trim(version.out.substr(0, version.out.find('\n'))));

  fs::path scratch_root = result.options.cache_dir / ".scratch";
  fs::create_directories(scratch_root);
  sweep_stale_scratch(scratch_root);
  RemoveTree scratch{scratch_root / fmt::format("run-{}", ::getpid())};

  for (size_t i = 0; i < requests.size(); ++i) {
    throw_if_interrupted();
    KernelOutcome outcome = obtain_kernel(requests[i], result.options.cache_dir, progress);
    if (!outcome.kernel) {
      fmt::print(progress, "matrix: {}: skipped: {}\n", requests[i].text, outcome.problem);
      KernelRun skipped;
      skipped.label = requests[i].text;
      skipped.problem = outcome.problem;
      result.runs.push_back(std::move(skipped));
      continue;
    }
    result.runs.push_back(
        boot_one(*outcome.kernel, options, scratch.path / std::to_string(i), progress));
  }
  return result;
}

int matrix_exit_code(const MatrixResult& result) {
  bool any_result = false, check_failed = false, bad_arguments = false;
  const int stopped_exit = result.options.stop_signal == "INT" ? 130 : 137;
  for (const KernelRun& run : result.runs) {
    if (run.status == RunStatus::failed || run.status == RunStatus::timed_out) check_failed = true;
    if (run.status != RunStatus::ran) continue;
    if (run.leftovers && !run.leftovers->empty()) check_failed = true;
    if (run.exit_code == 1) check_failed = true;
    if (run.exit_code == 2) bad_arguments = true;
    if (run.exit_code == 0 || run.exit_code == 1) any_result = true;
    if (result.options.stop_after && run.exit_code == stopped_exit) any_result = true;
  }
  if (check_failed) return 1;
  if (bad_arguments) return 2;
  return any_result ? 0 : 3;
}

}  // namespace mmtune::matrix
