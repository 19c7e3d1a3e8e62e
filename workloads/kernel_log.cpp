#include "workloads/kernel_log.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>

namespace mmtune::workloads {
namespace {

// The value after key up to the next comma or the end: "pid=" in "…,task=x,pid=12,uid=0".
std::optional<std::string_view> value_of(std::string_view line, std::string_view key) {
  size_t at = line.find(key);
  if (at == std::string_view::npos) return std::nullopt;
  std::string_view rest = line.substr(at + key.size());
  return rest.substr(0, rest.find(','));
}

}  // namespace

std::vector<OomKillRecord> parse_oom_kills(std::string_view text) {
  std::vector<OomKillRecord> kills;
  std::optional<OomKillRecord> pending;  // from the oom-kill: line, waiting for its Killed line
  for (std::string_view rest = text; !rest.empty();) {
    std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (auto semicolon = line.find(';');
        semicolon != std::string_view::npos && line.find(',') < semicolon) {
      line.remove_prefix(semicolon + 1);  // a /dev/kmsg record header
    }
    if (line.starts_with(' ')) continue;  // a /dev/kmsg continuation ("SUBSYSTEM=…")
    if (size_t at = line.find("oom-kill:"); at != std::string_view::npos) {
      OomKillRecord record;
      std::string_view body = line.substr(at);
      if (auto memcg = value_of(body, "oom_memcg=")) record.oom_memcg = std::string(*memcg);
      if (auto pid = value_of(body, ",pid="))
        record.pid = static_cast<pid_t>(std::strtol(std::string(*pid).c_str(), nullptr, 10));
      pending = record;
      continue;
    }
    size_t killed = line.find("Killed process ");
    // "Out of memory: Killed …" (the host) or "Memory cgroup out of memory: Killed …".
    if (killed == std::string_view::npos || line.find("ut of memory") == std::string_view::npos)
      continue;
    std::string_view after = line.substr(killed + 15);
    OomKillRecord record;
    record.pid = static_cast<pid_t>(
        std::strtol(std::string(after.substr(0, after.find(' '))).c_str(), nullptr, 10));
    size_t open = after.find('('), close = after.find(')');
    if (open != std::string_view::npos && close != std::string_view::npos && close > open) {
      record.comm = std::string(after.substr(open + 1, close - open - 1));
    }
    record.memcg = line.find("Memory cgroup out of memory") != std::string_view::npos;
    if (pending && pending->pid == record.pid) record.oom_memcg = pending->oom_memcg;
    pending.reset();
    kills.push_back(std::move(record));
  }
  return kills;
}

KernelLog::KernelLog() {
  fd_ = ::open("/dev/kmsg", O_RDONLY | O_NONBLOCK | O_CLOEXEC);
  if (fd_ >= 0) ::lseek(fd_, 0, SEEK_END);  // only what happens from now on
}

KernelLog::~KernelLog() {
  if (fd_ >= 0) ::close(fd_);
}

std::optional<std::string> KernelLog::read_new() {
  if (fd_ < 0) return std::nullopt;
  std::string text;
  char record[8192];
  for (;;) {
    ssize_t n = ::read(fd_, record, sizeof record);  // one record per read
    if (n > 0) {
      text.append(record, static_cast<size_t>(n));
      if (text.back() != '\n') text.push_back('\n');
      continue;
    }
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && errno == EPIPE) continue;  // records were overwritten: go on with the next
    break;                                  // EAGAIN: nothing more
  }
  return text;
}

}  // namespace mmtune::workloads
