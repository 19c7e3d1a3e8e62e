#include "matrix/process.hpp"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "facts/error.hpp"

namespace mmtune::matrix {
namespace {

std::atomic<bool> g_interrupted{false};

// Internal linkage: no clash with the other signal handlers linked into mmtune.
void on_interrupt(int) { g_interrupted.store(true); }

struct SavedHandlers {
  struct sigaction interrupt, terminate;
};
SavedHandlers g_saved;
int g_guard_depth = 0;

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

}  // namespace

InterruptGuard::InterruptGuard() {
  if (g_guard_depth++ > 0) return;
  g_interrupted.store(false);
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  ::sigaction(SIGINT, &action, &g_saved.interrupt);
  ::sigaction(SIGTERM, &action, &g_saved.terminate);
}

InterruptGuard::~InterruptGuard() {
  if (--g_guard_depth > 0) return;
  ::sigaction(SIGINT, &g_saved.interrupt, nullptr);
  ::sigaction(SIGTERM, &g_saved.terminate, nullptr);
}

bool interrupt_requested() { return g_interrupted.load(); }

void throw_if_interrupted() {
  if (interrupt_requested())
    fail(ErrorKind::interrupted, "stopped by a signal; QEMU and scratch files were removed");
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
                          const std::filesystem::path& cwd_path, size_t max_capture_bytes) {
  if (argv.empty()) fail(ErrorKind::internal, "run_command: empty argv");
  std::optional<std::filesystem::path> program = find_program(argv[0]);
  if (!program) fail(ErrorKind::internal, "{}: not found in PATH", argv[0]);

  // Everything the child touches is prepared before fork(): after it only async-signal-safe calls.
  std::vector<char*> args;
  for (const std::string& arg : argv) args.push_back(const_cast<char*>(arg.c_str()));
  args.push_back(nullptr);
  std::string program_path = program->string();
  std::string cwd = cwd_path.string();

  int out_pipe[2], err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0 || ::pipe2(err_pipe, O_CLOEXEC) != 0)
    fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
  pid_t parent = ::getpid();
  pid_t pid = ::fork();
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

  CommandResult result;
  auto deadline = std::chrono::steady_clock::now() + timeout;
  bool out_open = true, err_open = true;
  while (out_open || err_open) {
    if (interrupt_requested()) {
      kill_and_reap(pid);
      ::close(out_pipe[0]);
      ::close(err_pipe[0]);
      throw_if_interrupted();
    }
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      result.timed_out = true;
      break;
    }
    pollfd fds[2] = {{out_open ? out_pipe[0] : -1, POLLIN, 0},
                     {err_open ? err_pipe[0] : -1, POLLIN, 0}};
    int ready = ::poll(fds, 2, int(std::min<long long>(left.count(), 200)));
    if (ready < 0 && errno != EINTR) fail(ErrorKind::internal, "poll: {}", std::strerror(errno));
    if (ready <= 0) continue;
    if (out_open && fds[0].revents) drain(out_pipe[0], result.out, max_capture_bytes, out_open);
    if (err_open && fds[1].revents) drain(err_pipe[0], result.err, max_capture_bytes, err_open);
  }
  ::close(out_pipe[0]);
  ::close(err_pipe[0]);

  int status = 0;
  if (result.timed_out) {
    status = kill_and_reap(pid);
  } else {
    // Both pipes closed; the child may still be exiting. Poll so a Ctrl-C or the deadline still
    // counts.
    while (true) {
      pid_t done = ::waitpid(pid, &status, WNOHANG);
      if (done == pid) break;
      if (done < 0 && errno != EINTR)
        fail(ErrorKind::internal, "waitpid: {}", std::strerror(errno));
      if (interrupt_requested()) {
        kill_and_reap(pid);
        throw_if_interrupted();
      }
      if (std::chrono::steady_clock::now() > deadline) {
        result.timed_out = true;
        status = kill_and_reap(pid);
        break;
      }
      ::usleep(10000);
    }
  }
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return result;
}

}  // namespace mmtune::matrix
