// Reclaim balance: which LRU reclaim scans for a swappiness, and when a memory cgroup OOMs.
//
// Classic LRU — get_scan_count() (mm/vmscan.c, the IO-cost model since 5.8), first match wins:
//   1. no swap (or !may_swap)                       → SCAN_FILE
//   2. cgroup reclaim and swappiness 0              → SCAN_FILE (a memcg at 0 never swaps)
//   3. priority 0 and swappiness ≠ 0                → SCAN_EQUAL (near OOM)
//   4. global reclaim and file + free ≤ Σ high      → SCAN_ANON (file_is_tiny: why global reclaim
//                                                     still swaps at swappiness 0)
//   5. cache_trim_mode (inactive file plenty, no file refaults) → SCAN_FILE
//   6. SCAN_FRACT: total = anon_cost + file_cost; a = total + anon_cost; f = total + file_cost;
//      ap = sw · (a + f + 1) / (a + 1); fp = (200 − sw) · (a + f + 1) / (f + 1); anon share =
//      ap/(ap+fp)
// With no recent cost (both 0) anon:file = sw : (200 − sw) exactly: 0 → 0, 1 → 1/200, 60 → 30 %,
// 100 → 50 %, 200 → anon only; exactly equal non-zero costs truncate (sw 1 → 1/398).
// (Before 5.8 the range was 0..100 and rotation ratios played the costs' part.)
//
// MGLRU — get_swappiness() gives 0 without swap; isolate_folios() then picks the type:
//   swappiness 0 → file only, with no file_is_tiny escape (it can OOM with free swap);
//   anon's oldest generation older than file's → anon; swappiness 1 → file first;
//   200 → anon first; otherwise get_type_to_scan(): a PID controller comparing refault rates with
//   gains sw : 200 − sw (nominally the classic share when refault rates are equal). The type is
//   only a preference: eviction takes folios from the oldest generations (scan_folios from
//   min_seq), and new anon pages enter the youngest (faults) while read() pages enter the oldest;
//   aging, which moves everything a generation older, is lazy (should_run_aging: only once the
//   oldest generations run low). So a working set faulted in since the last aging is not evicted
//   while a reader keeps refilling the oldest generations with page cache: file only, at any
//   swappiness (measured on 6.12 in a cgroup v2 guest: no anon page reclaimed in phases of 8 to
//   30 s at swappiness 1 and 100, with the file thrashing, 228k refaults in 30 s).
//
// OOM point of a memory cgroup — try_charge_memcg() reclaims within the cgroup, retries
// MAX_RECLAIM_RETRIES (16) times, then mem_cgroup_oom(). Clean page cache is always reclaimable,
// so anonymous memory decides: it can reach limit + usable swap − unreclaimable, where usable swap
// = min(swap limit, free swap on the host) if cgroup reclaim swaps at all (swap present and
// swappiness ≠ 0; cgroup v2 uses vm.swappiness, v1 the cgroup's memory.swappiness), else 0.
//
// Worked example: memory.max 512 MiB, memory.swap.max 256 MiB, 4 GiB swap free, swappiness 60 →
// the OOM killer fires when the cgroup holds ≈ 768 MiB of anonymous memory; at swappiness 0, 512
// MiB.
#include "model/reclaim.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "facts/error.hpp"
#include "facts/units.hpp"

