#include "workloads/worker.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <string_view>
#include <thread>

#include "changes/signal_guard.hpp"
#include "facts/error.hpp"
#include "workloads/session.hpp"

namespace mmtune::workloads {
namespace {

bool write_all(const std::string& path, std::string_view text) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return false;
  bool ok = ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
  ::close(fd);
  return ok;
}

}  // namespace

pid_t spawn_worker(const WorkerBody& body, const std::optional<std::string>& cgroup_procs) {
  const pid_t parent = ::getpid();
  const pid_t pid = changes::SignalGuard::fork();
  if (pid < 0) fail(ErrorKind::internal, "fork: {}", std::strerror(errno));
  if (pid > 0) return pid;
  ::prctl(PR_SET_PDEATHSIG, SIGKILL);
  if (::getppid() != parent) ::_exit(126);
  if (cgroup_procs && !write_all(*cgroup_procs, std::to_string(::getpid()))) ::_exit(125);
  int status = 1;
  try {
    status = body();
  } catch (...) {
    status = 1;
  }
  ::_exit(status);
}

std::optional<WorkerExit> reap_worker(pid_t pid, std::optional<double> timeout_s) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::duration<double>(timeout_s.value_or(0));
  for (;;) {
    WorkerExit out;
    out.pid = pid;
    int status = 0;
    pid_t got = ::wait4(pid, &status, timeout_s ? WNOHANG : 0, &out.usage);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) fail(ErrorKind::internal, "wait for worker {}: {}", pid, std::strerror(errno));
    if (got == pid) {
      out.end_ns = monotonic_ns();
      out.exited = WIFEXITED(status);
      out.code = out.exited ? WEXITSTATUS(status) : 0;
      out.signal = WIFSIGNALED(status) ? WTERMSIG(status) : 0;
      return out;
    }
    if (std::chrono::steady_clock::now() >= deadline) return std::nullopt;
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

WorkerExit kill_worker(pid_t pid) {
  ::kill(pid, SIGKILL);
  return *reap_worker(pid);
}

SharedBytes::SharedBytes(size_t bytes) : bytes_(bytes) {
  void* p = ::mmap(nullptr, bytes, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED)
    fail(ErrorKind::unsupported, "mmap of {} shared bytes: {}", bytes, std::strerror(errno));
  data_ = p;
  std::memset(data_, 0, bytes_);  // charged here, to the workload's own cgroup
}

SharedBytes::~SharedBytes() {
  if (data_) ::munmap(data_, bytes_);
}

}  // namespace mmtune::workloads
