// Inverse formulas for the advisor: from a wanted outcome back to a knob value.
//
// kswapd headroom. Between the low and the min watermark (the gap, low − min) allocations still
// succeed on the fast path's slow retry while kswapd reclaims; below min they stall in direct
// reclaim (allocstall). After balancing a node kswapd naps HZ/10 (kswapd_try_to_sleep) before it
// sleeps for good; a burst that starts then runs against the gap alone. So a burst allocating R
// bytes/s needs a gap of R × 0.1 s not to reach min before kswapd is back:
//   headroom = R · 0.1 s
// The gap is max(min/4, managed · wsf / 10000) (__setup_per_zone_wmarks), so the factor that
// gives a zone of M managed pages a gap of G pages is
//   wsf = ⌈G · 10000 / M⌉, clamped to [1, 3000] (the sysctl's range, vm.rst)
// Raising wsf moves only where kswapd wakes and sleeps; raising min_free_kbytes instead makes a
// hard reserve nobody but atomic allocations may use (docs/advice.md: prefer wsf).
// Worked example: 2 GiB/s of first-touch faults → 205 MiB headroom; a Normal zone of 6 M pages
// (23 GiB) needs ⌈52429 · 10000 / 6291456⌉ = 84.
//
// Commit limit — vm_commit_limit() (mm/util.c), overcommit_memory = 2:
//   CommitLimit = (totalram − hugetlb) · overcommit_ratio / 100 + total_swap
// A new mapping fails (ENOMEM, fork() too) once Committed_AS would pass it (less the
// admin/user reserves).
//
// Dirty limits sized to a device. A bystander that must wait for writeback waits at most for what
// is dirty to drain at the device's bandwidth B; to bound that wait to D seconds the hard limit is
// B · D bytes, the background threshold a quarter of it so the flushers start early
// (domain_dirty_limits; the usual advice keeps bg at 1/4–1/2 of thresh, docs/advice.md). With the
// ratio knobs one percent of dirtyable memory is the finest step: on a large host that is
// gigabytes.
// Worked example: 400 MB/s and 1 s → hard 382 MiB (rounded up to MiB), background 96 MiB.
#include "model/advice_inputs.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "facts/error.hpp"
#include "facts/units.hpp"

namespace mmtune::model {
namespace {

constexpr int64_t kWsfMax = 3000;
constexpr uint64_t kMinHardDirtyBytes = 16 * kMiB;

uint64_t round_up_mib(double bytes) {
  return div_round_up(static_cast<uint64_t>(std::ceil(bytes)), kMiB) * kMiB;
}

}  // namespace

Prediction burst_headroom_bytes(double alloc_bytes_per_s, double reaction_s) {
  const double bytes = std::max(0.0, alloc_bytes_per_s) * reaction_s;
  return {"burst_headroom_bytes",
          std::floor(bytes),
          "bytes",
          {"headroom = allocation rate × kswapd reaction time",
           "kswapd_try_to_sleep (mm/vmscan.c: HZ/10 nap before sleeping)",
           fmt::format("= {}/s × {:g} s = {}", facts::format_bytes(uint64_t(alloc_bytes_per_s)),
                       reaction_s, facts::format_bytes(uint64_t(bytes)))}};
}

Prediction watermark_scale_factor_for_gap(uint64_t managed_pages, uint64_t gap_pages) {
  if (managed_pages == 0)
    fail(ErrorKind::bad_input, "watermark_scale_factor: zone has no managed pages");
  const uint64_t wanted = div_round_up(gap_pages * 10000, managed_pages);
  const int64_t wsf = std::clamp<int64_t>(int64_t(wanted), 1, kWsfMax);
  return {"watermark_scale_factor",
          double(wsf),
          "1/10000",
          {"wsf = ⌈gap · 10000 / managed⌉, within [1, 3000]",
           "__setup_per_zone_wmarks (mm/page_alloc.c: gap = managed · wsf / 10000)",
           fmt::format("= ⌈{} · 10000 / {}⌉ = {}{}", gap_pages, managed_pages, wanted,
                       int64_t(wanted) != wsf ? fmt::format(" → {} (sysctl range)", wsf) : "")}};
}

Prediction commit_limit_bytes(uint64_t total_ram_bytes, uint64_t hugetlb_bytes,
                              int64_t overcommit_ratio, uint64_t swap_total_bytes) {
  const uint64_t ram = total_ram_bytes > hugetlb_bytes ? total_ram_bytes - hugetlb_bytes : 0;
  const uint64_t ratio = uint64_t(std::max<int64_t>(overcommit_ratio, 0));
  const uint64_t limit = ram / kPageSize * ratio / 100 * kPageSize + swap_total_bytes;
  return {"commit_limit_bytes",
          double(limit),
          "bytes",
          {"CommitLimit = (MemTotal − hugetlb) · overcommit_ratio / 100 + SwapTotal",
           "vm_commit_limit (mm/util.c)",
           fmt::format("= {} · {} % + {} = {}", facts::format_bytes(ram), ratio,
                       facts::format_bytes(swap_total_bytes), facts::format_bytes(limit))}};
}

DirtyBytesSizing dirty_bytes_for_bandwidth(double write_bytes_per_s, double drain_s) {
  if (!(write_bytes_per_s > 0) || !(drain_s > 0)) {
    fail(ErrorKind::bad_input,
         "dirty sizing: bandwidth {} B/s and drain time {} s must be positive", write_bytes_per_s,
         drain_s);
  }
  const uint64_t hard = std::max(round_up_mib(write_bytes_per_s * drain_s), kMinHardDirtyBytes);
  const uint64_t background = round_up_mib(double(hard) / 4);
  DirtyBytesSizing out;
  out.hard = {"dirty_bytes",
              double(hard),
              "bytes",
              {"dirty_bytes = write bandwidth × drain time, ≥ 16 MiB, rounded up to MiB",
               "domain_dirty_limits (mm/page-writeback.c: thresh = ⌈dirty_bytes / 4 KiB⌉)",
               fmt::format("= {}/s × {:g} s = {}", facts::format_bytes(uint64_t(write_bytes_per_s)),
                           drain_s, facts::format_bytes(hard))}};
  out.background = {
      "dirty_background_bytes",
      double(background),
      "bytes",
      {"dirty_background_bytes = dirty_bytes / 4, rounded up to MiB",
       "domain_dirty_limits (bg_thresh; background writeback starts above it)",
       fmt::format("= {} / 4 = {}", facts::format_bytes(hard), facts::format_bytes(background))}};
  return out;
}

Prediction dirty_ratio_step_bytes(uint64_t dirtyable_pages) {
  const uint64_t bytes = dirtyable_pages * kPageSize / 100;
  return {
      "dirty_ratio_step_bytes",
      double(bytes),
      "bytes",
      {"one percent of vm.dirty_ratio = dirtyable memory / 100",
       "domain_dirty_limits (mm/page-writeback.c)",
       fmt::format("= {} / 100 = {}", format_pages(dirtyable_pages), facts::format_bytes(bytes))}};
}

}  // namespace mmtune::model
