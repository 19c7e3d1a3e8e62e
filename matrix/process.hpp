#pragma once
// Running the helper programs the matrix needs (apt-cache, apt-get, dpkg, depmod, ldd, xz,
// mkfs.ext4, qemu-system-x86_64) without a shell: argv in, exit code and output out, bounded in
// time, and stoppable by Ctrl-C. Every child gets PR_SET_PDEATHSIG, so a kill -9 of mmtune never
// leaves a QEMU behind.
#include <chrono>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::matrix {

struct CommandResult {
  int exit_code = 0;       // the child's exit code; 128 + signal when it was killed
  bool timed_out = false;  // killed because the time limit passed
  std::string out, err;
};

// Runs argv[0] (looked up in PATH, /usr/sbin and /sbin) with stdin from /dev/null in cwd (empty:
// the current directory), keeping at most max_capture_bytes of each output stream. Throws
// Error{internal} when it cannot be started, Error{interrupted} (after killing the child) when
// SIGINT or SIGTERM arrived under a changes::SignalGuard.
CommandResult run_command(const std::vector<std::string>& argv,
                          std::chrono::milliseconds timeout = std::chrono::minutes(10),
                          const std::filesystem::path& cwd = {},
                          size_t max_capture_bytes = 4u << 20);

// The full path of a program, searched in PATH and then in /usr/sbin and /sbin (depmod lives
// there, and a non-root PATH often lacks them); nullopt when absent.
std::optional<std::filesystem::path> find_program(std::string_view name);

// The last non-empty line of a program's stderr (or stdout), for one-line error messages.
std::string last_line(const CommandResult& result);

// The lines of a program's output, each trimmed of surrounding blanks.
std::vector<std::string_view> trimmed_lines(std::string_view output);

// A whole file as bytes; "" when it cannot be read (a guest's log that was never written).
std::string read_text(const std::filesystem::path& path);

// Throws Error{interrupted} when SIGINT or SIGTERM arrived under a changes::SignalGuard.
void throw_if_interrupted();

}  // namespace mmtune::matrix
