#pragma once
// Reclaim balance and the OOM point of a memory cgroup. See the essay in reclaim.cpp.
#include <cstdint>
#include <optional>
#include <string_view>

#include "model/prediction.hpp"

namespace mmtune::model {

enum class LruKind { classic, mglru };
enum class ReclaimScope { global, cgroup };

struct ReclaimShape {
  int swappiness = 60;
  LruKind lru = LruKind::classic;
  bool swap_available = true;  // free swap (or a demotion target): anon can be reclaimed
  ReclaimScope scope = ReclaimScope::global;
  bool file_is_tiny = false;  // global: file LRU + free ≤ Σ high watermarks
  bool cache_trim = false;    // plenty of inactive file and no file refaults (streaming cache)
  bool near_oom = false;      // reclaim priority reached 0
  uint64_t anon_cost = 0;     // recent IO cost of anon (swap-ins, rotations), decayed; 0 and 0 (no
                              // recent cost) give exactly sw : 200 − sw
  uint64_t file_cost = 0;     // recent IO cost of file (refaults, rotations), decayed
  // MGLRU: the anonymous pages were all faulted in since the last aging (a new cgroup's working
  // set), while a reader keeps putting page cache into the oldest generation (read() pages enter
  // it): eviction finds no old anon, and the aging that would age it waits for the oldest
  // generations to run out, which the reader keeps them from.
  bool anon_unaged = false;
};

enum class ScanDecision {
  file_only,         // SCAN_FILE: anon is not scanned
  anon_only,         // SCAN_ANON
  equal,             // SCAN_EQUAL: both by LRU size (near OOM)
  fraction,          // SCAN_FRACT: anon share from swappiness and the IO costs
  file_first,        // MGLRU swappiness 1: file unless anon's oldest generation is older
  anon_first,        // MGLRU swappiness 200
  refault_balanced,  // MGLRU: a PID controller evens out refault rates with gains sw : 200 − sw
};
std::string_view to_string(ScanDecision decision);

struct ScanBalance {
  ScanDecision decision = ScanDecision::file_only;
  bool anon_reclaimable = false;  // anon may be scanned (swapped) at all in this situation
  Prediction anon_share;  // share of scan pressure on anon (MGLRU: nominal, at equal refaults)
};

// Mirrors get_scan_count (classic) or get_swappiness/isolate_folios (MGLRU).
ScanBalance scan_balance(const ReclaimShape& shape);

struct CgroupOomShape {
  uint64_t limit_bytes = 0;  // memory.max / memory.limit_in_bytes
  std::optional<uint64_t> swap_limit_bytes =
      std::nullopt;  // memory.swap.max, or memsw − limit (v1); empty = unlimited
  uint64_t host_swap_free_bytes = 0;
  int swappiness = 60;  // v1: the cgroup's memory.swappiness; v2: vm.swappiness
  LruKind lru = LruKind::classic;
  uint64_t unreclaimable_bytes = 0;  // charged already and not reclaimable (kernel memory, …)
};

struct OomPoint {
  bool swaps = false;      // cgroup reclaim will swap anon out
  Prediction swap_usable;  // bytes of swap the cgroup can fill
  Prediction anon_at_oom;  // anonymous memory the cgroup holds when the OOM killer fires
};

// Throws Error{bad_input} for a zero limit.
OomPoint cgroup_oom_point(const CgroupOomShape& shape);

}  // namespace mmtune::model
