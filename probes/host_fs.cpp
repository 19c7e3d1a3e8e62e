#include "probes/host_fs.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "facts/error.hpp"

namespace mmtune::probes {

HostFs::HostFs(std::filesystem::path root) : root_(std::move(root)) {}

bool HostFs::is_live() const { return root_ == "/"; }

std::filesystem::path HostFs::path(std::string_view rel) const {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  return root_ / rel;
}

std::optional<std::string> HostFs::read(std::string_view rel) const {
  if (read_log_) {  // a file read twice while recording: the facts and the copy see one content
    if (auto it = read_log_->find(std::string(rel)); it != read_log_->end()) return it->second;
  }
  int fd = ::open(path(rel).c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  std::string text;
  char buffer[16384];
  for (;;) {
    ssize_t n = ::read(fd, buffer, sizeof buffer);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {  // e.g. EISDIR, or a sysfs attribute that refuses reads
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    text.append(buffer, static_cast<size_t>(n));
  }
  ::close(fd);
  if (read_log_) (*read_log_)[std::string(rel)] = text;
  return text;
}

bool HostFs::exists(std::string_view rel) const {
  std::error_code ec;
  return std::filesystem::exists(path(rel), ec);
}

std::vector<std::string> HostFs::list(std::string_view rel_dir) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(path(rel_dir), ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

void HostFs::write(std::string_view rel, std::string_view value) const {
  auto target = path(rel);
  int fd = ::open(target.c_str(),
                  O_WRONLY | O_TRUNC | O_CLOEXEC);  // O_TRUNC: a recorded tree is plain files
  if (fd < 0) {
    fail(errno == EACCES || errno == EPERM ? ErrorKind::unsupported : ErrorKind::bad_input,
         "cannot open {} for writing: {}", target.string(), std::strerror(errno));
  }
  ssize_t n = ::write(fd, value.data(), value.size());
  int saved = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) {
    fail(ErrorKind::bad_input, "the kernel rejected {} = \"{}\": {}", target.string(), value,
         n < 0 ? std::strerror(saved) : "short write");
  }
}

}  // namespace mmtune::probes
