#include "changes/debugfs.hpp"

#include <fmt/format.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "probes/free_lists.hpp"

namespace mmtune::changes {

std::optional<std::string> debugfs_unsupported(const probes::HostFs& fs) {
  if (!fs.is_live()) return "debugfs is read only on the live host";
  if (::geteuid() != 0) return "reading debugfs needs root";
  if (probes::debugfs_mount_point(fs.read("proc/self/mountinfo").value_or(""))) return std::nullopt;
  const std::string filesystems = fs.read("proc/filesystems").value_or("");
  if (filesystems.find("\tdebugfs\n") == std::string::npos)
    return "the kernel has no debugfs (CONFIG_DEBUG_FS)";
  return std::nullopt;
}

DebugfsAccess::DebugfsAccess(Journal& journal) {
  if (auto why = debugfs_unsupported(journal.fs())) fail(ErrorKind::unsupported, "{}", *why);
  if (auto mount =
          probes::debugfs_mount_point(journal.fs().read("proc/self/mountinfo").value_or(""))) {
    dir_ = *mount;
    return;
  }
  own_mount_ = journal.file().parent_path() / fmt::format("mmtune-debugfs-{}", ::getpid());
  journal.track_temp_dir(own_mount_);
  std::error_code ec;
  std::filesystem::create_directory(own_mount_, ec);
  journal.track_mount(own_mount_);
  if (::mount("debugfs", own_mount_.c_str(), "debugfs", MS_NOSUID | MS_NODEV | MS_NOEXEC,
              "mode=0700") != 0) {
    const int saved = errno;
    std::filesystem::remove(own_mount_, ec);
    own_mount_.clear();
    fail(ErrorKind::unsupported, "mount -t debugfs: {}", std::strerror(saved));
  }
  dir_ = own_mount_;
}

DebugfsAccess::~DebugfsAccess() {
  if (own_mount_.empty()) return;
  ::umount2(own_mount_.c_str(), MNT_DETACH);
  ::rmdir(own_mount_.c_str());
}

std::string DebugfsAccess::rel_dir() const {
  std::string rel = dir_.string();
  while (!rel.empty() && rel.front() == '/') rel.erase(0, 1);
  return rel;
}

}  // namespace mmtune::changes
