// Dirty page-cache limits (mm/page-writeback.c).
//
// Dirtyable memory — global_dirtyable_memory():
//   x = NR_FREE_PAGES − min(NR_FREE_PAGES, totalreserve_pages) + NR_ACTIVE_FILE + NR_INACTIVE_FILE
//   + 1
// Anonymous memory is not dirtyable, so "dirty_ratio % of RAM" is wrong: it is a share of free
// memory above the reserves plus the page cache. On hosts that initialise memory lazily the
// kernel's free count includes the uninitialised memory (MemFree does, nr_free_pages does not):
// take MemFree.
//
// Thresholds — domain_dirty_limits(), global domain:
//   ratio steps: r = dirty_ratio · 4096 / 100 (≈4.2+; 20 % → 819/4096 = 19.995 %)
//   thresh    = dirty_bytes            ? ⌈dirty_bytes / 4 KiB⌉            : r · avail / 4096
//   bg_thresh = dirty_background_bytes ? ⌈dirty_background_bytes / 4 KiB⌉ : r_bg · avail / 4096
//   if bg_thresh ≥ thresh: bg_thresh = thresh / 2
// (real-time tasks get +1/4 + dirty_limit/32; not modelled.) /proc/vmstat shows the result as
// nr_dirty_threshold and nr_dirty_background_threshold.
//
// Throttling — balance_dirty_pages() (IO-less since 3.2): flushers start background writeback above
// bg_thresh; writers run free below freerun = (thresh + bg_thresh) / 2 (dirty_freerun_ceiling);
// above it they are paused with pos_ratio falling from 2 to 0 around setpoint = (freerun +
// limit)/2, limit = thresh once it is stable (hard_dirty_limit); at limit they sleep max_pause
// repeatedly. With 20/10: writeback from 10 %, throttling from 15 %, equilibrium ≈ 17.5 %, hard
// stop at 20 % of dirtyable memory.
//
// Age — the flusher wakes every dirty_writeback_centisecs and writes inodes dirtied more than
// dirty_expire_centisecs ago (wb_check_old_data_flush), so data waits at most expire + interval
// (30 s + 5 s by default). dirty_writeback_centisecs = 0 disables the periodic flush: below the
// background threshold, data then waits until something else writes it (unbounded).
//
// Assumptions: global domain (a memory cgroup's own domain under cgroup v2 writeback is smaller),
// one bdi without min/max_ratio or strictlimit, no highmem.
//
// Worked example: MemFree 20 GiB (5242880 pages), reserve 31545 pages, file LRU 1 GiB (262144)
// → avail = 5473480 pages; 20 %: 819 · 5473480 / 4096 = 1094428 pages (4.2 GiB); 10 %:
// 409 · 5473480 / 4096 = 546546 pages; freerun 820487 pages (3.1 GiB).
#include "model/dirty.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>
#include <cmath>
#include <limits>

#include "facts/units.hpp"

