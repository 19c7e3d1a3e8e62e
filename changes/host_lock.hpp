#pragma once
// One writer per host. Every mmtune command that changes the host (settings, cgroups, swap, loop
// devices, mounts) holds this lock for its whole run, so two runs never measure under each other's
// settings nor restore over each other's writes; read-only commands never take it.
//
// The lock is an flock on one file, host-wide: /run/mmtune/host.lock as root (tmpfs: nothing of
// it survives a reboot), $XDG_RUNTIME_DIR/mmtune/host.lock otherwise; $MMTUNE_HOST_LOCK overrides.
// The kernel releases it when the holder dies, however it dies; a workload the holder forked
// inherits it, so a killed run whose workload still runs still holds the host. The holder writes
// who it is into the file ({"pid":…,"command":"sweep demand-paging …","since":"…Z"}) so a second
// one can say whom it waits for.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace mmtune::changes {

std::filesystem::path default_host_lock_path();

struct HostHolder {
  int pid = 0;          // 0: the file did not say (a holder between taking the lock and writing)
  std::string command;  // "sweep demand-paging --knob vm.swappiness=11,12"
  std::string since;    // UTC, "2026-12-07T04:00:00Z"
};
// "mmtune pid 1234 (sweep demand-paging …)"; "the workload of ended mmtune pid …" when that pid
// has ended but the lock is still held (by a workload it forked).
std::string describe(const HostHolder& holder);

// Who holds the lock at path now; nullopt when nobody does.
std::optional<HostHolder> host_holder(const std::filesystem::path& path = default_host_lock_path());

struct HostLockWait {
  // zero: do not wait; nanoseconds::max(): wait as long as it takes.
  std::chrono::nanoseconds limit{0};
  static HostLockWait forever() { return {std::chrono::nanoseconds::max()}; }
};

class HostLock {
 public:
  // Takes the host lock for `command`. When another process holds it: with no wait, throws
  // Error{unsupported} (exit 3) "mmtune pid N (sweep …) holds the host …"; with a wait, prints
  // "waiting for mmtune pid N (sweep …) that holds the host" to progress (again if the holder
  // changes), then throws Error{unsupported} when the limit passes, or Error{interrupted} when
  // stop() says so. A process that already holds the lock gets a handle that holds nothing more.
  // Throws Error{unsupported} when the lock file cannot be made.
  static HostLock acquire(std::string_view command, HostLockWait wait, std::FILE* progress,
                          const std::function<bool()>& stop = {},
                          const std::filesystem::path& path = default_host_lock_path());

  HostLock(HostLock&& other) noexcept;
  HostLock& operator=(HostLock&&) = delete;
  HostLock(const HostLock&) = delete;
  HostLock& operator=(const HostLock&) = delete;
  ~HostLock();  // releases it (only in the process that took it: a forked child just closes)

  const std::filesystem::path& path() const { return path_; }

 private:
  HostLock(std::filesystem::path path, int fd, int owner_pid);
  std::filesystem::path path_;
  int fd_ = -1;  // -1: a nested handle, or moved from
  int owner_pid_ = 0;
};

}  // namespace mmtune::changes
