#pragma once
// Anonymous and file mappings for the workloads: RAII, optionally 2 MiB-aligned, and the
// per-VMA smaps lookup that says how much of one mapping is in huge pages.
#include <cstddef>
#include <cstdint>
#include <optional>

#include "facts/facts.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::workloads {

enum class HugeAdvice { none, hugepage, nohugepage };

class Mapping {
 public:
  Mapping() = default;
  // Private anonymous memory of length bytes (rounded up to 4 KiB), starting on a 2 MiB boundary
  // when aligned. Throws Error{unsupported} when mmap fails (ENOMEM: overcommit or a limit).
  static Mapping anonymous(size_t length, bool aligned, HugeAdvice advice);
  // A shared mapping of fd (a memfd or an unlinked temp file) of length bytes.
  static Mapping shared_file(int fd, size_t length, HugeAdvice advice);
  ~Mapping();
  Mapping(Mapping&& other) noexcept;
  Mapping& operator=(Mapping&& other) noexcept;
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;

  char* data() const { return data_; }
  size_t size() const { return length_; }
  // Unmaps now (its cost is part of some measurements).
  void reset();

 private:
  char* map_ = nullptr;  // what mmap returned (may start before data_ when aligned)
  size_t map_length_ = 0;
  char* data_ = nullptr;
  size_t length_ = 0;
};

// The smaps fields of the VMA that starts at address ("AnonHugePages", "Rss", … in bytes);
// nullopt when no VMA starts there.
std::optional<facts::Counters> smaps_of(const probes::HostFs& fs, const void* address);

}  // namespace mmtune::workloads