namespace mmtune::model {
namespace {

struct Threshold {
  uint64_t pages = 0;
  std::string text;
};

Threshold threshold_for(uint64_t bytes, int64_t ratio, uint64_t avail, bool fine_steps,
                        std::string_view bytes_knob, std::string_view ratio_knob) {
  if (bytes) {
    uint64_t pages = div_round_up(bytes, kPageSize);
    return {pages, fmt::format("{} = {} → ⌈{}/4096⌉ = {} pages", bytes_knob, bytes, bytes, pages)};
  }
  uint64_t r = uint64_t(std::max<int64_t>(ratio, 0));
  if (fine_steps) {
    uint64_t steps = r * kPageSize / 100;
    uint64_t pages = steps * avail / kPageSize;
    return {pages,
            fmt::format("{} = {} % → {}/4096 · {} = {} pages", ratio_knob, r, steps, avail, pages)};
  }
  uint64_t pages = r * avail / 100;
  return {pages, fmt::format("{} = {} % → {}·{}/100 = {} pages", ratio_knob, r, r, avail, pages)};
}

Prediction pages_prediction(std::string name, uint64_t pages, Explanation why) {
  return {std::move(name), double(pages), "pages", std::move(why)};
}

// (a + b) / 2 pages, in the kernel's integer arithmetic.
Prediction midpoint_prediction(std::string name, uint64_t a, uint64_t b, std::string rule,
                               std::string kernel_function) {
  const uint64_t pages = (a + b) / 2;
  return pages_prediction(std::move(name), pages,
                          {std::move(rule), std::move(kernel_function),
                           fmt::format("= ({} + {}) / 2 = {} pages ({})", a, b, pages,
                                       facts::format_bytes(pages * kPageSize))});
}

}  // namespace

DirtySettings dirty_settings_from(const facts::Settings& settings) {
  DirtySettings out;
  auto get = [&](std::string_view knob, auto fallback) {
    auto value = settings.integer(knob);
    return value ? static_cast<decltype(fallback)>(*value) : fallback;
  };
  out.ratio = get("vm.dirty_ratio", out.ratio);
  out.background_ratio = get("vm.dirty_background_ratio", out.background_ratio);
  out.bytes = get("vm.dirty_bytes", out.bytes);
  out.background_bytes = get("vm.dirty_background_bytes", out.background_bytes);
  out.expire_centisecs = get("vm.dirty_expire_centisecs", out.expire_centisecs);
  out.writeback_centisecs = get("vm.dirty_writeback_centisecs", out.writeback_centisecs);
  return out;
}

DirtyInputs dirty_inputs_from(const facts::HostFacts& facts, uint64_t totalreserve) {
  DirtyInputs in;
  in.free_pages = facts.meminfo.free_bytes / kPageSize;
  auto active = facts.vmstat.get("nr_active_file"), inactive = facts.vmstat.get("nr_inactive_file");
  in.file_lru_pages =
      active && inactive
          ? *active + *inactive
          : (facts.meminfo.active_file_bytes + facts.meminfo.inactive_file_bytes) / kPageSize;
  in.totalreserve_pages = totalreserve;
  return in;
}

DirtyLimits dirty_limits(const DirtyInputs& in, const DirtySettings& settings,
                         const facts::KernelInfo& kernel) {
  DirtyLimits out;
  const uint64_t free_above_reserve =
      in.free_pages - std::min(in.free_pages, in.totalreserve_pages);
  out.dirtyable_pages = free_above_reserve + in.file_lru_pages + 1;
  out.dirtyable = pages_prediction(
      "dirtyable", out.dirtyable_pages,
      {"avail = free − min(free, totalreserve) + file LRU + 1",
       "global_dirtyable_memory (mm/page-writeback.c)",
       fmt::format("= {} − {} + {} + 1 = {} pages ({})", in.free_pages,
                   std::min(in.free_pages, in.totalreserve_pages), in.file_lru_pages,
                   out.dirtyable_pages, facts::format_bytes(out.dirtyable_pages * kPageSize))});

  const bool fine = kernel_at_least(kernel, 4, 2);
  Threshold thresh = threshold_for(settings.bytes, settings.ratio, out.dirtyable_pages, fine,
                                   "vm.dirty_bytes", "vm.dirty_ratio");
  Threshold bg =
      threshold_for(settings.background_bytes, settings.background_ratio, out.dirtyable_pages, fine,
                    "vm.dirty_background_bytes", "vm.dirty_background_ratio");
  thresh.pages = std::min<uint64_t>(thresh.pages, UINT_MAX);
  out.threshold_pages = thresh.pages;
  out.background_pages = bg.pages;
  if (bg.pages >= thresh.pages) {
    out.background_halved = true;
    out.background_pages = thresh.pages / 2;
    bg.text += fmt::format(" ≥ thresh → thresh/2 = {} pages", out.background_pages);
  }
  const char* limits_fn = "domain_dirty_limits (mm/page-writeback.c)";
  out.threshold = pages_prediction(
      "threshold", out.threshold_pages,
      {settings.bytes ? "thresh = ⌈dirty_bytes / 4 KiB⌉" : "thresh = ratio·4096/100 · avail / 4096",
       limits_fn, thresh.text + " (" + facts::format_bytes(out.threshold_pages * kPageSize) + ")"});
  out.background = pages_prediction(
      "background", out.background_pages,
      {settings.background_bytes ? "bg = ⌈dirty_background_bytes / 4 KiB⌉; bg ≥ thresh → thresh/2"
                                 : "bg = bg_ratio·4096/100 · avail / 4096; bg ≥ thresh → thresh/2",
       limits_fn, bg.text + " (" + facts::format_bytes(out.background_pages * kPageSize) + ")"});

  out.freerun_pages = (out.threshold_pages + out.background_pages) / 2;
  out.freerun = midpoint_prediction("freerun", out.threshold_pages, out.background_pages,
                                    "freerun = (thresh + bg) / 2: writers are throttled above it",
                                    "dirty_freerun_ceiling (mm/page-writeback.c)");
  out.setpoint_pages = (out.freerun_pages + out.threshold_pages) / 2;
  out.setpoint = midpoint_prediction(
      "setpoint", out.freerun_pages, out.threshold_pages,
      "setpoint = (freerun + limit) / 2, limit = thresh: throttled writers settle here",
      "balance_dirty_pages → pos_ratio_polynom (mm/page-writeback.c)");

  out.age_unbounded = settings.writeback_centisecs == 0;
  double age = out.age_unbounded
                   ? std::numeric_limits<double>::infinity()
                   : double(settings.expire_centisecs + settings.writeback_centisecs) / 100.0;
  out.worst_age_seconds = {
      "worst_age_seconds",
      age,
      "seconds",
      {"age ≤ dirty_expire + dirty_writeback interval",
       "wb_check_old_data_flush (fs/fs-writeback.c)",
       out.age_unbounded
           ? "dirty_writeback_centisecs = 0: no periodic writeback, age unbounded below bg"
           : fmt::format("= ({} + {}) cs = {:.1f} s", settings.expire_centisecs,
                         settings.writeback_centisecs, age)}};
  return out;
}

namespace {

// domain_dirty_limits for a memcg domain: the ratio in 1/4096 steps, a *_bytes setting turned
// into one of global dirtyable memory.
uint64_t memcg_steps(uint64_t bytes, int64_t ratio, uint64_t avail_g) {
  if (bytes) return std::min<uint64_t>(div_round_up(bytes, std::max<uint64_t>(avail_g, 1)), 4096);
  return uint64_t(std::max<int64_t>(ratio, 0)) * 4096 / 100;
}

DirtyLimits memcg_limits(const DirtyLimits& global, const DirtySettings& settings,
                         const MemcgDirtyInputs& cgroup) {
  const uint64_t avail_g = global.dirtyable_pages;
  uint64_t avail = avail_g;
  std::string avail_text =
      fmt::format("no memory.max or memory.high: avail_m = avail_g = {} pages", avail_g);
  if (cgroup.ceiling_pages) {
    const uint64_t room =
        *cgroup.ceiling_pages - std::min(*cgroup.ceiling_pages, cgroup.other_usage_pages);
    avail = std::min(avail_g, room);
    avail_text = fmt::format("avail_m = min(avail_g {}, ceiling {} − other usage {}) = {} pages",
                             avail_g, *cgroup.ceiling_pages, cgroup.other_usage_pages, avail);
  }
  DirtyLimits m;
  m.dirtyable_pages = avail;
  m.dirtyable = pages_prediction(
      "memcg dirtyable", avail,
      {"avail_m = filepages_m + min(headroom, other clean) ≈ min(ceiling − other usage, avail_g)",
       "domain_dirty_avail → mdtc_calc_avail (mm/page-writeback.c)", avail_text});
  const uint64_t steps = memcg_steps(settings.bytes, settings.ratio, avail_g);
  const uint64_t bg_steps =
      memcg_steps(settings.background_bytes, settings.background_ratio, avail_g);
  m.threshold_pages = steps * avail / 4096;
  m.background_pages = bg_steps * avail / 4096;
  if (m.background_pages >= m.threshold_pages) {
    m.background_halved = true;
    m.background_pages = m.threshold_pages / 2;
  }
  m.freerun_pages = (m.threshold_pages + m.background_pages) / 2;
  m.setpoint_pages = (m.freerun_pages + m.threshold_pages) / 2;
  const char* fn = "domain_dirty_limits, memcg domain (mm/page-writeback.c)";
  m.threshold =
      pages_prediction("memcg threshold", m.threshold_pages,
                       {settings.bytes ? "thresh_m = ⌈dirty_bytes / avail_g⌉/4096 · avail_m"
                                       : "thresh_m = ratio·4096/100 · avail_m / 4096",
                        fn,
                        fmt::format("{}/4096 · {} = {} pages ({})", steps, avail, m.threshold_pages,
                                    facts::format_bytes(m.threshold_pages * kPageSize))});
  m.background = pages_prediction(
      "memcg background", m.background_pages,
      {"bg_m as thresh_m, from the background setting; bg ≥ thresh → thresh/2", fn,
       fmt::format("{}/4096 · {} = {} pages ({}){}", bg_steps, avail, m.background_pages,
                   facts::format_bytes(m.background_pages * kPageSize),
                   m.background_halved ? ", halved" : "")});
  m.freerun = pages_prediction(
      "memcg freerun", m.freerun_pages,
      {"freerun_m = (thresh_m + bg_m) / 2", "dirty_freerun_ceiling (mm/page-writeback.c)",
       fmt::format("= ({} + {}) / 2 = {} pages ({})", m.threshold_pages, m.background_pages,
                   m.freerun_pages, facts::format_bytes(m.freerun_pages * kPageSize))});
  m.setpoint = pages_prediction(
      "memcg setpoint", m.setpoint_pages,
      {"setpoint_m = (freerun_m + thresh_m) / 2",
       "balance_dirty_pages → pos_ratio_polynom (mm/page-writeback.c)",
       fmt::format("= ({} + {}) / 2 = {} pages ({})", m.freerun_pages, m.threshold_pages,
                   m.setpoint_pages, facts::format_bytes(m.setpoint_pages * kPageSize))});
  m.worst_age_seconds = global.worst_age_seconds;
  m.age_unbounded = global.age_unbounded;
  return m;
}

}  // namespace

DirtyDomain memcg_dirty_domain(const DirtyLimits& global, const DirtySettings& settings,
                               const MemcgDirtyInputs& cgroup, const facts::KernelInfo&) {
  DirtyDomain out;
  out.memcg = memcg_limits(global, settings, cgroup);
  out.memcg_binds = out.memcg.threshold_pages < global.threshold_pages;
  out.limits = out.memcg_binds ? out.memcg : global;
  out.binding = {
      "memcg domain binds",
      out.memcg_binds ? 1.0 : 0.0,
      "bool",
      {"the writers are throttled by the domain that reaches its free-run ceiling first: the "
       "memory cgroup's when thresh_m < thresh_g (its count holds only the cgroup's pages, the "
       "global one everyone's; on a tie the kernel keeps the global)",
       "balance_dirty_pages: sdtc = mdtc only when its pos_ratio is lower (mm/page-writeback.c)",
       fmt::format("thresh_m {} pages ({}) {} thresh_g {} pages ({}): the {} domain binds",
                   out.memcg.threshold_pages,
                   facts::format_bytes(out.memcg.threshold_pages * kPageSize),
                   out.memcg_binds ? "<" : "≥", global.threshold_pages,
                   facts::format_bytes(global.threshold_pages * kPageSize),
                   out.memcg_binds ? "memory cgroup's" : "global")}};
  return out;
}

}  // namespace mmtune::model
