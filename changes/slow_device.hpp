#pragma once
// A slow disk of our own, for dirty-flood on storage where writeback always keeps up (a host
// cache): a loop device made for the run over a file, with ext4 made on it, mounted, and a
// write-bandwidth limit on the loop device. Every step goes through the journal, so the limit is
// lifted, the filesystem unmounted, the loop device detached and removed and the file removed at
// the end of the run, and by restore_leftovers() after a crash (newest first: limit, mount, loop
// device, directory). A new device each time, because the kernel keeps a device's writeback
// history (bandwidth estimate, dirty_ratelimit) while it exists, and that history decides where
// throttled writers settle (dirty_flood.cpp).
//
// Where the limit must go (cgroup v1, measured on this project's host): buffered writes reach the
// device from the flusher threads, which sit in the root blkio cgroup (v1 has no cgroup
// writeback), so a rule in the writers' own blkio cgroup never applies to them — 200 MiB were
// written back at 276 MB/s with a 30 MB/s rule there. The rule goes into the root cgroup's
// blkio.throttle.write_bps_device for the loop device's number: the same 200 MiB then took 5 s,
// 48 MiB free-running and the rest at 30 MB/s, with dirty + writeback held near the hard limit.
// The loop device uses direct I/O on its backing file, so its writes do not dirty the host's page
// cache a second time.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "probes/host_fs.hpp"

namespace mmtune::changes {

class Journal;

struct IoLimitRule {
  std::string file;   // relative to the host root
  std::string rule;   // "7:3 31457280"
  std::string clear;  // "7:3 0"
};
// The v1 write-bandwidth rule for device major:minor in the blkio hierarchy mounted at blkio_dir
// (relative to the root, e.g. "sys/fs/cgroup/blkio").
IoLimitRule blkio_write_limit(std::string_view blkio_dir, unsigned major, unsigned minor,
                              uint64_t bytes_per_s);

// The v2 write-bandwidth rule in io.max of the cgroup in cgroup_dir (relative to the root):
// "7:3 wbps=31457280", lifted by "7:3 wbps=max".
IoLimitRule io_max_write_limit(std::string_view cgroup_dir, unsigned major, unsigned minor,
                               uint64_t bytes_per_s);

// The mount point of the cgroup v1 blkio hierarchy in mountinfo, relative to the root
// ("sys/fs/cgroup/blkio"); nullopt when blkio is not mounted as v1.
std::optional<std::string> blkio_v1_dir(std::string_view mountinfo);

// Why a slow device cannot be built here, or nullopt: needs root, /dev/loop-control, mkfs.ext4
// on PATH, and a v1 blkio hierarchy with throttling or cgroup v2 (whether the writers' cgroup can
// have io and memory there is changes/cgroup.hpp's to say).
std::optional<std::string> slow_device_unsupported(const probes::HostFs& fs);

class SlowDevice {
 public:
  // Builds it in <parent>/mmtune-slow-device-<pid>: a sparse file of fs_bytes, a loop device,
  // ext4 and the mount at <that>/mnt; the limit is set by one of the two below. Throws
  // Error{unsupported} with the failing step.
  SlowDevice(Journal& journal, const std::filesystem::path& parent, uint64_t fs_bytes);
  // Lifts the limit (if lift_limit() has not); the journal unmounts, detaches and removes the
  // loop device when the run ends.
  ~SlowDevice();
  SlowDevice(const SlowDevice&) = delete;
  SlowDevice& operator=(const SlowDevice&) = delete;

  const std::filesystem::path& mount_point() const { return mount_point_; }
  const std::string& device() const { return device_; }  // "/dev/loop3"
  const IoLimitRule& limit() const { return limit_; }
  bool direct_io() const { return direct_io_; }
  // The write limit, through the journal: in the v1 root blkio cgroup (v1 has no cgroup
  // writeback: the flusher writes for everyone from the root cgroup), or in io.max of the writers'
  // own v2 cgroup (relative directory), which needs the memory controller too (cgroup writeback
  // charges the flusher's bios to the cgroup that dirtied the pages only with both).
  void limit_root_blkio(uint64_t write_bytes_per_s);
  void limit_in_cgroup(std::string_view cgroup_dir, uint64_t write_bytes_per_s);
  // Lifts the limit now, so that what is queued behind it drains at the host's speed (before the
  // file is removed: removal waits for pages under writeback). The journal's undo then finds
  // nothing left.
  void lift_limit();

 private:
  Journal& journal_;
  std::filesystem::path mount_point_;
  std::string device_;
  void set_limit(IoLimitRule rule);

  IoLimitRule limit_;
  unsigned major_ = 0, minor_ = 0;
  bool direct_io_ = false;
  bool lifted_ = false;
};

}  // namespace mmtune::changes
