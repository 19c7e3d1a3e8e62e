// dio-fork-race: does an O_DIRECT read in flight lose its data when the process forks and then
// writes to the same page? (docs/model.md, O_DIRECT and fork; docs/workloads.md, dio-fork-race.)
//
// One try: a fresh private anonymous page (filled with a sentinel, 0xFA) receives an O_DIRECT
// read into its part [align, 4096) — and on into further pages with --read-size — from a file
// holding a known position-dependent pattern. While the read is in flight the process forks (the
// child waits on a pipe) and the parent writes one byte into the other part of the page, [0,
// align). Then the read's completion is reaped and its bytes compared with the pattern. On kernels
// where block O_DIRECT takes plain references (FOLL_GET, < ≈6.5) fork shares the page
// copy-on-write, the parent's write copies it while the device is still filling the old one, and
// the parent keeps the sentinel: the data went to the child's copy. Kernels that pin (FOLL_PIN)
// copy the page for the child at fork instead, and nothing is lost.
//
// Variants (each up to --tries tries within its share of --time-budget, align cycling through
// 512 … 3584 as LTP's dma_thread_diotest):
//   io_uring   the read is an io_uring IORING_OP_READ on an unregistered buffer, submitted before
//              fork() in the same thread; tries whose read had already completed at fork time are
//              counted apart (in_flight_at_fork), they cannot race
//   thread     a reader thread pread()s while the main thread forks and writes (the shape of real
//              programs: a database's I/O thread and a fork for a backup)
//   controls   must never lose data on any kernel: MADV_DONTFORK on the buffer (dontfork), a
//              MAP_SHARED buffer (shared), no parent write (no_write), buffered I/O (buffered)
// --inject wrong-copy is the test of the checker itself: each race try's read is done by the
// child into its own copy of the page, so the parent's page must be caught as having lost its
// data. A checker that misses any of those fails the run.
//
// Verdict: "affected" (data lost in a race variant), "not affected", or "expected affected but
// not reproduced (N tries)" when the model says this kernel is affected and no try lost data.
// Data lost on a kernel the model calls fixed, or in any control, fails the run.
#include <fcntl.h>
#include <fmt/format.h>
#include <liburing.h>
#include <linux/magic.h>
#include <sched.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>
#include <random>
#include <thread>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/dio_fork.hpp"
#include "workloads/loops.hpp"
#include "workloads/session.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

constexpr unsigned char kSentinel = 0xFA;
constexpr size_t kSector = 512;

enum class VariantSet { all, race };     // in the order of --variants' choices
enum class Inject { none, wrong_copy };  // in the order of --inject's choices

struct Options {
  uint64_t tries = 0;
  uint64_t read_size = 0;
  uint64_t file_size = 0;
  std::chrono::nanoseconds max_delay{};
  std::chrono::nanoseconds time_budget{};
  VariantSet variants{};
  Inject inject{};
  std::string dir;
};

constexpr Param kParams[] = {
    bind<&Options::tries>({"tries", ParamKind::integer, "tries", "2000",
                           "tries per variant (race variants and each control)", 1, 1e7}),
    bind<&Options::read_size>(
        {"read-size", ParamKind::size, "bytes", "64KiB",
         "bytes from the page start to the end of each read (the read starts at align inside the "
         "first page); longer reads stay in flight longer",
         4096, 16 * 1024 * 1024}),
    bind<&Options::file_size>({"file-size", ParamKind::size, "bytes", "8MiB",
                               "size of the pattern file the reads come from", 64 * 1024,
                               1024.0 * 1024 * 1024}),
    bind<&Options::max_delay>({"max-delay", ParamKind::duration, "s", "50us",
                               "random spin between starting the read and fork()", 0, 0.1}),
    bind<&Options::time_budget>(
        {"time-budget", ParamKind::duration, "s", "60s",
         "time for all variants together; a variant that used its share stops early (its tries "
         "are reported)",
         1, 3600}),
    bind<&Options::variants>(
        {"variants", ParamKind::choice, "choice", "all",
         "all: both race variants and the four controls; race: io_uring and thread only", 0, 0,
         "all|race"}),
    bind<&Options::inject>({"inject", ParamKind::choice, "choice", "none",
                            "wrong-copy: deliver each race read to the child's copy (proves the "
                            "checker catches a loss)",
                            0, 0, "none|wrong-copy"}),
    bind<&Options::dir>({"dir", ParamKind::path, "path", "/var/tmp",
                         "directory for the pattern file (needs device O_DIRECT: not tmpfs; the "
                         "file is unlinked at once)"}),
};

