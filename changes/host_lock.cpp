#include "changes/host_lock.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"

namespace mmtune::changes {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr auto kPoll = std::chrono::milliseconds(50);

// The descriptor of the lock this process holds (flock locks belong to an open file: a second
// open in the same process would wait for itself), and how many handles share it.
int held_fd = -1;
int held_count = 0;

std::string read_all(int fd) {
  std::string text;
  char buffer[1024];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return text;
    text.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
}

HostHolder parse_holder(const std::string& text) {
  HostHolder holder;
  json j = json::parse(text, nullptr, false);
  if (!j.is_object()) return holder;
  if (j.contains("pid") && j["pid"].is_number_integer()) holder.pid = j["pid"].get<int>();
  if (j.contains("command") && j["command"].is_string()) holder.command = j["command"];
  if (j.contains("since") && j["since"].is_string()) holder.since = j["since"];
  return holder;
}

// The holder as its file says. A holder writes right after taking the lock, so an empty file is
// read again for a moment before it counts as "not said".
HostHolder read_holder(int fd) {
  HostHolder holder;
  for (int attempt = 0; attempt < 10; ++attempt) {
    holder = parse_holder(read_all(fd));
    if (holder.pid != 0) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  return holder;
}

void write_holder(int fd, std::string_view command) {
  const std::string text =
      json{{"pid", ::getpid()}, {"command", command}, {"since", facts::utc_now()}}.dump() + "\n";
  // Best effort: the lock is what excludes; the text only names the holder to whoever waits.
  ssize_t written = ::ftruncate(fd, 0) == 0 ? ::pwrite(fd, text.data(), text.size(), 0) : -1;
  (void)written;
}

int open_lock_file(const fs::path& path) {
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0)
    fail(ErrorKind::unsupported, "cannot open the host lock {}: {}", path.string(),
         std::strerror(errno));
  return fd;
}

bool try_lock(int fd) {
  for (;;) {
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
    if (errno != EINTR) return false;
  }
}

}  // namespace

fs::path default_host_lock_path() {
  if (const char* path = std::getenv("MMTUNE_HOST_LOCK"); path && *path) return path;
  if (::geteuid() == 0) return "/run/mmtune/host.lock";
  if (const char* dir = std::getenv("XDG_RUNTIME_DIR"); dir && *dir)
    return fs::path(dir) / "mmtune/host.lock";
  return fs::path("/tmp") / fmt::format("mmtune-{}", ::geteuid()) / "host.lock";
}

std::string describe(const HostHolder& holder) {
  if (holder.pid == 0) return "another mmtune";
  std::string text = fmt::format("mmtune pid {}", holder.pid);
  if (!holder.command.empty()) text += fmt::format(" ({})", holder.command);
  return process_running(holder.pid) ? text : "the workload of ended " + text;
}

std::optional<HostHolder> host_holder(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::optional<HostHolder> holder;
  if (::flock(fd, LOCK_SH | LOCK_NB) == 0) {
    ::flock(fd, LOCK_UN);
  } else {
    holder = read_holder(fd);
  }
  ::close(fd);
  return holder;
}

HostLock HostLock::acquire(std::string_view command, HostLockWait wait, std::FILE* progress,
                           const std::function<bool()>& stop, const fs::path& path) {
  if (held_fd >= 0) {
    ++held_count;
    return HostLock(path, -1, ::getpid());
  }
  const int fd = open_lock_file(path);
  const auto start = std::chrono::steady_clock::now();
  int announced_pid = -1;
  while (!try_lock(fd)) {
    const HostHolder holder = read_holder(fd);
    const bool may_wait = wait.limit > std::chrono::nanoseconds::zero() &&
                          (wait.limit == std::chrono::nanoseconds::max() ||
                           std::chrono::steady_clock::now() - start < wait.limit);
    if (!may_wait) {
      ::close(fd);
      if (wait.limit == std::chrono::nanoseconds::zero())
        fail(ErrorKind::unsupported, "{} holds the host; --wait[=DURATION] waits for it",
             describe(holder));
      fail(ErrorKind::unsupported, "{} still holds the host after --wait={}", describe(holder),
           facts::format_duration(wait.limit));
    }
    if (stop && stop()) {
      ::close(fd);
      fail(ErrorKind::interrupted, "while waiting for the host");
    }
    if (holder.pid != announced_pid && progress) {
      fmt::print(progress, "waiting for {} that holds the host\n", describe(holder));
      std::fflush(progress);
      announced_pid = holder.pid;
    }
    std::this_thread::sleep_for(kPoll);
  }
  write_holder(fd, command);
  held_fd = fd;
  held_count = 1;
  return HostLock(path, fd, ::getpid());
}

HostLock::HostLock(fs::path path, int fd, int owner_pid)
    : path_(std::move(path)), fd_(fd), owner_pid_(owner_pid) {}

HostLock::HostLock(HostLock&& other) noexcept
    : path_(std::move(other.path_)), fd_(other.fd_), owner_pid_(other.owner_pid_) {
  other.fd_ = -1;
  other.owner_pid_ = 0;
}

HostLock::~HostLock() {
  if (owner_pid_ == 0 || owner_pid_ != ::getpid()) {  // moved from, or a forked child's copy
    return;
  }
  if (--held_count > 0) return;
  const int fd = held_fd;
  held_fd = -1;
  if (fd < 0) return;
  // Empty the file first: a reader between the two steps sees a free lock or no holder, never a
  // holder that has gone.
  int emptied = ::ftruncate(fd, 0);  // if it fails, the next holder overwrites the text
  (void)emptied;
  ::flock(fd, LOCK_UN);
  ::close(fd);
}

}  // namespace mmtune::changes
