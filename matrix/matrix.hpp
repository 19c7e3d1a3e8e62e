#pragma once
// `mmtune matrix`: the same mmtune command on other kernels, booted one after another under QEMU
// with full emulation (TCG), compared side by side — "what will this kernel upgrade do to us?".
//
// For each --kernel: obtain it (kernels.hpp), build an initramfs holding this mmtune binary
// (initramfs.hpp), make a fresh ext4 scratch disk so O_DIRECT has a real block device under it,
// boot, run the command, read its output back over the second serial port (guest.hpp), remove
// everything. One kernel that cannot be had or does not boot is reported and the others still run.
//
// Everything measured in a guest is measured under emulation: TCG runs several times slower than
// the host, and emulated NUMA nodes have no remote-access penalty (the distance table is only a
// table). Results say so; they are evidence for correctness (data loss, placement, policy), not
// for performance tuning.
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "matrix/initramfs.hpp"
#include "matrix/kernels.hpp"

namespace mmtune::matrix {

struct MatrixOptions {
  std::vector<std::string> kernels;   // --kernel, in order
  std::vector<std::string> command;   // after --: "run dio-fork-race --tries 2000"
  int numa_nodes = 0;                 // --numa N (0 or 1: one node)
  int numa_distance = 21;             // --numa-distance: SLIT value between different nodes
  uint64_t memory_mib = 2048;         // --memory, per guest (split evenly over the nodes)
  int cpus = 2;                       // --cpus
  std::chrono::seconds timeout{300};  // --timeout, per kernel: boot + command
  // The guest's ext4 scratch disk (sparse on the host): room for dirty-flood's slow device at
  // its defaults (the image holds what the device wrote, and 1 GiB is kept free).
  uint64_t disk_mib = 4096;
  std::filesystem::path cache_dir;  // --cache; empty = default_cache_dir()
  // --interrupt-after / --kill-after: SIGINT or SIGKILL to the command after this long (a kill is
  // followed by `mmtune restore` in the guest); the run is then judged by what it left behind.
  std::optional<std::chrono::milliseconds> stop_after;
  std::string stop_signal = "KILL";  // "INT" or "KILL"
};

// Throws Error{bad_input} naming the option for anything out of range (before anything runs).
void validate(const MatrixOptions& options);

enum class RunStatus {
  ran,        // the guest ran the command and sent its results
  skipped,    // the kernel could not be had or lacks what the guest needs
  failed,     // the guest booted but sent no complete results (crash, panic)
  timed_out,  // the per-kernel time limit passed
};

struct KernelRun {
  std::string label;  // the --kernel text
  std::optional<Kernel> kernel;
  RunStatus status = RunStatus::skipped;
  std::string problem;                   // why skipped or failed
  int exit_code = -1;                    // the guest command's exit code
  std::string out, err;                  // its stdout and stderr
  std::optional<nlohmann::json> result;  // its JSON result, when it printed one
  std::string guest_cmdline;
  GuestImage image;
  std::optional<double> boot_s;     // guest uptime when /init started
  std::optional<double> command_s;  // the command's run time (guest clock)
  double wall_s = 0;                // launch to exit of QEMU (host clock)
  bool disk_cache_none = false;
  std::vector<std::string> kernel_warnings;  // WARNING:/BUG:/Oops: lines of the guest's dmesg
  std::string console_tail;                  // the last console lines, when something went wrong
  // A boot whose kernel panicked before /init (nothing of mmtune had run) is booted once more;
  // the panic's last console lines, when that happened.
  std::string panic_before_init;
  // What the command changed and did not take back: lines of the guest's before/after listing
  // ("+/sys/fs/cgroup/mmtune-75"); empty when nothing; nullopt when the guest sent none.
  std::optional<std::vector<std::string>> leftovers;
  std::string restore_out;  // `mmtune restore` after a kill
};

struct MatrixResult {
  MatrixOptions options;
  std::vector<KernelRun> runs;
  std::string qemu_version;
};

// Runs every kernel; progress lines go to `progress`. Throws Error{unsupported} when QEMU or
// mkfs.ext4 is missing (nothing can run), Error{interrupted} after cleaning up on Ctrl-C.
MatrixResult run_matrix(const MatrixOptions& options, std::FILE* progress);

std::string_view run_status_name(RunStatus status);

// 1 when a guest command reported a failed check (exit 1), left something behind, or a guest
// crashed or timed out; 3 when no kernel produced a result; 2 when a guest command rejected its
// arguments; else 0. A command stopped on purpose (--interrupt-after, --kill-after) counts as a
// result when it ended by that signal (exit 130 or 137).
int matrix_exit_code(const MatrixResult& result);

}  // namespace mmtune::matrix