enum class Buffer { private_anon, dontfork, shared };
enum class Reader { io_uring, thread };

struct Variant {
  std::string_view name;
  Buffer buffer;
  Reader reader;
  bool parent_writes;
  bool direct;
  bool race;  // a race variant (the others are controls)
};

constexpr Variant kVariants[] = {
    {"io_uring", Buffer::private_anon, Reader::io_uring, true, true, true},
    {"thread", Buffer::private_anon, Reader::thread, true, true, true},
    {"dontfork", Buffer::dontfork, Reader::io_uring, true, true, false},
    {"shared", Buffer::shared, Reader::io_uring, true, true, false},
    {"no_write", Buffer::private_anon, Reader::io_uring, false, true, false},
    {"buffered", Buffer::private_anon, Reader::io_uring, true, false, false},
};

// The byte the file holds at offset o: position-dependent, never 0 and never the sentinel.
unsigned char pattern_byte(uint64_t o) {
  uint64_t x = (o >> 3) * 0x9E3779B97F4A7C15ull;
  return static_cast<unsigned char>(1 + ((x >> 56) + (o & 7) * 31) % 249);
}

std::optional<std::string> unsupported(const facts::HostFacts&) { return std::nullopt; }

std::optional<std::string> invalid(const Options& o) {
  if (o.read_size % 4096 != 0)
    return fmt::format("--read-size: {} bytes is not a multiple of 4KiB", o.read_size);
  if (o.file_size % 4096 != 0)
    return fmt::format("--file-size: {} bytes is not a multiple of 4KiB", o.file_size);
  if (o.file_size < 2 * o.read_size) {
    return fmt::format("--file-size: {} must be at least twice --read-size {}",
                       facts::format_size(o.file_size), facts::format_size(o.read_size));
  }
  return std::nullopt;
}

uint64_t footprint(const Options& o) { return 2 * o.read_size + 1024 * 1024; }

// The variants this run tries: all six, or the two races.
bool selected(const Variant& v, const Options& o) {
  return v.race || o.variants == VariantSet::all;
}

model::DioBuffer model_buffer(Buffer buffer) {
  switch (buffer) {
    case Buffer::private_anon:
      return model::DioBuffer::private_anon;
    case Buffer::dontfork:
      return model::DioBuffer::private_anon_dontfork;
    case Buffer::shared:
      return model::DioBuffer::shared;
  }
  return model::DioBuffer::private_anon;
}

model::DioForkPrediction model_for(const Variant& v, const facts::KernelInfo& kernel) {
  model::DioForkShape shape;
  shape.buffer = model_buffer(v.buffer);
  shape.parent_writes_same_page =
      v.parent_writes && v.direct;  // buffered I/O takes no page reference
  shape.child_alive = true;
  return model::predict_dio_fork(shape, kernel);
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  std::vector<Expectation> out;
  model::DioForkPrediction race = model_for(kVariants[0], facts.kernel);
  model::Prediction affected{"affected",
                             race.verdict == model::DioVerdict::data_loss_expected ? 1.0 : 0.0,
                             "bool", race.why};
  out.push_back({"affected", affected, 0.0, std::nullopt, std::nullopt});
  for (const Variant& v : kVariants) {
    if (v.race || !selected(v, o)) continue;
    model::DioForkPrediction control = model_for(v, facts.kernel);
    if (control.verdict != model::DioVerdict::safe) continue;
    model::Prediction none{"data_loss." + std::string(v.name), 0, "reads", control.why};
    out.push_back({"data_loss." + std::string(v.name), none, 0.0, std::nullopt, std::nullopt});
  }
  return out;
}

