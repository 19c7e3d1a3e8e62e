#include "changes/slow_device.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/loop.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "changes/journal.hpp"
#include "changes/program.hpp"
#include "facts/error.hpp"
#include "probes/parsers.hpp"

namespace mmtune::changes {
namespace {

namespace fs = std::filesystem;

// A loop device made for this run (LOOP_CTL_ADD of the next unused number), configured over
// backing_fd. Not a free one already there: the kernel keeps a block device's writeback state
// (its estimated write bandwidth and dirty_ratelimit, the rate balance_dirty_pages lets each
// writer dirty pages at) for as long as the device exists, so a device left from a run at another
// rate, or from someone else, would start the throttling from that history. A new device starts
// from the kernel's INIT_BW (100 MiB/s) every time. Another process may take the new device (a
// free device to losetup -f) before we configure it (EBUSY): it is theirs then; make another.
std::string attach_new_loop(int backing_fd, bool& direct_io) {
  int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) fail(ErrorKind::unsupported, "/dev/loop-control: {}", std::strerror(errno));
  for (int attempt = 0; attempt < 8; ++attempt) {
    int number = ::ioctl(control, LOOP_CTL_ADD, -1L);
    if (number < 0) {
      int saved = errno;
      ::close(control);
      fail(ErrorKind::unsupported, "cannot make a loop device (LOOP_CTL_ADD): {}",
           std::strerror(saved));
    }
    std::string device = fmt::format("/dev/loop{}", number);
    int fd = ::open(device.c_str(), O_RDWR | O_CLOEXEC);
    if (fd < 0) {
      int saved = errno;
      ::ioctl(control, LOOP_CTL_REMOVE, number);
      ::close(control);
      fail(ErrorKind::unsupported, "{}: {}", device, std::strerror(saved));
    }
    loop_config config{};
    config.fd = static_cast<uint32_t>(backing_fd);
    config.info.lo_flags = LO_FLAGS_DIRECT_IO;
    int rc = ::ioctl(fd, LOOP_CONFIGURE, &config);
    direct_io = rc == 0;
    if (rc != 0 &&
        errno == EINVAL) {  // the backing filesystem refuses direct I/O: use the page cache
      config.info.lo_flags = 0;
      rc = ::ioctl(fd, LOOP_CONFIGURE, &config);
    }
    int saved = errno;
    ::close(fd);
    if (rc == 0) {
      ::close(control);
      return device;
    }
    if (saved != EBUSY) {
      ::ioctl(control, LOOP_CTL_REMOVE, number);
      ::close(control);
      fail(ErrorKind::unsupported, "{}: LOOP_CONFIGURE: {}", device, std::strerror(saved));
    }
  }
  ::close(control);
  fail(ErrorKind::unsupported, "every loop device made was taken by someone else first");
}

}  // namespace

IoLimitRule blkio_write_limit(std::string_view blkio_dir, unsigned major, unsigned minor,
                              uint64_t bytes_per_s) {
  return {fmt::format("{}/blkio.throttle.write_bps_device", blkio_dir),
          fmt::format("{}:{} {}", major, minor, bytes_per_s), fmt::format("{}:{} 0", major, minor)};
}

std::optional<std::string> blkio_v1_dir(std::string_view mountinfo) {
  // "38 31 0:35 / /sys/fs/cgroup/blkio rw,relatime - cgroup cgroup rw,blkio"
  for (std::string_view rest = mountinfo; !rest.empty();) {
    std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    std::string_view after = line.substr(dash + 3);
    if (!after.starts_with("cgroup ")) continue;
    std::string_view options = after.substr(after.rfind(' ') + 1);
    bool blkio = false;
    for (std::string_view opts = options; !opts.empty();) {
      std::string_view opt = opts.substr(0, opts.find(','));
      opts.remove_prefix(std::min(opts.size(), opt.size() + 1));
      blkio = blkio || opt == "blkio";
    }
    if (!blkio) continue;
    // Fields: id parent major:minor root mount-point …; the root must be "/" (the whole hierarchy).
    std::vector<std::string_view> fields;
    for (std::string_view f = line.substr(0, dash); !f.empty();) {
      std::string_view field = f.substr(0, f.find(' '));
      f.remove_prefix(std::min(f.size(), field.size() + 1));
      fields.push_back(field);
    }
    if (fields.size() < 5 || fields[3] != "/") continue;
    std::string_view mount = fields[4];
    while (!mount.empty() && mount.front() == '/') mount.remove_prefix(1);
    return std::string(mount);
  }
  return std::nullopt;
}

IoLimitRule io_max_write_limit(std::string_view cgroup_dir, unsigned major, unsigned minor,
                               uint64_t bytes_per_s) {
  return {fmt::format("{}/io.max", cgroup_dir),
          fmt::format("{}:{} wbps={}", major, minor, bytes_per_s),
          fmt::format("{}:{} wbps=max", major, minor)};
}

