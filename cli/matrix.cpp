// `mmtune matrix --kernel K [--kernel K…] [--numa N] [--json FILE] -- COMMAND…`: the command on
// each kernel under QEMU, one comparison table (see matrix/matrix.hpp).
#include "matrix/matrix.hpp"

#include <fmt/format.h>

#include <fstream>

#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "facts/error.hpp"
#include "matrix/report.hpp"

namespace mmtune::cli {
namespace {

struct MatrixArgs {
  std::vector<std::string> kernels, command;
  int numa = 0, numa_distance = 21, cpus = 2;
  std::string memory = "2GiB", timeout = "300s", cache, json;
  std::string interrupt_after, kill_after;
};

// Guest memory in whole MiB.
uint64_t memory_mib(const std::string& text) {
  const uint64_t bytes = size_option("--memory", text, 1u << 20);
  if (bytes % (1u << 20) != 0)
    fail(ErrorKind::bad_input, "--memory: \"{}\" must be a whole number of MiB", text);
  return bytes >> 20;
}

std::chrono::milliseconds stop_after(std::string_view option, const std::string& text) {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
      duration_option(option, text, std::chrono::milliseconds(100)));
}

}  // namespace

Action attach_matrix(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<MatrixArgs>();
  sub.add_option("--kernel", args->kernels,
                 "debian:NAME (debian:6.1-cloud, debian:6.12-cloud, debian:linux-image-…) or "
                 "PATH/TO/vmlinuz[:MODULES-DIR]; repeat for several")
      ->type_name("KERNEL")
      ->required()
      // One value per --kernel: otherwise the "--" before the command only ends the list of
      // kernels, and the command's own --options are taken for the matrix's.
      ->allow_extra_args(false);
  sub.add_option("--numa", args->numa, "Emulated NUMA nodes in each guest (0 or 1: one node)")
      ->type_name("N");
  sub.add_option("--numa-distance", args->numa_distance,
                 "SLIT distance between different emulated nodes")
      ->type_name("D")
      ->capture_default_str();
  sub.add_option("--memory", args->memory, "Guest memory, split evenly over the nodes")
      ->type_name("SIZE")
      ->capture_default_str();
  sub.add_option("--cpus", args->cpus, "Guest CPUs")->type_name("N")->capture_default_str();
  sub.add_option("--timeout", args->timeout, "Time limit per kernel: boot plus command")
      ->type_name("DURATION")
      ->capture_default_str();
  sub.add_option("--cache", args->cache,
                 "Where Debian kernels are unpacked (default /var/cache/mmtune/kernels as root)")
      ->type_name("DIR");
  sub.add_option("--interrupt-after", args->interrupt_after,
                 "Send SIGINT (Ctrl-C) to the command after DURATION, then report what it left "
                 "behind")
      ->type_name("DURATION");
  sub.add_option("--kill-after", args->kill_after,
                 "Send SIGKILL to the command after DURATION, run `mmtune restore`, then report "
                 "what was left behind")
      ->type_name("DURATION");
  sub.add_option("--json", args->json,
                 "Write everything (each kernel's full result) as JSON to FILE ('-' = stdout)")
      ->type_name("FILE");
  sub.add_option("command", args->command,
                 "The mmtune command to run in each guest, after --: run, scenario, check")
      ->type_name("-- COMMAND");
  sub.footer(
      "Example: mmtune matrix --kernel debian:6.1-cloud --kernel debian:6.12-cloud -- run "
      "dio-fork-race\n"
      "Guests run under QEMU with full emulation (TCG): results are evidence for correctness, not "
      "for tuning.");
  return [args, &globals](const Io& io) {
    (void)globals;
    matrix::MatrixOptions options;
    options.kernels = args->kernels;
    options.command = args->command;
    options.numa_nodes = args->numa;
    options.numa_distance = args->numa_distance;
    options.memory_mib = memory_mib(args->memory);
    options.cpus = args->cpus;
    options.timeout = std::chrono::duration_cast<std::chrono::seconds>(
        duration_option("--timeout", args->timeout, std::chrono::seconds(1)));
    options.cache_dir = args->cache;
    if (!args->interrupt_after.empty() && !args->kill_after.empty())
      fail(ErrorKind::bad_input, "--interrupt-after and --kill-after: give one of them");
    if (!args->interrupt_after.empty()) {
      options.stop_after = stop_after("--interrupt-after", args->interrupt_after);
      options.stop_signal = "INT";
    }
    if (!args->kill_after.empty())
      options.stop_after = stop_after("--kill-after", args->kill_after);
    matrix::validate(options);
    std::ofstream json_file;
    if (!args->json.empty() && args->json != "-") {
      json_file.open(args->json, std::ios::trunc);
      if (!json_file) fail(ErrorKind::bad_input, "--json: cannot write \"{}\"", args->json);
    }
    matrix::MatrixResult result = matrix::run_matrix(options, io.err);
    if (args->json == "-") {
      fmt::print(io.out, "{}\n", matrix::matrix_json(result).dump(2));
    } else {
      fmt::print(io.out, "{}", matrix::render_table(result));
      if (json_file.is_open()) json_file << matrix::matrix_json(result).dump(2) << "\n";
    }
    int code = matrix::matrix_exit_code(result);
    if (code == 3) {
      fail(ErrorKind::unsupported, "no kernel could run the command (see the reasons above)");
    }
    return code;
  };
}

}  // namespace mmtune::cli