std::string filesystem_name(long type) {
  switch (static_cast<unsigned long>(type)) {
    case EXT4_SUPER_MAGIC:
      return "ext4";
    case XFS_SUPER_MAGIC:
      return "xfs";
    case BTRFS_SUPER_MAGIC:
      return "btrfs";
    case TMPFS_MAGIC:
      return "tmpfs";
    case OVERLAYFS_SUPER_MAGIC:
      return "overlayfs";
    case NFS_SUPER_MAGIC:
      return "nfs";
    case FUSE_SUPER_MAGIC:
      return "fuse";
    case RAMFS_MAGIC:
      return "ramfs";
    default:
      return fmt::format("0x{:x}", static_cast<unsigned long>(type));
  }
}

// The pattern file: unnamed where the filesystem allows (O_TMPFILE), else a journalled name
// unlinked at once, so a kill -9 leaves nothing behind.
struct PatternFile {
  int buffered = -1, direct = -1;
  std::string filesystem;
  ~PatternFile() {
    if (direct >= 0) ::close(direct);
    if (buffered >= 0) ::close(buffered);
  }
};

// False (after session.skip with the reason) when this filesystem cannot host the race.
bool make_pattern_file(Session& session, PatternFile& file, const std::string& dir, uint64_t size) {
  struct statfs fs_info {};
  if (::statfs(dir.c_str(), &fs_info) != 0) {
    fail(ErrorKind::bad_input, "--dir: \"{}\": {}", dir, std::strerror(errno));
  }
  file.filesystem = filesystem_name(fs_info.f_type);
  file.buffered = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
  if (file.buffered < 0) {
    std::string name = dir + "/mmtune-dio-fork-race-XXXXXX";
    if (session.journal()) session.journal()->track_temp_file(name);
    file.buffered = ::mkostemp(name.data(), O_CLOEXEC);
    if (file.buffered < 0)
      fail(ErrorKind::unsupported, "--dir {}: cannot create a file: {}", dir, std::strerror(errno));
    ::unlink(name.c_str());
  }
  std::string chunk(1 << 20, '\0');
  for (uint64_t at = 0; at < size; at += chunk.size()) {
    for (size_t i = 0; i < chunk.size(); ++i) chunk[i] = static_cast<char>(pattern_byte(at + i));
    size_t n = static_cast<size_t>(std::min<uint64_t>(chunk.size(), size - at));
    if (::pwrite(file.buffered, chunk.data(), n, static_cast<off_t>(at)) !=
        static_cast<ssize_t>(n)) {
      fail(ErrorKind::unsupported, "--dir {}: cannot write the pattern file: {}", dir,
           std::strerror(errno));
    }
  }
  ::fsync(file.buffered);
  std::string self = fmt::format("/proc/self/fd/{}", file.buffered);
  file.direct = ::open(self.c_str(), O_RDONLY | O_DIRECT | O_CLOEXEC);
  if (file.direct < 0) {
    session.skip(
        fmt::format("no O_DIRECT on {} ({}): {}", dir, file.filesystem, std::strerror(errno)));
    return false;
  }
  // Linux ≥ 6.6 opens O_DIRECT on tmpfs ("tmpfs: trivial support for direct IO"), but the read is
  // still the CPU copying from the page cache in the reading task: no device fills the buffer
  // after fork(), so there is no race to look for and "not affected" would say nothing. (A sign
  // of it: such a read need not be aligned at all, where block direct I/O refuses.)
  if (fs_info.f_type == TMPFS_MAGIC || fs_info.f_type == RAMFS_MAGIC) {
    session.skip(fmt::format(
        "O_DIRECT on {} ({}) is a memory copy: this kernel accepts O_DIRECT there but copies "
        "from the page cache in the reading task, so no device writes into the buffer after "
        "fork() and the race cannot occur; use --dir on a block filesystem (ext4, xfs)",
        dir, file.filesystem));
    return false;
  }
  // The race needs reads that start inside a page: 512-byte O_DIRECT alignment.
  void* probe = ::mmap(nullptr, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  ssize_t got = ::pread(file.direct, static_cast<char*>(probe) + kSector, 4096 - kSector, 0);
  int saved = errno;
  ::munmap(probe, 4096);
  if (got < 0) {
    session.skip(
        fmt::format("O_DIRECT on {} ({}) refuses 512-byte-aligned reads ({}): the read cannot "
                    "start inside a page",
                    dir, file.filesystem, std::strerror(saved)));
    return false;
  }
  return true;
}

struct Tally {
  uint64_t tries = 0, data_loss = 0, stale = 0, in_flight_at_fork = 0, read_errors = 0;
};

// Compares the read bytes with the file. A lost read still holds the sentinel in its first page.
void check(const unsigned char* got, size_t length, uint64_t file_offset, Tally& tally) {
  size_t wrong = 0, sentinel = 0;
  for (size_t i = 0; i < length; ++i) {
    if (got[i] != pattern_byte(file_offset + i)) {
      ++wrong;
      sentinel += got[i] == kSentinel;
    }
  }
  if (wrong == 0) return;
  ++tally.data_loss;
  if (sentinel == wrong) ++tally.stale;
}

// The reader thread of the thread variant: it sleeps on a futex (std::atomic::wait) between
// tries and pread()s each request; a spinning reader would eat the CPU fork() needs under
// emulation.
class ThreadReader {
 public:
  ThreadReader() : thread_([this] { loop(); }) {}
  ~ThreadReader() {
    quit_.store(true, std::memory_order_release);
    go_.fetch_add(1, std::memory_order_release);
    go_.notify_one();
    thread_.join();
  }
  ThreadReader(const ThreadReader&) = delete;
  ThreadReader& operator=(const ThreadReader&) = delete;

  void start(int fd, void* buffer, size_t length, off_t offset) {
    fd_ = fd;
    buffer_ = buffer;
    length_ = length;
    offset_ = offset;
    go_.store(++requests_, std::memory_order_release);
    go_.notify_one();
  }
  ssize_t wait() {
    for (uint64_t done = done_.load(std::memory_order_acquire); done != requests_;
         done = done_.load(std::memory_order_acquire)) {
      done_.wait(done, std::memory_order_acquire);
    }
    return result_;
  }

 private:
  void loop() {
    uint64_t seen = 0;
    while (true) {
      go_.wait(seen, std::memory_order_acquire);
      if (quit_.load(std::memory_order_acquire)) return;
      uint64_t want = go_.load(std::memory_order_acquire);
      if (want == seen) continue;
      seen = want;
      result_ = ::pread(fd_, buffer_, length_, offset_);
      done_.store(want, std::memory_order_release);
      done_.notify_one();
    }
  }

  std::atomic<uint64_t> go_{0}, done_{0};
  std::atomic<bool> quit_{false};
  uint64_t requests_ = 0;
  int fd_ = -1;
  void* buffer_ = nullptr;
  size_t length_ = 0;
  off_t offset_ = 0;
  ssize_t result_ = 0;
  std::thread thread_;
};

// The read buffer of one variant, reused by its tries: after a try the parent's page is its own
// again (the child has exited), so each try races a page fork() shares anew.
class ReadBuffer {
 public:
  ReadBuffer(size_t length, Buffer kind) : length_(length) {
    int flags = kind == Buffer::shared ? MAP_SHARED | MAP_ANONYMOUS : MAP_PRIVATE | MAP_ANONYMOUS;
    void* mapped = ::mmap(nullptr, length, PROT_READ | PROT_WRITE, flags, -1, 0);
    if (mapped == MAP_FAILED) fail(ErrorKind::internal, "mmap: {}", std::strerror(errno));
    data_ = static_cast<unsigned char*>(mapped);
    ::madvise(data_, length, MADV_NOHUGEPAGE);
    if (kind == Buffer::dontfork && ::madvise(data_, length, MADV_DONTFORK) != 0) {
      fail(ErrorKind::internal, "madvise(MADV_DONTFORK): {}", std::strerror(errno));
    }
  }
  ~ReadBuffer() { ::munmap(data_, length_); }
  ReadBuffer(const ReadBuffer&) = delete;
  ReadBuffer& operator=(const ReadBuffer&) = delete;
  unsigned char* data() const { return data_; }

 private:
  unsigned char* data_ = nullptr;
  size_t length_ = 0;
};

void spin_for(int64_t ns) {
  int64_t until = monotonic_ns() + ns;
  while (monotonic_ns() < until) {
  }
}

class Race {
 public:
  Race(Session& session, const PatternFile& file, const Options& o)
      : session_(session),
        file_(file),
        file_size_(o.file_size),
        read_size_(o.read_size),
        max_delay_ns_(o.max_delay.count()),
        inject_(o.inject == Inject::wrong_copy) {
    if (int rc = io_uring_queue_init(8, &ring_, 0); rc < 0) {
      fail(ErrorKind::unsupported, "io_uring is not available here: {}", std::strerror(-rc));
    }
  }
  ~Race() { io_uring_queue_exit(&ring_); }
  Race(const Race&) = delete;
  Race& operator=(const Race&) = delete;

  // Up to `tries` tries, or fewer when the deadline (CLOCK_MONOTONIC ns) passes first.
  Tally run(const Variant& v, uint64_t tries, int64_t deadline_ns) {
    Tally tally;
    std::optional<ThreadReader> reader;
    if (v.reader == Reader::thread && !(inject_ && v.race)) reader.emplace();
    ReadBuffer buffer(read_size_, v.buffer);
    for (uint64_t i = 0; i < tries && !session_.stop_requested(); ++i) {
      if (i > 0 && monotonic_ns() > deadline_ns) break;
      one_try(v, i, buffer.data(), reader ? &*reader : nullptr, tally);
    }
    return tally;
  }

 private:
  void one_try(const Variant& v, uint64_t index, unsigned char* page, ThreadReader* reader,
               Tally& tally) {
    const size_t align = kSector * (1 + index % 7);  // 512 … 3584
    const size_t length = read_size_ - align;
    const uint64_t offset =
        4096 * std::uniform_int_distribution<uint64_t>(0, (file_size_ - read_size_) / 4096)(rng_);
    const int64_t delay =
        max_delay_ns_ > 0 ? std::uniform_int_distribution<int64_t>(0, max_delay_ns_)(rng_) : 0;
    std::memset(page, kSentinel, read_size_);
    unsigned char* target = page + align;
    const int fd = v.direct ? file_.direct : file_.buffered;
    const bool injected = inject_ && v.race;

    if (!injected && v.reader == Reader::io_uring) {
      io_uring_sqe* sqe = io_uring_get_sqe(&ring_);
      io_uring_prep_read(sqe, fd, target, static_cast<unsigned>(length), offset);
      io_uring_submit(&ring_);
    } else if (!injected) {
      reader->start(fd, target, length, static_cast<off_t>(offset));
    }
    spin_for(delay);
    if (!injected && v.reader == Reader::io_uring) {
      io_uring_cqe* ready = nullptr;
      if (io_uring_peek_cqe(&ring_, &ready) != 0) ++tally.in_flight_at_fork;
    }

    int release[2];
    if (::pipe2(release, O_CLOEXEC) != 0)
      fail(ErrorKind::internal, "pipe: {}", std::strerror(errno));
    const pid_t parent = ::getpid();
    pid_t child = ::fork();
    if (child < 0) fail(ErrorKind::unsupported, "fork: {}", std::strerror(errno));
    if (child == 0) {
      ::close(release[1]);  // or the read below never sees end-of-file
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      if (::getppid() != parent) ::_exit(1);
      // The wrong copy: the child reads into its own copy of the page, as a kernel that lets the
      // device fill the page the parent no longer maps would.
      if (injected) (void)!::pread(fd, target, length, static_cast<off_t>(offset));
      char token;
      (void)!::read(release[0], &token, 1);
      ::_exit(0);
    }
    if (v.parent_writes) *reinterpret_cast<volatile unsigned char*>(page + align / 2) = 1;

    ssize_t result = static_cast<ssize_t>(length);
    if (!injected && v.reader == Reader::io_uring) {
      io_uring_cqe* cqe = nullptr;
      int rc = io_uring_wait_cqe(&ring_, &cqe);
      result = rc < 0 ? rc : cqe->res;
      if (rc == 0) io_uring_cqe_seen(&ring_, cqe);
    } else if (!injected) {
      result = reader->wait();
    }
    ::close(release[1]);
    ::close(release[0]);
    ::waitpid(child, nullptr, 0);

    ++tally.tries;
    if (result != static_cast<ssize_t>(length)) {
      ++tally.read_errors;
    } else {
      check(target, length, offset, tally);
    }
  }

  Session& session_;
  const PatternFile& file_;
  uint64_t file_size_ = 0, read_size_ = 0;
  int64_t max_delay_ns_ = 0;
  bool inject_ = false;
  io_uring ring_{};
  std::mt19937_64 rng_{0x6d6d74756e65ull};
};

// The losses over all variants run.
struct Totals {
  uint64_t race_loss = 0, race_tries = 0, control_loss = 0;
  std::vector<std::string> lossy_controls;
};

void report_variant(Session& session, const Variant& v, const Tally& t, bool injecting) {
  std::map<std::string, std::string> labels = {{"variant", std::string(v.name)},
                                               {"kind", v.race ? "race" : "control"}};
  std::string name(v.name);
  session.measured("tries." + name, double(t.tries), "tries", "tries completed", labels);
  session.measured("data_loss." + name, double(t.data_loss), "reads",
                   "reads whose bytes differ from the file's pattern after completion", labels);
  if (v.race || t.stale) {
    session.measured(
        "stale." + name, double(t.stale), "reads",
        "lost reads whose wrong bytes all still hold the 0xFA sentinel (the data went elsewhere)",
        labels);
  }
  if (t.read_errors)
    session.measured("read_errors." + name, double(t.read_errors), "reads", "short or failed reads",
                     labels);
  if (v.reader == Reader::io_uring && !(injecting && v.race)) {
    session.measured("in_flight_at_fork." + name, double(t.in_flight_at_fork), "tries",
                     "io_uring_peek_cqe found no completion just before fork()", labels);
  }
  if (t.tries && v.race) {
    session.derived("data_loss_pct." + name, 100.0 * double(t.data_loss) / double(t.tries), "%",
                    "data_loss / tries × 100", labels);
  }
}

// Each selected variant in its share of --time-budget (time a variant leaves unused carries over
// to the next ones).
Totals run_variants(Session& session, Race& race, const Options& o) {
  size_t variant_count = 0;
  for (const Variant& v : kVariants) variant_count += selected(v, o);
  const int64_t start_ns = monotonic_ns();
  size_t variant_index = 0;
  Totals totals;
  for (const Variant& v : kVariants) {
    if (!selected(v, o)) continue;
    if (session.stop_requested()) break;
    PhaseStart phase = session.begin_phase(std::string(v.name));
    int64_t deadline =
        start_ns + o.time_budget.count() * int64_t(++variant_index) / int64_t(variant_count);
    Tally t = race.run(v, o.tries, deadline);
    session.end_phase(phase);
    report_variant(session, v, t, o.inject == Inject::wrong_copy);
    if (v.race) {
      totals.race_loss += t.data_loss;
      totals.race_tries += t.tries;
    } else {
      totals.control_loss += t.data_loss;
      if (t.data_loss)
        totals.lossy_controls.push_back(
            fmt::format("{} lost {} of {}", v.name, t.data_loss, t.tries));
    }
  }
  return totals;
}

// With --inject wrong-copy: the checker must have caught every injected loss.
void check_the_checker(Session& session, const Totals& totals) {
  session.explain(
      fmt::format("finding: injected fault (--inject wrong-copy): the checker caught {} of {} "
                  "reads delivered to "
                  "the child's copy",
                  totals.race_loss, totals.race_tries));
  if (totals.race_loss != totals.race_tries) {
    fail(ErrorKind::internal, "the checker missed {} of {} injected losses",
         totals.race_tries - totals.race_loss, totals.race_tries);
  }
}

// Affected or not, against the model; data lost where it must not be fails the run.
void report_finding(Session& session, const Totals& totals, bool expected) {
  const uint64_t race_loss = totals.race_loss, race_tries = totals.race_tries;
  session.derived("affected", race_loss > 0 ? 1 : 0, "bool",
                  "1 when any race try lost data (io_uring or thread)");
  std::string kernel = session.host().kernel.release;
  if (race_loss > 0 && expected) {
    session.explain(fmt::format(
        "finding: affected, as the model expects: {} of {} racing reads lost their data on {}",
        race_loss, race_tries, kernel));
    session.note(
        "workaround, shown safe by the controls here: MADV_DONTFORK on O_DIRECT buffers (or "
        "MAP_SHARED), or "
        "no fork() while O_DIRECT reads are in flight");
  } else if (race_loss > 0) {
    session.explain(
        fmt::format("finding: affected: {} of {} racing reads lost their data on {}, which the "
                    "model expects to "
                    "be fixed",
                    race_loss, race_tries, kernel));
  } else if (expected) {
    session.explain(
        fmt::format("finding: expected affected but not reproduced ({} tries): the model expects "
                    "{} to lose data",
                    race_tries, kernel));
  } else {
    session.explain(fmt::format("finding: not affected: 0 of {} racing reads lost data on {}",
                                race_tries, kernel));
  }
  if (totals.control_loss > 0) {
    fail(ErrorKind::internal, "a control lost data ({}): these must be safe on every kernel",
         fmt::join(totals.lossy_controls, ", "));
  }
  if (race_loss > 0 && !expected) {
    fail(ErrorKind::internal,
         "data loss on {}, which the model expects to be fixed: {} of {} racing reads", kernel,
         race_loss, race_tries);
  }
}

void run(Session& session, const Options& o) {
  PatternFile file;
  if (!make_pattern_file(session, file, o.dir, o.file_size) || session.stop_requested()) return;
  session.note(fmt::format(
      "pattern file: {} on {} in {} ({}, unlinked); reads of {} from the page start, "
      "align 512…3584, random spin ≤ {} before fork()",
      facts::format_size(o.file_size), file.filesystem, o.dir, "O_TMPFILE or unlinked at once",
      facts::format_size(o.read_size), facts::format_duration(o.max_delay)));
  Race race(session, file, o);
  const Totals totals = run_variants(session, race, o);
  if (session.stop_requested()) return;

  model::DioForkPrediction expectation = model_for(kVariants[0], session.host().kernel);
  session.explain(fmt::format("model: {} ({})", expectation.why.text, expectation.why.rule));
  if (o.inject == Inject::wrong_copy) {
    check_the_checker(session, totals);
    return;
  }
  report_finding(session, totals, expectation.verdict == model::DioVerdict::data_loss_expected);
}

}  // namespace

extern const Workload kDioForkRace = define_workload<unsupported, invalid, footprint, predict, run>(
    "dio-fork-race",
    "O_DIRECT read in flight, fork(), parent writes the same page: is the read's data lost?",
    kParams);

}  // namespace mmtune::workloads
