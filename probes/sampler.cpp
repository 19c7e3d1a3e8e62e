#include "probes/sampler.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <utility>

#include "facts/error.hpp"
#include "probes/parsers.hpp"

namespace mmtune::probes {
namespace {

constexpr std::string_view kFieldNames[] = {
    "pgfault",
    "pgmajfault",
    "pgscan_kswapd",
    "pgscan_direct",
    "pgsteal_kswapd",
    "pgsteal_direct",
    "allocstall",
    "compact_stall",
    "thp_fault_alloc",
    "thp_fault_fallback",
    "pswpin",
    "pswpout",
    "workingset_refault",
    "nr_dirty",
    "nr_writeback",
    "nr_free_pages",
    "zone_free",
    "zone_min",
    "zone_low",
    "zone_high",
    "psi_some_us",
    "psi_full_us",
    "proc_minflt",
    "proc_majflt",
    "proc_rss_pages",
    "cg_pgfault",
    "cg_pgmajfault",
    "cg_pgscan",
    "cg_pgsteal",
    "cg_refault",
    "cg_current_bytes",
    "cg_dirty_bytes",
    "cg_writeback_bytes",
    "cg_oom_kill",
    "cg_psi_some_us",
    "cg_psi_full_us",
};
static_assert(std::size(kFieldNames) == kFieldCount);

size_t index(Field f) { return static_cast<size_t>(f); }

int64_t monotonic_ns() {
  timespec now{};
  ::clock_gettime(CLOCK_MONOTONIC, &now);
  return int64_t{now.tv_sec} * 1'000'000'000 + now.tv_nsec;
}

// One line of a file that holds a value we want, found when the sampler was built.
struct WatchedLine {
  uint32_t line = 0;  // 0-based line number
  Field field{};
  std::string key;  // what the line starts with (after indentation); checked on every read
};

using Resolver = std::function<std::vector<WatchedLine>(std::string_view text)>;

// A file kept open and re-read with pread into its own buffer.
struct WatchedFile {
  std::string rel;
  int fd = -1;
  bool is_target = false;  // part of --pid/--cgroup: failure to read means the target is gone
  bool proc_stat = false;  // /proc/PID/stat: fields by position, not by line
  std::vector<char> buffer;
  std::vector<WatchedLine> lines;  // sorted by line
  std::bitset<kFieldCount> fields;
  Resolver resolve;
};

void close_files(std::vector<WatchedFile>& files) {
  for (WatchedFile& file : files) {
    if (file.fd >= 0) ::close(file.fd);
    file.fd = -1;
  }
}

// Reads the whole file from offset 0; the buffer grows (allocation) only when the file outgrows it.
std::optional<std::string_view> reread(WatchedFile& file) {
  for (;;) {
    ssize_t n = ::pread(file.fd, file.buffer.data(), file.buffer.size(), 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (static_cast<size_t>(n) < file.buffer.size()) return std::string_view(file.buffer.data(), n);
    file.buffer.resize(file.buffer.size() * 2);
  }
}

bool is_space(char c) { return c == ' ' || c == '\t'; }

// The number in the last word of a line: "pgfault 123", "        min      45",
// "some avg10=0.00 avg60=0.00 avg300=0.00 total=123" (after the '=').
bool last_number(std::string_view line, uint64_t& out) {
  while (!line.empty() && (is_space(line.back()) || line.back() == '\r')) line.remove_suffix(1);
  size_t start = line.size();
  while (start > 0 && !is_space(line[start - 1]) && line[start - 1] != '=') --start;
  std::string_view word = line.substr(start);
  auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), out);
  return ec == std::errc() && ptr == word.data() + word.size() && !word.empty();
}

bool starts_with_key(std::string_view line, std::string_view key) {
  while (!line.empty() && is_space(line.front())) line.remove_prefix(1);
  if (!line.starts_with(key)) return false;
  return line.size() == key.size() || key.empty() || is_space(line[key.size()]) ||
         line[key.size()] == ':';
}

// Parses the watched lines of text into out. Returns false when a line no longer holds what it
// held when resolved (the file's layout changed), so the caller resolves it again.
bool parse_lines(const WatchedFile& file, std::string_view text, Sample& out) {
  size_t pos = 0;
  uint32_t line_no = 0;
  for (const WatchedLine& watched : file.lines) {
    while (line_no < watched.line) {
      const void* newline = std::memchr(text.data() + pos, '\n', text.size() - pos);
      if (!newline) return false;
      pos = static_cast<size_t>(static_cast<const char*>(newline) - text.data()) + 1;
      ++line_no;
    }
    const void* newline = std::memchr(text.data() + pos, '\n', text.size() - pos);
    size_t end = newline ? static_cast<size_t>(static_cast<const char*>(newline) - text.data())
                         : text.size();
    std::string_view line = text.substr(pos, end - pos);
    uint64_t value = 0;
    if (!starts_with_key(line, watched.key) || !last_number(line, value)) return false;
    out.values[index(watched.field)] += value;
  }
  return true;
}

// /proc/PID/stat: "pid (comm) S ppid …"; comm may hold spaces and parentheses, so fields are
// counted from the last ')'. minflt is field 10, majflt 12, rss 24 (1-based, as in proc(5)).
bool parse_proc_stat(std::string_view text, Sample& out) {
  size_t close = text.rfind(')');
  if (close == std::string_view::npos) return false;
  std::string_view rest = text.substr(close + 1);
  int field = 2;
  size_t i = 0;
  int found = 0;
  while (i < rest.size() && found < 3) {
    while (i < rest.size() && (is_space(rest[i]) || rest[i] == '\n')) ++i;
    size_t start = i;
    while (i < rest.size() && !is_space(rest[i]) && rest[i] != '\n') ++i;
    if (i == start) break;
    ++field;
    Field target{};
    if (field == 10)
      target = Field::proc_minflt;
    else if (field == 12)
      target = Field::proc_majflt;
    else if (field == 24)
      target = Field::proc_rss_pages;
    else
      continue;
    uint64_t value = 0;
    auto [ptr, ec] = std::from_chars(rest.data() + start, rest.data() + i, value);
    if (ec != std::errc()) return false;
    out.values[index(target)] = value;
    ++found;
  }
  return found == 3;
}

// Walks lines, calling f(line_no, line).
template <typename F>
void each_line(std::string_view text, F&& f) {
  uint32_t line_no = 0;
  while (!text.empty()) {
    size_t end = text.find('\n');
    f(line_no++, text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

std::string_view first_word(std::string_view line) {
  line = trim(line);
  size_t end = 0;
  while (end < line.size() && !is_space(line[end])) ++end;
  return line.substr(0, end);
}

// Zone-split counters: pgscan_kswapd_normal (< 4.8), allocstall_movable (4.8+).
bool has_zone_suffix(std::string_view key, std::string_view stem) {
  if (!key.starts_with(stem) || key.size() <= stem.size() + 1 || key[stem.size()] != '_')
    return false;
  std::string_view zone = key.substr(stem.size() + 1);
  for (std::string_view known : {"dma", "dma32", "normal", "movable", "high", "device"}) {
    if (zone == known) return true;
  }
  return false;
}

std::optional<Field> vmstat_field(std::string_view key) {
  struct Entry {
    std::string_view key;
    Field field;
    bool per_zone;  // also sum key_<zone>
  };
  static constexpr Entry kEntries[] = {
      {"pgfault", Field::pgfault, false},
      {"pgmajfault", Field::pgmajfault, false},
      {"pgscan_kswapd", Field::pgscan_kswapd, true},
      {"pgscan_direct", Field::pgscan_direct, true},  // not pgscan_direct_throttle: no zone suffix
      {"pgsteal_kswapd", Field::pgsteal_kswapd, true},
      {"pgsteal_direct", Field::pgsteal_direct, true},
      {"allocstall", Field::allocstall, true},
      {"compact_stall", Field::compact_stall, false},
      {"thp_fault_alloc", Field::thp_fault_alloc, false},
      {"thp_fault_fallback", Field::thp_fault_fallback, false},
      {"pswpin", Field::pswpin, false},
      {"pswpout", Field::pswpout, false},
      {"workingset_refault", Field::workingset_refault, false},  // before 5.9
      {"workingset_refault_anon", Field::workingset_refault, false},
      {"workingset_refault_file", Field::workingset_refault, false},
      {"nr_dirty", Field::nr_dirty, false},
      {"nr_writeback", Field::nr_writeback, false},
      {"nr_free_pages", Field::nr_free_pages, false},
  };
  for (const Entry& entry : kEntries) {
    if (key == entry.key || (entry.per_zone && has_zone_suffix(key, entry.key))) return entry.field;
  }
  return std::nullopt;
}

std::vector<WatchedLine> resolve_vmstat(std::string_view text) {
  std::vector<WatchedLine> lines;
  each_line(text, [&](uint32_t line_no, std::string_view line) {
    std::string_view key = first_word(line);
    if (auto field = vmstat_field(key)) lines.push_back({line_no, *field, std::string(key)});
  });
  return lines;
}

// Free pages and watermarks of every zone with managed pages: an empty Movable zone prints
// min = low = high = 32 on 6.x, which would distort the sums.
std::vector<WatchedLine> resolve_zoneinfo(std::string_view text) {
  std::vector<facts::Zone> zones = parse_zoneinfo(text);
  std::vector<WatchedLine> lines;
  int zone_index = -1;
  each_line(text, [&](uint32_t line_no, std::string_view line) {
    std::string_view trimmed = trim(line);
    if (trimmed.starts_with("Node ")) {
      ++zone_index;
      return;
    }
    if (zone_index < 0 || static_cast<size_t>(zone_index) >= zones.size() ||
        zones[static_cast<size_t>(zone_index)].managed_pages == 0) {
      return;
    }
    std::string_view key = first_word(trimmed);
    if (trimmed.starts_with("pages free"))
      lines.push_back({line_no, Field::zone_free, "pages free"});
    else if (key == "min")
      lines.push_back({line_no, Field::zone_min, "min"});
    else if (key == "low")
      lines.push_back({line_no, Field::zone_low, "low"});
    else if (key == "high")
      lines.push_back({line_no, Field::zone_high, "high"});
  });
  return lines;
}

Resolver resolve_psi(Field some, Field full) {
  return [some, full](std::string_view text) {
    std::vector<WatchedLine> lines;
    each_line(text, [&](uint32_t line_no, std::string_view line) {
      std::string_view key = first_word(line);
      if (key == "some") lines.push_back({line_no, some, "some"});
      if (key == "full") lines.push_back({line_no, full, "full"});
    });
    return lines;
  };
}

// "key value" files, with a key → field table. v1 memory.stat has both "pgfault" (this cgroup
// only) and "total_pgfault" (with its children): the caller passes the total_* names.
Resolver resolve_keys(std::vector<std::pair<std::string, Field>> keys) {
  return [keys = std::move(keys)](std::string_view text) {
    std::vector<WatchedLine> lines;
    each_line(text, [&](uint32_t line_no, std::string_view line) {
      std::string_view key = first_word(line);
      for (const auto& [name, field] : keys) {
        if (key == name) lines.push_back({line_no, field, name});
      }
    });
    return lines;
  };
}

Resolver resolve_single(Field field) {
  return [field](std::string_view) { return std::vector<WatchedLine>{{0, field, ""}}; };
}

}  // namespace

std::string_view field_name(Field field) { return kFieldNames[index(field)]; }

std::optional<uint64_t> delta(const Sample& before, const Sample& after, Field f) {
  if (!before.has(f) || !after.has(f)) return std::nullopt;
  return after[f] >= before[f] ? after[f] - before[f] : 0;
}

struct Sampler::Impl {
  SamplerTarget target;
  CgroupDir cgroup;
  std::vector<WatchedFile> files;
  std::bitset<kFieldCount> fields;

  ~Impl() { close_files(files); }

  // Opens rel and resolves its lines. Returns false when the file cannot be opened or read.
  bool add(const HostFs& fs, std::string rel, Resolver resolve, bool is_target) {
    WatchedFile file;
    file.rel = std::move(rel);
    file.is_target = is_target;
    file.resolve = std::move(resolve);
    file.fd = ::open(fs.path(file.rel).c_str(), O_RDONLY | O_CLOEXEC);
    if (file.fd < 0) return false;
    file.buffer.resize(16384);
    auto text = reread(file);
    if (!text || trim(*text).empty()) {  // PSI with psi=0 reads EOPNOTSUPP
      ::close(file.fd);
      return false;
    }
    file.lines = file.resolve(*text);
    for (const WatchedLine& line : file.lines) file.fields.set(index(line.field));
    if (file.lines.empty()) {  // nothing we sample (memory.events of the v2 root, say)
      ::close(file.fd);
      return false;
    }
    // Room for growth without allocating on the sampling path.
    file.buffer.resize(std::max<size_t>(16384, text->size() * 2));
    fields |= file.fields;
    files.push_back(std::move(file));
    return true;
  }

  void add_process(const HostFs& fs, int pid) {
    WatchedFile file;
    file.rel = "proc/" + std::to_string(pid) + "/stat";
    file.is_target = true;
    file.proc_stat = true;
    file.fd = ::open(fs.path(file.rel).c_str(), O_RDONLY | O_CLOEXEC);
    file.buffer.resize(4096);
    Sample probe;
    auto text = file.fd >= 0 ? reread(file) : std::nullopt;
    if (!text || !parse_proc_stat(*text, probe)) {
      if (file.fd >= 0) ::close(file.fd);
      fail(ErrorKind::bad_input, "--pid {}: no such process", pid);
    }
    for (Field f : {Field::proc_minflt, Field::proc_majflt, Field::proc_rss_pages})
      file.fields.set(index(f));
    fields |= file.fields;
    files.push_back(std::move(file));
  }

  void add_cgroup(const HostFs& fs, const CgroupDir& cg) {
    auto in = [&](std::string_view name) { return cg.dir + "/" + std::string(name); };
    if (cg.version == 2) {
      add(fs, in("memory.stat"),
          resolve_keys({{"pgfault", Field::cg_pgfault},
                        {"pgmajfault", Field::cg_pgmajfault},
                        {"pgscan", Field::cg_pgscan},
                        {"pgsteal", Field::cg_pgsteal},
                        {"workingset_refault", Field::cg_refault},
                        {"workingset_refault_anon", Field::cg_refault},
                        {"workingset_refault_file", Field::cg_refault},
                        {"file_dirty", Field::cg_dirty_bytes},
                        {"file_writeback", Field::cg_writeback_bytes}}),
          true);
      add(fs, in("memory.current"), resolve_single(Field::cg_current_bytes),
          true);  // not in the root
      add(fs, in("memory.events"), resolve_keys({{"oom_kill", Field::cg_oom_kill}}), true);
      add(fs, in("memory.pressure"), resolve_psi(Field::cg_psi_some_us, Field::cg_psi_full_us),
          true);
    } else {
      add(fs, in("memory.stat"),
          resolve_keys({{"total_pgfault", Field::cg_pgfault},
                        {"total_pgmajfault", Field::cg_pgmajfault},
                        {"total_workingset_refault", Field::cg_refault},
                        {"total_workingset_refault_anon", Field::cg_refault},
                        {"total_workingset_refault_file", Field::cg_refault},
                        {"total_dirty", Field::cg_dirty_bytes},
                        {"total_writeback", Field::cg_writeback_bytes}}),
          true);
      add(fs, in("memory.usage_in_bytes"), resolve_single(Field::cg_current_bytes), true);
      add(fs, in("memory.oom_control"), resolve_keys({{"oom_kill", Field::cg_oom_kill}}), true);
    }
    if (!(fields & cgroup_fields()).any()) {
      fail(ErrorKind::bad_input, "--cgroup \"{}\": cannot read {}", *target.cgroup,
           fs.path(cg.dir).string());
    }
  }

  static std::bitset<kFieldCount> cgroup_fields() {
    std::bitset<kFieldCount> mask;
    for (size_t f = index(Field::cg_pgfault); f <= index(Field::cg_psi_full_us); ++f) mask.set(f);
    return mask;
  }
};

Sampler::Sampler(const HostFs& fs, const SamplerTarget& target) : impl_(std::make_unique<Impl>()) {
  impl_->target = target;
  if (!impl_->add(fs, "proc/vmstat", resolve_vmstat, false)) {
    fail(ErrorKind::unsupported, "cannot read {}", fs.path("proc/vmstat").string());
  }
  impl_->add(fs, "proc/zoneinfo", resolve_zoneinfo, false);
  impl_->add(fs, "proc/pressure/memory", resolve_psi(Field::psi_some_us, Field::psi_full_us),
             false);
  if (target.pid) impl_->add_process(fs, *target.pid);
  if (target.cgroup) {
    impl_->cgroup = resolve_cgroup(fs, *target.cgroup);
    impl_->add_cgroup(fs, impl_->cgroup);
  }
}

Sampler::~Sampler() = default;
Sampler::Sampler(Sampler&& other) noexcept = default;
Sampler& Sampler::operator=(Sampler&& other) noexcept = default;

const std::bitset<kFieldCount>& Sampler::fields() const { return impl_->fields; }
const SamplerTarget& Sampler::target() const { return impl_->target; }
const CgroupDir& Sampler::cgroup() const { return impl_->cgroup; }

bool Sampler::sample(Sample& out) {
  out.mono_ns = monotonic_ns();
  out.values.fill(0);
  out.present.reset();
  bool target_alive = true;
  for (WatchedFile& file : impl_->files) {
    auto text = reread(file);
    bool parsed = false;
    if (text) {
      if (file.proc_stat) {
        parsed = parse_proc_stat(*text, out);
      } else {
        parsed = parse_lines(file, *text, out);
        if (!parsed) {
          // The layout changed (memory hotplug added a zone, say): resolve again. This allocates,
          // but only when the kernel changed the file's shape.
          for (const WatchedLine& line : file.lines) out.values[index(line.field)] = 0;
          file.lines = file.resolve(*text);
          file.fields.reset();
          for (const WatchedLine& line : file.lines) file.fields.set(index(line.field));
          parsed = parse_lines(file, *text, out);
        }
      }
    }
    if (parsed) {
      out.present |= file.fields;
    } else {
      for (size_t f = 0; f < kFieldCount; ++f) {
        if (file.fields.test(f)) out.values[f] = 0;
      }
      if (file.is_target) target_alive = false;
    }
  }
  return target_alive;
}

SamplerStop::SamplerStop() {
  fd_ = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd_ < 0) fail(ErrorKind::internal, "eventfd: {}", std::strerror(errno));
}

SamplerStop::~SamplerStop() {
  if (fd_ >= 0) ::close(fd_);
}

void SamplerStop::request() noexcept {
  requested_.store(true, std::memory_order_release);
  uint64_t one = 1;
  ssize_t ignored =
      ::write(fd_, &one, sizeof one);  // wakes a waiting ppoll; failure only if already signalled
  (void)ignored;
}

namespace {

// Sleeps until deadline (CLOCK_MONOTONIC ns). Returns false if stop was requested first.
bool sleep_until(int64_t deadline, const SamplerStop& stop) {
  for (;;) {
    if (stop.requested()) return false;
    int64_t now = monotonic_ns();
    if (now >= deadline) return true;
    int64_t wait = deadline - now;
    timespec timeout{static_cast<time_t>(wait / 1'000'000'000),
                     static_cast<long>(wait % 1'000'000'000)};
    pollfd fd{stop.fd(), POLLIN, 0};
    ::ppoll(&fd, 1, &timeout, nullptr);  // EINTR (a signal) just loops and checks stop again
  }
}

}  // namespace

SamplingEnd run_sampling(Sampler& sampler, const SamplingOptions& options, SamplerStop& stop,
                         const std::function<void(const Sample&)>& on_sample) {
  const int64_t interval = options.interval.count();
  if (interval <= 0) fail(ErrorKind::internal, "run_sampling: interval must be positive");
  Sample sample;
  if (!sampler.sample(sample)) return SamplingEnd::target_gone;
  on_sample(sample);
  const int64_t start = sample.mono_ns;
  int64_t tick = 1;
  for (;;) {
    int64_t offset = tick * interval;
    if (options.duration && offset > options.duration->count()) return SamplingEnd::duration;
    if (!sleep_until(start + offset, stop)) return SamplingEnd::stopped;
    // A sample in which the target has gone is not passed on: every delivered sample has the same
    // fields, so a series built from them has no holes at its end.
    if (!sampler.sample(sample)) return SamplingEnd::target_gone;
    on_sample(sample);
    // The next deadline after now: a tick that ran past one or more deadlines skips them.
    tick = std::max(tick + 1, (monotonic_ns() - start) / interval + 1);
  }
}

BackgroundSampler::BackgroundSampler(Sampler sampler, std::chrono::nanoseconds interval,
                                     size_t reserve)
    : sampler_(std::move(sampler)) {
  samples_.reserve(reserve);
  thread_ = std::thread([this, interval] {
    SamplingOptions options;
    options.interval = interval;
    end_ =
        run_sampling(sampler_, options, stop_, [this](const Sample& s) { samples_.push_back(s); });
  });
}

BackgroundSampler::~BackgroundSampler() { stop(); }

std::vector<Sample> BackgroundSampler::stop() {
  if (!thread_.joinable()) return {};
  stop_.request();
  thread_.join();
  if (end_ == SamplingEnd::stopped) {  // close the series at the moment of stopping
    Sample last;
    if (sampler_.sample(last)) samples_.push_back(last);
  }
  return std::move(samples_);
}

}  // namespace mmtune::probes