namespace mmtune::model {
namespace {

constexpr int kMaxSwappiness = 200;

ScanBalance decide(ScanDecision decision, double share, std::string rule, const char* function,
                   std::string text) {
  ScanBalance out;
  out.decision = decision;
  out.anon_reclaimable = decision != ScanDecision::file_only;
  out.anon_share = {"anon_share", share, "ratio", {std::move(rule), function, std::move(text)}};
  return out;
}

}  // namespace

std::string_view to_string(ScanDecision decision) {
  switch (decision) {
    case ScanDecision::file_only:
      return "file only";
    case ScanDecision::anon_only:
      return "anon only";
    case ScanDecision::equal:
      return "anon and file by size";
    case ScanDecision::fraction:
      return "anon and file by swappiness and IO cost";
    case ScanDecision::file_first:
      return "file first";
    case ScanDecision::anon_first:
      return "anon first";
    case ScanDecision::refault_balanced:
      return "balanced by refault rates";
  }
  return "?";
}

ScanBalance scan_balance(const ReclaimShape& shape) {
  const int sw = std::clamp(shape.swappiness, 0, kMaxSwappiness);
  const bool cgroup = shape.scope == ReclaimScope::cgroup;
  if (shape.lru == LruKind::mglru) {
    const char* fn = "get_swappiness / isolate_folios (mm/vmscan.c, MGLRU)";
    if (!shape.swap_available) {
      return decide(ScanDecision::file_only, 0,
                    "MGLRU without swap: swappiness counts as 0 → file only", fn, "no free swap");
    }
    if (sw == 0) {
      return decide(ScanDecision::file_only, 0,
                    "MGLRU swappiness 0 → file only, no file_is_tiny escape", fn,
                    "anon is never scanned: OOM possible with free swap");
    }
    if (shape.anon_unaged) {
      return decide(
          ScanDecision::file_only, 0,
          "MGLRU: no old anon to evict (faulted in since the last aging) → file only", fn,
          fmt::format("swappiness {} picks the type first, but scan_folios takes the "
                      "oldest generations, where only page cache is; aging waits for them "
                      "to run out",
                      sw));
    }
    if (sw == 1) {
      return decide(ScanDecision::file_first, 0, "MGLRU swappiness 1 → file first", fn,
                    "anon only when its oldest generation is older than file's");
    }
    if (sw == kMaxSwappiness) {
      return decide(ScanDecision::anon_first, 1, "MGLRU swappiness 200 → anon first", fn,
                    "file only when file's oldest generation is older");
    }
    double nominal = double(sw) / kMaxSwappiness;
    return decide(ScanDecision::refault_balanced, nominal,
                  "MGLRU: get_type_to_scan balances refault rates with gains sw : 200 − sw", fn,
                  fmt::format("gains {} : {}; nominal anon share {:.3f} at equal refault rates", sw,
                              kMaxSwappiness - sw, nominal));
  }

  const char* fn = "get_scan_count (mm/vmscan.c)";
  if (!shape.swap_available) {
    return decide(ScanDecision::file_only, 0, "no swap → SCAN_FILE", fn,
                  "anon cannot be reclaimed");
  }
  if (cgroup && sw == 0) {
    return decide(ScanDecision::file_only, 0, "cgroup reclaim with swappiness 0 → SCAN_FILE", fn,
                  "a memory cgroup at swappiness 0 never swaps");
  }
  if (shape.near_oom && sw != 0) {
    return decide(ScanDecision::equal, 0.5, "priority 0 → SCAN_EQUAL", fn,
                  "both LRUs by size, near OOM");
  }
  if (!cgroup && shape.file_is_tiny) {
    return decide(ScanDecision::anon_only, 1, "global reclaim, file + free ≤ Σ high → SCAN_ANON",
                  fn,
                  fmt::format("swappiness {} does not matter: the page cache is nearly gone", sw));
  }
  if (shape.cache_trim) {
    return decide(ScanDecision::file_only, 0, "cache_trim_mode → SCAN_FILE", fn,
                  "plenty of inactive file and no file refaults");
  }
  const uint64_t total = shape.anon_cost + shape.file_cost;
  const uint64_t a = total + shape.anon_cost, f = total + shape.file_cost, sum = a + f;
  const uint64_t ap = uint64_t(sw) * (sum + 1) / (a + 1);
  const uint64_t fp = uint64_t(kMaxSwappiness - sw) * (sum + 1) / (f + 1);
  const double share = ap + fp ? double(ap) / double(ap + fp) : 0;
  ScanBalance out =
      decide(ScanDecision::fraction, share,
             "SCAN_FRACT: ap = sw·(a+f+1)/(a+1), fp = (200−sw)·(a+f+1)/(f+1)", fn,
             fmt::format("sw {}: ap {} : fp {} → anon share {:.4f}", sw, ap, fp, share));
  out.anon_reclaimable = ap > 0;
  return out;
}

OomPoint cgroup_oom_point(const CgroupOomShape& shape) {
  if (shape.limit_bytes == 0)
    fail(ErrorKind::bad_input, "cgroup OOM point: the memory limit must be positive");
  OomPoint out;
  ReclaimShape reclaim{
      .swappiness = shape.swappiness,
      .lru = shape.lru,
      .swap_available = shape.host_swap_free_bytes > 0 && shape.swap_limit_bytes.value_or(1) > 0,
      .scope = ReclaimScope::cgroup};
  ScanBalance balance = scan_balance(reclaim);
  out.swaps = balance.anon_reclaimable;
  const uint64_t swap_room =
      std::min(shape.swap_limit_bytes.value_or(UINT64_MAX), shape.host_swap_free_bytes);
  const uint64_t usable = out.swaps ? swap_room : 0;
  std::string swap_limit_text =
      shape.swap_limit_bytes ? facts::format_bytes(*shape.swap_limit_bytes) : "max";
  out.swap_usable = {"swap_usable",
                     double(usable),
                     "bytes",
                     {"usable swap = min(swap limit, free swap) if cgroup reclaim swaps, else 0",
                      "try_charge_memcg → try_to_free_mem_cgroup_pages → get_scan_count",
                      out.swaps ? fmt::format("= min({}, {}) = {}", swap_limit_text,
                                              facts::format_bytes(shape.host_swap_free_bytes),
                                              facts::format_bytes(usable))
                                : fmt::format("= 0: {}", balance.anon_share.why.rule)}};
  const uint64_t room = shape.limit_bytes + usable;
  const uint64_t anon = room - std::min(room, shape.unreclaimable_bytes);
  out.anon_at_oom = {
      "anon_at_oom",
      double(anon),
      "bytes",
      {"OOM when anon > limit + usable swap − unreclaimable",
       "try_charge_memcg → mem_cgroup_oom (mm/memcontrol.c)",
       fmt::format("= {} + {} − {} = {}", facts::format_bytes(shape.limit_bytes),
                   facts::format_bytes(usable), facts::format_bytes(shape.unreclaimable_bytes),
                   facts::format_bytes(anon))}};
  return out;
}

}  // namespace mmtune::model
