#include "matrix/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>

#include "changes/signal_guard.hpp"
#include "facts/error.hpp"
#include "probes/parsers.hpp"

namespace mmtune::matrix {
namespace {

using Clock = std::chrono::steady_clock;

bool interrupted() { return changes::SignalGuard::received() != 0; }

void drain(int fd, std::string& into, size_t limit, bool& open) {
  char buffer[65536];
  ssize_t n = ::read(fd, buffer, sizeof buffer);
  if (n > 0) {
    size_t room = limit > into.size() ? limit - into.size() : 0;
    into.append(buffer, std::min(room, size_t(n)));
  } else if (n == 0 || (errno != EINTR && errno != EAGAIN)) {
    open = false;
  }
}

// Kills the child's whole process group (QEMU's helper threads are threads, but apt-get forks
// methods), then reaps it.
int kill_and_reap(pid_t pid) {
  ::kill(-pid, SIGKILL);
  ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return status;
}

// A started program: its pid and the read ends of its stdout and stderr.
struct Started {
  pid_t pid = -1;
  int out = -1, err = -1;
};

// Forks and execs in a process group of its own, stdin from /dev/null, dying with mmtune.
Started start(const std::filesystem::path& program, const std::vector<std::string>& argv,
              const std::filesystem::path& cwd_path) {
  // Everything the child touches is prepared before fork(): after it only async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::string program_path = program.string();
  std::string cwd = cwd_path.string();

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
  pid_t parent = ::getpid();
  pid_t pid = changes::SignalGuard::fork();
  if (pid < 0) fail(ErrorKind::internal, "fork: {}", std::strerror(errno));
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::signal(SIGINT, SIG_DFL);
    ::signal(SIGTERM, SIG_DFL);
    int null_fd = ::open("/dev/null", O_RDONLY);
    ::dup2(null_fd, 0);
    ::dup2(out_pipe[1], 1);
    ::dup2(err_pipe[1], 2);
    if (!cwd.empty() && ::chdir(cwd.c_str()) != 0) ::_exit(126);
    ::execv(program_path.c_str(), args.data());
    ::_exit(127);
  }
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  return {pid, out_pipe[0], err_pipe[0]};
}

// Reads both streams until they close or the deadline passes (then result.timed_out); on a signal
// kills the child and throws.
void collect_output(const Started& child, Clock::time_point deadline, size_t max_capture_bytes,
                    CommandResult& result) {
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    if (interrupted()) {
      kill_and_reap(child.pid);
      ::close(child.out);
      ::close(child.err);
      throw_if_interrupted();
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[3] = {{out_open ? child.out : -1, POLLIN, 0},
                     {err_open ? child.err : -1, POLLIN, 0},
                     {changes::SignalGuard::wake_fd(), POLLIN, 0}};
    int ready = ::poll(fds, 3, int(std::min<long long>(left.count(), 200)));
    if (ready < 0 && errno != EINTR) fail(ErrorKind::internal, "poll: {}", std::strerror(errno));
    if (ready <= 0) continue;
    if (out_open && fds[0].revents) drain(child.out, result.out, max_capture_bytes, out_open);
    if (err_open && fds[1].revents) drain(child.err, result.err, max_capture_bytes, err_open);
  }
  ::close(child.out);
  ::close(child.err);
}

// Both pipes closed; the child may still be exiting. Polls, so a signal or the deadline still
// counts. The wait status.
int wait_for_exit(pid_t pid, Clock::time_point deadline, CommandResult& result) {
  int status = 0;
  while (true) {
    pid_t done = ::waitpid(pid, &status, WNOHANG);
    if (done == pid) return status;
    if (done < 0 && errno != EINTR) fail(ErrorKind::internal, "waitpid: {}", std::strerror(errno));
    if (interrupted()) {
      kill_and_reap(pid);
      throw_if_interrupted();
    }
    if (Clock::now() > deadline) {
      result.timed_out = true;
      return kill_and_reap(pid);
    }
    ::usleep(10000);
  }
}

}  // namespace

void throw_if_interrupted() {
  if (interrupted())
    fail(ErrorKind::interrupted, "stopped by a signal; QEMU and scratch files were removed");
}

std::vector<std::string_view> trimmed_lines(std::string_view output) {
  std::vector<std::string_view> lines;
  size_t start = 0;
  while (start < output.size()) {
    size_t end = output.find('\n', start);
    if (end == std::string_view::npos) end = output.size();
    lines.push_back(probes::trim(output.substr(start, end - start)));
    start = end + 1;
  }
  return lines;
}

std::optional<std::filesystem::path> find_program(std::string_view name) {
  if (name.find('/') != std::string_view::npos) {
    std::filesystem::path path(name);
    if (::access(path.c_str(), X_OK) == 0) return path;
    return std::nullopt;
  }
  std::string dirs = std::getenv("PATH") ? std::getenv("PATH") : "/usr/local/bin:/usr/bin:/bin";
  dirs += ":/usr/sbin:/sbin";
  size_t start = 0;
  while (start <= dirs.size()) {
    size_t end = dirs.find(':', start);
    if (end == std::string::npos) end = dirs.size();
    std::string dir = dirs.substr(start, end - start);
    if (!dir.empty()) {
      std::filesystem::path candidate = std::filesystem::path(dir) / name;
      if (::access(candidate.c_str(), X_OK) == 0) return candidate;
    }
    start = end + 1;
  }
  return std::nullopt;
}

std::string last_line(const CommandResult& result) {
  for (const std::string* text : {&result.err, &result.out}) {
    std::string_view view = *text;
    while (!view.empty()) {
      size_t end = view.find_last_not_of(" \t\r\n");
      if (end == std::string_view::npos) break;
      view = view.substr(0, end + 1);
      size_t start = view.find_last_of('\n');
      std::string_view line = start == std::string_view::npos ? view : view.substr(start + 1);
      if (!line.empty()) return std::string(line);
    }
  }
  return result.timed_out ? "timed out" : "no output";
}

CommandResult run_command(const std::vector<std::string>& argv, std::chrono::milliseconds timeout,
                          const std::filesystem::path& cwd, size_t max_capture_bytes) {
  if (argv.empty()) fail(ErrorKind::internal, "run_command: empty argv");
  std::optional<std::filesystem::path> program = find_program(argv[0]);
  if (!program) fail(ErrorKind::internal, "{}: not found in PATH", argv[0]);
  const Started child = start(*program, argv, cwd);
  const Clock::time_point deadline = Clock::now() + timeout;
  CommandResult result;
  collect_output(child, deadline, max_capture_bytes, result);
  int status =
      result.timed_out ? kill_and_reap(child.pid) : wait_for_exit(child.pid, deadline, result);
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

std::string read_text(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

}  // namespace mmtune::matrix
