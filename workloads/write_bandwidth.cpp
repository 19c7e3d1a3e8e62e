// write-bandwidth: how fast the filesystem under --dir makes buffered writes durable, and how long
// a dirty backlog takes to drain there — what sizing vm.dirty_bytes to a device needs (hard limit
// = bandwidth × the time a backlog may take to drain).
//
// One writer fills an unnamed file in --dir with buffered 1 MiB pwrite()s, a --chunk at a time,
// and after each chunk calls fdatasync(): the chunk is the backlog, and the fdatasync is its drain
// (the kernel writes back exactly what the chunk dirtied, and waits for the device). The synced
// pages are dropped from the page cache (POSIX_FADV_DONTNEED), so the run holds at most one chunk.
// It stops after --size bytes or once --duration has passed (the last chunk's drain may run past
// it by chunk / bandwidth). From CLOCK_MONOTONIC around each call:
//   sustained_mib_per_s = written / (write time + drain time): the rate at which the device takes
//                         buffered data, which writeback cannot beat;
//   drain_mib_per_s     = written / drain time: the device alone, without the copies into the
//                         page cache;
//   chunk_drain_s       = the slowest chunk's fdatasync;
//   hard_limit_drain_s  = the kernel's hard dirty limit now (/proc/vmstat nr_dirty_threshold) at
//                         the sustained rate: how long a backlog at the limit takes to drain here.
// The data is not zeros (a filesystem or device could skip or compress them). A directory on
// tmpfs or ramfs is refused at run time: writes there never reach a device.
#include <fcntl.h>
#include <fmt/format.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <string>
#include <vector>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/host_model.hpp"
#include "probes/readers.hpp"
#include "workloads/session.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

constexpr uint64_t kMiB = 1ull << 20;
constexpr uint64_t kBlockBytes = kMiB;
constexpr uint64_t kPageBytes = 4096;

struct Options {
  std::string dir;
  uint64_t size = 0;
  uint64_t chunk = 0;
  std::chrono::nanoseconds duration{};
};

constexpr Param kParams[] = {
    bind<&Options::dir>({"dir", ParamKind::path, "path", ".",
                         "directory on the filesystem to measure (where the data lives; not "
                         "tmpfs)"}),
    bind<&Options::size>({"size", ParamKind::size, "bytes", "1GiB",
                          "most bytes to write (the run may stop earlier at --duration)",
                          double(4 * kMiB), 0}),
    bind<&Options::chunk>({"chunk", ParamKind::size, "bytes", "64MiB",
                           "bytes written between fdatasync() calls: the backlog each one drains",
                           double(kMiB), double(1024 * kMiB)}),
    bind<&Options::duration>(
        {"duration", ParamKind::duration, "s", "4s", "stop writing after this long", 0.1, 600}),
};

std::optional<std::string> unsupported(const facts::HostFacts&) { return std::nullopt; }

std::optional<std::string> invalid(const Options& o) {
  if (o.chunk > o.size) {
    return fmt::format("--chunk: {} is larger than --size {}", facts::format_size(o.chunk),
                       facts::format_size(o.size));
  }
  return std::nullopt;
}

// Dirty pages of one chunk, and the block being copied.
uint64_t footprint(const Options& o) { return o.chunk + kBlockBytes; }

// The model's dirty limits with the host's settings: context for the drain time, not compared.
std::vector<Expectation> predict(const Options&, const facts::HostFacts& facts) {
  const model::HostModel now = model::model_host(facts);
  return {{"", now.dirty.threshold, std::nullopt, std::nullopt, std::nullopt},
          {"", now.dirty.background, std::nullopt, std::nullopt, std::nullopt}};
}

// Why writes in dir would not measure a device, or nullopt.
std::optional<std::string> memory_backed(const std::string& dir) {
  struct statfs info {};
  if (::statfs(dir.c_str(), &info) != 0)
    fail(ErrorKind::unsupported, "--dir {}: {}", dir, std::strerror(errno));
  if (info.f_type == TMPFS_MAGIC || info.f_type == RAMFS_MAGIC) {
    return fmt::format(
        "--dir {} is on {}: writes there stay in memory and never reach a device, so they say "
        "nothing about write bandwidth; give a directory on the disk the data lives on",
        dir, info.f_type == TMPFS_MAGIC ? "tmpfs" : "ramfs");
  }
  return std::nullopt;
}

// An unnamed file in dir (O_TMPFILE; else a named one unlinked at once, journalled first).
int open_file(const std::string& dir, changes::Journal* journal) {
  int fd = ::open(dir.c_str(), O_TMPFILE | O_WRONLY | O_CLOEXEC, 0600);
  if (fd < 0 && (errno == EOPNOTSUPP || errno == EISDIR)) {
    const std::string name =
        fmt::format("{}/mmtune-write-bandwidth-{}-{}", dir, ::getpid(), monotonic_ns());
    if (journal) journal->track_temp_file(name);
    fd = ::open(name.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd >= 0) ::unlink(name.c_str());
  }
  if (fd < 0)
    fail(ErrorKind::unsupported, "--dir {}: cannot create a file: {}", dir, std::strerror(errno));
  return fd;
}

struct ChunkTimes {
  uint64_t bytes = 0;
  int64_t write_ns = 0, drain_ns = 0;
};

