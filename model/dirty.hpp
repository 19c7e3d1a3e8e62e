#pragma once
// Dirty page-cache limits: dirtyable memory, background and hard thresholds (ratio or bytes), the
// free-run ceiling and setpoint of balance_dirty_pages, and the worst-case age of dirty data.
// See the essay in dirty.cpp.
#include <cstdint>
#include <optional>

#include "model/prediction.hpp"

namespace mmtune::model {

// The four dirty sysctls as the kernel holds them: of each pair (ratio, bytes) one is 0.
struct DirtySettings {
  int64_t ratio = 20;                 // vm.dirty_ratio, %
  int64_t background_ratio = 10;      // vm.dirty_background_ratio, %
  uint64_t bytes = 0;                 // vm.dirty_bytes (0 = use the ratio)
  uint64_t background_bytes = 0;      // vm.dirty_background_bytes (0 = use the ratio)
  int64_t expire_centisecs = 3000;    // vm.dirty_expire_centisecs
  int64_t writeback_centisecs = 500;  // vm.dirty_writeback_centisecs (0 = no periodic writeback)
};
// Reads the vm.dirty_* knobs; a knob the host lacks keeps the kernel default above.
DirtySettings dirty_settings_from(const facts::Settings& settings);

// What global_dirtyable_memory() reads, in pages. Take free from MemFree (meminfo), which counts
// memory the kernel has not initialised yet as free, like the dirty limits do; nr_free_pages and
// the zones' free pages do not.
struct DirtyInputs {
  uint64_t free_pages = 0;          // MemFree / 4 KiB
  uint64_t file_lru_pages = 0;      // nr_active_file + nr_inactive_file
  uint64_t totalreserve_pages = 0;  // model/watermarks.hpp totalreserve_pages()
};
// free from meminfo.free_bytes; the file LRU from /proc/vmstat (nr_active_file + nr_inactive_file)
// when present, else from meminfo Active(file) + Inactive(file).
DirtyInputs dirty_inputs_from(const facts::HostFacts& facts, uint64_t totalreserve_pages);

struct DirtyLimits {
  uint64_t dirtyable_pages = 0;
  uint64_t background_pages = 0;   // nr_dirty_background_threshold
  uint64_t threshold_pages = 0;    // nr_dirty_threshold: the hard limit
  uint64_t freerun_pages = 0;      // (thresh + bg) / 2: writers run unthrottled below it
  uint64_t setpoint_pages = 0;     // (freerun + limit) / 2: where throttled writers settle
  bool background_halved = false;  // bg ≥ thresh, so the kernel used thresh / 2
  bool age_unbounded = false;      // dirty_writeback_centisecs = 0
  Prediction dirtyable, background, threshold, freerun, setpoint;
  Prediction worst_age_seconds;  // expire + writeback interval (infinite when unbounded)
};

// Mirrors global_dirtyable_memory + domain_dirty_limits (global domain, a non-RT task) and
// dirty_freerun_ceiling / balance_dirty_pages. kernel selects the ratio precision: 1/4096 steps
// since ≈4.2, whole percent before.
DirtyLimits dirty_limits(const DirtyInputs& inputs, const DirtySettings& settings,
                         const facts::KernelInfo& kernel);

// ---- the memory-cgroup dirty domain (cgroup v2 writeback) ----
//
// On cgroup v2 with the memory and io controllers, pages a task dirties belong to its memory
// cgroup's writeback domain, and balance_dirty_pages checks that domain beside the global one:
// a writer runs free only while both are under their free-run ceilings, and is throttled by the
// one whose pos_ratio is lower (mm/page-writeback.c: mdtc, domain_dirty_avail, mdtc_calc_avail,
// domain_dirty_limits).
//   avail_m = filepages_m + min(headroom, other_clean), headroom = min over the cgroup and its
//     ancestors of min(memory.max, memory.high) − usage; other_clean = the global clean page
//     cache not the cgroup's. With the writers' page cache as most of the cgroup's usage this is
//     min(ceiling − other usage, avail_g − others' dirty pages).
//   The ratios apply to avail_m as they do globally; *_bytes settings do not apply to a memcg
//     directly: they become a ratio of global dirtyable memory, ⌈bytes / avail_g⌉ in 1/4096 steps.
// So without a memory limit the cgroup's domain is the global one less other processes' dirty
// pages: the global domain binds (its count includes theirs; on a tie the kernel keeps the
// global). With a ceiling whose share is below the global limit, the cgroup's domain binds.
struct MemcgDirtyInputs {
  std::optional<uint64_t> ceiling_pages;  // min(memory.max, memory.high); nullopt = none
  uint64_t other_usage_pages = 0;         // the cgroup's memory that is not its page cache
};

struct DirtyDomain {
  bool memcg_binds = false;
  DirtyLimits limits;  // of the domain that binds
  DirtyLimits memcg;   // the cgroup's domain
  Prediction binding;  // 1 = the memory cgroup's domain, 0 = the global one
};

// global: dirty_limits() of the host (its dirtyable_pages is avail_g).
DirtyDomain memcg_dirty_domain(const DirtyLimits& global, const DirtySettings& settings,
                               const MemcgDirtyInputs& cgroup, const facts::KernelInfo& kernel);

}  // namespace mmtune::model
