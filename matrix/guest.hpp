#pragma once
// The guest side of one matrix run, as data: the /init script the initramfs carries, the QEMU
// command line, and the parser of the result channel. Pure, so each is tested on text.
//
// The result channel is the guest's second serial port (ttyS1), which QEMU writes to its own
// file: the kernel's console and the command's stderr go to ttyS0, so nothing the kernel prints
// can land among the results. Each piece is framed as "@@mmtune-matrix NAME BYTES\n" followed by
// exactly BYTES raw bytes (the port is in raw mode, so "\n" is not turned into "\r\n"); the last
// frame is "end". A missing "end" means the guest died or ran out of time.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::matrix {

inline constexpr std::string_view kFrameMark = "@@mmtune-matrix ";
inline constexpr std::string_view kGuestBinary = "/usr/bin/mmtune";
inline constexpr std::string_view kGuestJsonPath = "/tmp/mmtune-out/json";

struct InitPlan {
  std::vector<std::string> insmod_paths;  // archive paths in load order
  std::vector<std::string> library_dirs;  // LD_LIBRARY_PATH for the copied shared libraries
  std::vector<std::string> command;       // argv inside the guest; command[0] is kGuestBinary
  int command_timeout_s = 240;  // SIGTERM to the command after this (the runner cleans up)
  bool scratch_disk = true;     // mount /dev/vda (ext4) on /scratch and run there
  // Stopping the command midway (the Ctrl-C and kill -9 tests): stop_signal ("INT" or "KILL")
  // after stop_after_s; after a KILL, `mmtune restore` runs, as a user would run it.
  std::optional<double> stop_after_s;
  std::string stop_signal = "KILL";
};

// Single-quotes text for /bin/sh.
std::string shell_quote(std::string_view text);
// The busybox /init: mounts, insmods, runs the command, sends the frames over ttyS1, powers off.
// Before and after the command it lists what mmtune may change (cgroups and the root's
// cgroup.subtree_control, swap areas, mounts, block devices, the vm settings it sets, trace
// instances, files in /scratch and /var/lib/mmtune); the frame "leftovers" holds the lines that
// differ ("+" new, "-" gone), empty when the run left nothing behind.
std::string render_init_script(const InitPlan& plan);

struct QemuPlan {
  std::filesystem::path qemu = "qemu-system-x86_64";
  std::filesystem::path vmlinuz, initramfs, disk, console_log, result_log;
  uint64_t memory_mib = 2048;
  int cpus = 2;
  int numa_nodes = 0;  // 0: no NUMA topology (one node); ≥ 2: that many emulated nodes
  int numa_remote_distance = 21;
  bool disk_cache_none = true;  // host O_DIRECT on the image (needs a host filesystem that has it)
  std::string kernel_cmdline_extra;
};

// MiB of guest memory on each emulated node: the memory divided evenly, in whole MiB.
uint64_t numa_node_mib(const QemuPlan& plan);
// TCG always: on this machine kind /dev/kvm is PVM, which cannot run Debian's kernels.
std::vector<std::string> qemu_argv(const QemuPlan& plan);

struct ChannelContent {
  std::map<std::string, std::string, std::less<>>
      sections;         // "stdout", "stderr", "exit", "json", …
  bool ended = false;   // the "end" frame arrived: the guest finished its script
  std::string problem;  // a frame cut short or malformed
};
ChannelContent parse_channel(std::string_view bytes);

}  // namespace mmtune::matrix