std::optional<std::string> slow_device_unsupported(const probes::HostFs& fs) {
  if (::geteuid() != 0) return "slow-device mode needs root (loop device, mount, I/O limit)";
  if (!fs.exists("dev/loop-control"))
    return "slow-device mode needs loop devices (/dev/loop-control is missing: no loop module?)";
  if (!find_on_path("mkfs.ext4")) return "slow-device mode needs mkfs.ext4 (e2fsprogs) on PATH";
  const std::string mountinfo = fs.read("proc/self/mountinfo").value_or("");
  if (auto dir = blkio_v1_dir(mountinfo)) {
    if (!fs.exists(*dir + "/blkio.throttle.write_bps_device"))
      return "slow-device mode needs block-I/O throttling (CONFIG_BLK_DEV_THROTTLING)";
    return std::nullopt;
  }
  // Without v1 blkio the limit goes into io.max of the writers' own cgroup (with memory, for
  // cgroup writeback); changes/cgroup.hpp says whether such a cgroup can be made here.
  if (probes::parse_cgroup_mount(mountinfo, 2) && !probes::parse_cgroup_mount(mountinfo, 1))
    return std::nullopt;
  return "slow-device mode needs the cgroup v1 blkio controller or cgroup v2 (io.max)";
}

SlowDevice::SlowDevice(Journal& journal, const fs::path& parent, uint64_t fs_bytes)
    : journal_(journal) {
  if (auto why = slow_device_unsupported(journal.fs())) fail(ErrorKind::unsupported, "{}", *why);
  const fs::path dir = parent / fmt::format("mmtune-slow-device-{}", ::getpid());
  journal.track_temp_dir(dir);
  std::error_code ec;
  if (!fs::create_directory(dir, ec)) {
    fail(ErrorKind::unsupported, "cannot create {}: {}", dir.string(),
         ec ? ec.message() : "it exists");
  }
  const fs::path backing = dir / "disk.img";
  int backing_fd = ::open(backing.c_str(), O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (backing_fd < 0 || ::ftruncate(backing_fd, static_cast<off_t>(fs_bytes)) != 0) {
    int saved = errno;
    if (backing_fd >= 0) ::close(backing_fd);
    fail(ErrorKind::unsupported, "cannot create the disk image {}: {}", backing.string(),
         std::strerror(saved));
  }
  // Recorded once attached, not before: an entry for a device another process won the race for
  // would detach theirs. A crash in the few instructions between leaves one loop device behind.
  try {
    device_ = attach_new_loop(backing_fd, direct_io_);
  } catch (...) {
    ::close(backing_fd);
    throw;
  }
  ::close(backing_fd);
  journal.track_loop_device(device_, /*made_for_the_run=*/true);

  // Inode tables are written now, at full speed, not later by ext4lazyinit behind the limit; no
  // discard (the image is sparse already). No journal: a journal commit queues behind the
  // throttled writeback (hundreds of MiB, seconds at the limit's rate) and writers that need a
  // journal handle wait for it, which dirty-flood would take for balance_dirty_pages (with the
  // default 20/10 limits and 6 writers, "throttling" then began at 2.2 GiB, 29 % below the
  // free-run ceiling; without a journal at +3.5 %).
  fs::path mkfs = *find_on_path("mkfs.ext4");
  ProgramResult made = run_program({mkfs.string(), "-q", "-F", "-O", "^has_journal", "-E",
                                    "nodiscard,lazy_itable_init=0", "-L", "mmtune-slow", device_});
  if (made.status != 0) {
    fail(ErrorKind::unsupported, "mkfs.ext4 {} failed ({}): {}", device_, made.status,
         first_line(made.err));
  }

  mount_point_ = dir / "mnt";
  fs::create_directory(mount_point_, ec);
  journal.track_mount(mount_point_);
  if (::mount(device_.c_str(), mount_point_.c_str(), "ext4", MS_NOATIME | MS_NODEV | MS_NOSUID,
              "nodiscard") != 0) {
    fail(ErrorKind::unsupported, "mount {} on {}: {}", device_, mount_point_.string(),
         std::strerror(errno));
  }

  struct stat st {};
  if (::stat(device_.c_str(), &st) != 0)
    fail(ErrorKind::internal, "stat {}: {}", device_, std::strerror(errno));
  major_ = ::major(st.st_rdev);
  minor_ = ::minor(st.st_rdev);
}

void SlowDevice::limit_root_blkio(uint64_t write_bytes_per_s) {
  auto blkio = blkio_v1_dir(journal_.fs().read("proc/self/mountinfo").value_or(""));
  if (!blkio) fail(ErrorKind::internal, "no v1 blkio hierarchy for the limit");
  set_limit(blkio_write_limit(*blkio, major_, minor_, write_bytes_per_s));
}

void SlowDevice::limit_in_cgroup(std::string_view cgroup_dir, uint64_t write_bytes_per_s) {
  set_limit(io_max_write_limit(cgroup_dir, major_, minor_, write_bytes_per_s));
}

void SlowDevice::set_limit(IoLimitRule rule) {
  limit_ = std::move(rule);
  lifted_ = false;
  journal_.set_io_limit(limit_.file, limit_.rule, limit_.clear);
}

SlowDevice::~SlowDevice() {
  try {
    lift_limit();
  } catch (const std::exception&) {
    // the journal lifts it when the run ends
  }
}

void SlowDevice::lift_limit() {
  if (lifted_ || limit_.file.empty()) return;
  journal_.write_owned(limit_.file, limit_.clear);
  lifted_ = true;
}

}  // namespace mmtune::changes