// Writes one chunk at offset and drains it; the bytes written (fewer when stopped).
ChunkTimes write_chunk(Session& session, int fd, const std::vector<char>& block, uint64_t offset,
                       uint64_t chunk) {
  ChunkTimes times;
  const int64_t t0 = monotonic_ns();
  while (times.bytes < chunk && !session.stop_requested()) {
    const ssize_t n = ::pwrite(fd, block.data(), block.size(), off_t(offset + times.bytes));
    if (n < 0) fail(ErrorKind::unsupported, "pwrite: {}", std::strerror(errno));
    times.bytes += uint64_t(n);
  }
  const int64_t t1 = monotonic_ns();
  if (::fdatasync(fd) != 0) fail(ErrorKind::unsupported, "fdatasync: {}", std::strerror(errno));
  times.write_ns = t1 - t0;
  times.drain_ns = monotonic_ns() - t1;
  ::posix_fadvise(fd, off_t(offset), off_t(times.bytes), POSIX_FADV_DONTNEED);
  return times;
}

// The chunk to write: no more than the filesystem can spare (half its free space).
uint64_t fitting_size(Session& session, const Options& o) {
  struct statvfs st {};
  if (::statvfs(o.dir.c_str(), &st) != 0) return o.size;
  const uint64_t spare = uint64_t(st.f_bavail) * st.f_frsize / 2;
  if (spare >= o.size) return o.size;
  if (spare < o.chunk)
    session.skip(fmt::format("--dir {} has {} free: too little for one --chunk of {}", o.dir,
                             facts::format_bytes(spare * 2), facts::format_size(o.chunk)));
  session.note(fmt::format("--size reduced to {} (half the free space of {})",
                           facts::format_size(spare), o.dir));
  return spare;
}

void report(Session& session, const std::vector<ChunkTimes>& chunks, uint64_t chunk_bytes) {
  uint64_t written = 0;
  int64_t write_ns = 0, drain_ns = 0, slowest_ns = 0;
  for (const ChunkTimes& c : chunks) {
    written += c.bytes;
    write_ns += c.write_ns;
    drain_ns += c.drain_ns;
    slowest_ns = std::max(slowest_ns, c.drain_ns);
  }
  if (written == 0 || write_ns + drain_ns <= 0) return;
  const double mib = double(written) / double(kMiB);
  const double total_s = double(write_ns + drain_ns) / 1e9;
  session.measured("written_bytes", double(written), "bytes", "sum of the bytes pwrite() accepted");
  session.measured("chunk_bytes", double(chunk_bytes), "bytes", "bytes written per fdatasync()");
  session.measured("write_s", double(write_ns) / 1e9, "s", "CLOCK_MONOTONIC around the pwrite()s");
  session.measured("drain_s", double(drain_ns) / 1e9, "s",
                   "CLOCK_MONOTONIC around the fdatasync() after each chunk");
  session.measured("chunk_drain_s", double(slowest_ns) / 1e9, "s",
                   "CLOCK_MONOTONIC around the slowest chunk's fdatasync()");
  const double sustained = mib / total_s;
  session.derived("sustained_mib_per_s", sustained, "MiB/s", "written_bytes / (write_s + drain_s)");
  if (drain_ns > 0)
    session.derived("drain_mib_per_s", mib / (double(drain_ns) / 1e9), "MiB/s",
                    "written_bytes / drain_s");
  if (write_ns > 0)
    session.derived("buffered_mib_per_s", mib / (double(write_ns) / 1e9), "MiB/s",
                    "written_bytes / write_s (copies into the page cache)");
  const facts::Counters vmstat = probes::read_vmstat(session.fs());
  if (auto pages = vmstat.get("nr_dirty_threshold")) {
    const double limit = double(*pages) * double(kPageBytes);
    session.measured("dirty_threshold_bytes", limit, "bytes",
                     "/proc/vmstat nr_dirty_threshold x 4 KiB");
    session.derived("hard_limit_drain_s", limit / double(kMiB) / sustained, "s",
                    "dirty_threshold_bytes / sustained_mib_per_s");
  }
}

void run(Session& session, const Options& o) {
  if (auto why = memory_backed(o.dir)) {
    session.skip(*why);
    return;
  }
  const uint64_t size = fitting_size(session, o);
  if (size < o.chunk) return;
  const int fd = open_file(o.dir, session.journal());
  std::vector<char> block(kBlockBytes);
  for (size_t i = 0; i < block.size(); ++i) block[i] = char(i * 131 + 7);
  std::vector<ChunkTimes> chunks;
  const int64_t stop_at = monotonic_ns() + o.duration.count();
  uint64_t offset = 0;
  const PhaseStart phase = session.begin_phase("write");
  try {
    while (offset + o.chunk <= size && monotonic_ns() < stop_at && !session.stop_requested()) {
      chunks.push_back(write_chunk(session, fd, block, offset, o.chunk));
      offset += chunks.back().bytes;
    }
  } catch (...) {
    ::close(fd);
    throw;
  }
  session.end_phase(phase);
  ::close(fd);
  report(session, chunks, o.chunk);
  session.explain(fmt::format("{} chunk(s) of {} written and synced in {}", chunks.size(),
                              facts::format_size(o.chunk), o.dir));
}

}  // namespace

extern const Workload kWriteBandwidth =
    define_workload<unsupported, invalid, footprint, predict, run>(
        "write-bandwidth",
        "Sustained buffered-write bandwidth of a directory's filesystem and its backlog drain time",
        kParams);

}  // namespace mmtune::workloads
