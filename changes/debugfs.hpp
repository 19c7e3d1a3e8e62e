#pragma once
// debugfs for the length of a run, for reading the kernel's own fragmentation indexes
// (extfrag/extfrag_index, extfrag/unusable_index). Where the host has debugfs mounted, that mount
// is used as it is; where not, one is mounted for the run on a directory of its own beside the
// journal (both recorded in the journal first, so a kill -9 leaves nothing that `mmtune restore`
// does not take away) and unmounted when the run ends.
#include <filesystem>
#include <optional>
#include <string>

#include "probes/host_fs.hpp"

namespace mmtune::changes {

class Journal;

// Why debugfs cannot be read here, or nullopt: needs the live host, root, and debugfs in
// /proc/filesystems (or already mounted).
std::optional<std::string> debugfs_unsupported(const probes::HostFs& fs);

class DebugfsAccess {
 public:
  // Throws Error{unsupported} naming the step that failed (the mount refused: lockdown, a
  // container without CAP_SYS_ADMIN).
  explicit DebugfsAccess(Journal& journal);
  ~DebugfsAccess();  // unmounts and removes what it mounted; the journal's entries then find
                     // nothing
  DebugfsAccess(const DebugfsAccess&) = delete;
  DebugfsAccess& operator=(const DebugfsAccess&) = delete;

  // The mount point relative to "/", as probes::HostFs reads take it: "sys/kernel/debug".
  std::string rel_dir() const;
  const std::filesystem::path& dir() const { return dir_; }
  // True when this run mounted it (the host had no debugfs mounted).
  bool mounted_for_run() const { return !own_mount_.empty(); }

 private:
  std::filesystem::path dir_;
  std::filesystem::path own_mount_;
};

}  // namespace mmtune::changes
