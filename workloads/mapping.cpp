#include "workloads/mapping.hpp"

#include <fmt/format.h>
#include <sys/mman.h>

#include <cerrno>
#include <cstring>
#include <utility>

#include "facts/error.hpp"
#include "probes/parsers.hpp"

namespace mmtune::workloads {
namespace {

constexpr size_t kAlign = 2 * 1024 * 1024;

size_t round_up(size_t value, size_t to) { return (value + to - 1) / to * to; }

void advise(char* data, size_t length, HugeAdvice advice) {
  int how = advice == HugeAdvice::hugepage ? MADV_HUGEPAGE : MADV_NOHUGEPAGE;
  if (advice != HugeAdvice::none && ::madvise(data, length, how) != 0) {
    // EINVAL: a kernel built without THP. No huge pages is then the truth anyway.
    if (errno != EINVAL) fail(ErrorKind::internal, "madvise: {}", std::strerror(errno));
  }
}

}  // namespace

Mapping Mapping::anonymous(size_t length, bool aligned, HugeAdvice advice) {
  Mapping m;
  m.length_ = round_up(length, 4096);
  m.map_length_ = aligned ? m.length_ + kAlign : m.length_;
  void* p =
      ::mmap(nullptr, m.map_length_, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    fail(ErrorKind::unsupported, "mmap of {} bytes: {}", m.map_length_, std::strerror(errno));
  }
  m.map_ = static_cast<char*>(p);
  m.data_ = aligned ? reinterpret_cast<char*>(round_up(reinterpret_cast<uintptr_t>(m.map_), kAlign))
                    : m.map_;
  if (aligned) {
    // Give back the unused head and tail, so the VMA is exactly the aligned region.
    size_t head = static_cast<size_t>(m.data_ - m.map_);
    if (head) ::munmap(m.map_, head);
    size_t tail = m.map_length_ - head - m.length_;
    if (tail) ::munmap(m.data_ + m.length_, tail);
    m.map_ = m.data_;
    m.map_length_ = m.length_;
  }
  advise(m.data_, m.length_, advice);
  return m;
}

Mapping Mapping::shared_file(int fd, size_t length, HugeAdvice advice) {
  Mapping m;
  m.length_ = round_up(length, 4096);
  m.map_length_ = m.length_;
  void* p = ::mmap(nullptr, m.length_, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) fail(ErrorKind::unsupported, "mmap of a file: {}", std::strerror(errno));
  m.map_ = m.data_ = static_cast<char*>(p);
  advise(m.data_, m.length_, advice);
  return m;
}

Mapping::~Mapping() { reset(); }

Mapping::Mapping(Mapping&& other) noexcept
    : map_(std::exchange(other.map_, nullptr)),
      map_length_(std::exchange(other.map_length_, 0)),
      data_(std::exchange(other.data_, nullptr)),
      length_(std::exchange(other.length_, 0)) {}

Mapping& Mapping::operator=(Mapping&& other) noexcept {
  if (this != &other) {
    reset();
    map_ = std::exchange(other.map_, nullptr);
    map_length_ = std::exchange(other.map_length_, 0);
    data_ = std::exchange(other.data_, nullptr);
    length_ = std::exchange(other.length_, 0);
  }
  return *this;
}

void Mapping::reset() {
  if (map_) ::munmap(map_, map_length_);
  map_ = data_ = nullptr;
  map_length_ = length_ = 0;
}

std::optional<facts::Counters> smaps_of(const probes::HostFs& fs, const void* address) {
  auto text = fs.read("proc/self/smaps");
  if (!text) return std::nullopt;
  const std::string start = fmt::format("{:08x}-", reinterpret_cast<uintptr_t>(address));
  size_t at = 0;
  while (at < text->size()) {
    size_t end = text->find('\n', at);
    if (end == std::string::npos) end = text->size();
    if (std::string_view(*text).substr(at, end - at).starts_with(start)) {
      // This VMA's fields run until the next header line (one that has no ':' right after its
      // first word, i.e. the next "start-end perms …" line).
      size_t body = end + 1, stop = body;
      while (stop < text->size()) {
        size_t line_end = text->find('\n', stop);
        if (line_end == std::string::npos) line_end = text->size();
        std::string_view line = std::string_view(*text).substr(stop, line_end - stop);
        size_t space = line.find(' ');
        if (space != std::string_view::npos &&
            line.substr(0, space).find(':') == std::string_view::npos)
          break;
        stop = line_end + 1;
      }
      return probes::parse_colon_kib(std::string_view(*text).substr(body, stop - body));
    }
    at = end + 1;
  }
  return std::nullopt;
}

}  // namespace mmtune::workloads
