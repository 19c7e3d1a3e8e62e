#include "changes/trace_instance.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "probes/tracefs.hpp"

namespace mmtune::changes {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kBufferKiBPerCpu = "512";

bool tracefs_known(const probes::HostFs& fs) {
  std::string filesystems = fs.read("proc/filesystems").value_or("");
  return filesystems.find("\ttracefs\n") != std::string::npos;
}

void write_file(const fs::path& path, std::string_view value) {
  int fd = ::open(path.c_str(), O_WRONLY | O_TRUNC | O_CLOEXEC);
  if (fd < 0) fail(ErrorKind::unsupported, "{}: {}", path.string(), std::strerror(errno));
  ssize_t n = ::write(fd, value.data(), value.size());
  int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    fail(ErrorKind::unsupported, "{}: the kernel rejected \"{}\": {}", path.string(), value,
         n < 0 ? std::strerror(saved) : "short write");
  }
}

}  // namespace

std::optional<std::string> tracing_unsupported(const probes::HostFs& fs, std::string_view event) {
  if (!fs.is_live()) return "tracepoints are read only on the live host";
  if (::geteuid() != 0) return "reading the kernel's tracepoints needs root";
  auto mount = probes::tracefs_mount_point(fs.read("proc/self/mountinfo").value_or(""));
  if (!mount && !tracefs_known(fs)) return "the kernel has no tracefs (CONFIG_TRACING)";
  if (mount && !fs.exists(fmt::format("{}/events/{}", *mount, event)))
    return fmt::format("the kernel has no tracepoint {}", event);
  return std::nullopt;
}

TraceInstance::TraceInstance(Journal& journal, std::string_view name, std::string_view event)
    : event_(event) {
  if (auto why = tracing_unsupported(journal.fs(), event)) fail(ErrorKind::unsupported, "{}", *why);
  if (auto mount =
          probes::tracefs_mount_point(journal.fs().read("proc/self/mountinfo").value_or(""))) {
    mount_ = *mount;
  } else {
    // A tracefs of our own beside the journal: every mount of tracefs shows the same instances,
    // so this one is only a way in, and is taken away after the instance.
    own_mount_ = journal.file().parent_path() / fmt::format("mmtune-tracefs-{}", ::getpid());
    journal.track_temp_dir(own_mount_);
    std::error_code ec;
    fs::create_directory(own_mount_, ec);
    journal.track_mount(own_mount_);
    if (::mount("nodev", own_mount_.c_str(), "tracefs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
                nullptr) != 0) {
      fail(ErrorKind::unsupported, "mount -t tracefs on {}: {}", own_mount_.string(),
           std::strerror(errno));
    }
    mount_ = own_mount_;
  }
  if (!fs::exists(mount_ / "events" / event)) {
    remove();
    fail(ErrorKind::unsupported, "the kernel has no tracepoint {}", event);
  }
  dir_ = mount_ / "instances" / name;
  journal.track_trace_instance(dir_);
  if (::mkdir(dir_.c_str(), 0700) != 0) {
    int saved = errno;
    dir_.clear();
    remove();
    fail(ErrorKind::unsupported, "cannot make the trace instance {}: {}",
         (mount_ / "instances" / name).string(), std::strerror(saved));
  }
  try {
    write("buffer_size_kb", kBufferKiBPerCpu);
    write("trace_clock", "mono");
    pipe_fd_ = ::open((dir_ / "trace_pipe").c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    if (pipe_fd_ < 0)
      fail(ErrorKind::unsupported, "{}/trace_pipe: {}", dir_.string(), std::strerror(errno));
  } catch (...) {
    remove();
    throw;
  }
}

TraceInstance::~TraceInstance() { remove(); }

void TraceInstance::write(std::string_view file, std::string_view value) const {
  write_file(dir_ / file, value);
}

void TraceInstance::start(std::span<const pid_t> tids) {
  std::string pids;
  for (pid_t tid : tids) pids += fmt::format("{}{}", pids.empty() ? "" : " ", tid);
  write("set_event_pid", pids);
  write(fmt::format("events/{}/enable", event_), "1");
}

void TraceInstance::stop() {
  if (!dir_.empty()) write(fmt::format("events/{}/enable", event_), "0");
}

std::vector<std::string> TraceInstance::read_lines() {
  std::vector<std::string> lines;
  char buffer[65536];
  for (;;) {
    ssize_t n = ::read(pipe_fd_, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // EAGAIN: nothing more now
    partial_.append(buffer, static_cast<size_t>(n));
  }
  size_t start = 0;
  for (size_t end; (end = partial_.find('\n', start)) != std::string::npos; start = end + 1)
    lines.push_back(partial_.substr(start, end - start));
  partial_.erase(0, start);
  return lines;
}

uint64_t TraceInstance::lost_events() const {
  uint64_t lost = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir_ / "per_cpu", ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    probes::HostFs cpu(it->path());
    std::string stats = cpu.read("stats").value_or("");
    for (std::string_view key : {"overrun: ", "dropped events: "}) {
      size_t at = stats.find(key);
      if (at != std::string::npos)
        lost += std::strtoull(stats.c_str() + at + key.size(), nullptr, 10);
    }
  }
  return lost;
}

// The journal's entries for these find nothing afterwards, and settle as restored.
void TraceInstance::remove() {
  if (pipe_fd_ >= 0) ::close(pipe_fd_);
  pipe_fd_ = -1;
  if (!dir_.empty()) ::rmdir(dir_.c_str());
  dir_.clear();
  if (!own_mount_.empty()) {
    ::umount2(own_mount_.c_str(), MNT_DETACH);
    ::rmdir(own_mount_.c_str());
    own_mount_.clear();
  }
}

}  // namespace mmtune::changes
