#pragma once
// The inverse formulas the advisor sizes its recommendations with: which watermark_scale_factor
// gives a zone a wanted kswapd headroom, how much headroom an allocation burst needs, the commit
// limit under overcommit_memory = 2, dirty limits sized to a write bandwidth, and the step of a
// dirty ratio in bytes. See the essay in advice_inputs.cpp.
#include <cstdint>

#include "model/prediction.hpp"

namespace mmtune::model {

// kswapd naps HZ/10 after balancing a node (kswapd_try_to_sleep) before it decides to sleep: the
// window in which an allocation burst eats the low − min headroom unopposed.
inline constexpr double kKswapdReactionSeconds = 0.1;

// Headroom (low − min) that keeps a burst allocating at bytes_per_s above min while kswapd
// reacts: bytes_per_s × reaction_s, in bytes.
Prediction burst_headroom_bytes(double alloc_bytes_per_s,
                                double reaction_s = kKswapdReactionSeconds);

// The smallest watermark_scale_factor whose gap managed·wsf/10000 reaches gap_pages, clamped to the
// sysctl's range [1, 3000]. Throws Error{bad_input} for a zone without managed pages.
Prediction watermark_scale_factor_for_gap(uint64_t managed_pages, uint64_t gap_pages);

// vm_commit_limit(): (MemTotal − hugetlb) · overcommit_ratio / 100 + SwapTotal, in bytes — what
// Committed_AS may reach under overcommit_memory = 2 (before the admin/user reserves).
Prediction commit_limit_bytes(uint64_t total_ram_bytes, uint64_t hugetlb_bytes,
                              int64_t overcommit_ratio, uint64_t swap_total_bytes);

struct DirtyBytesSizing {
  Prediction hard;        // vm.dirty_bytes
  Prediction background;  // vm.dirty_background_bytes
};
// Dirty limits in bytes for a device that writes back write_bytes_per_s: the hard limit holds
// drain_s of writeback, the background threshold a quarter of it (the usual advice keeps bg at
// 1/4 to 1/2 of thresh, docs/advice.md). Both are rounded up to whole MiB; the hard limit is at
// least 16 MiB so writers are not throttled at every page. Throws Error{bad_input} for a
// non-positive bandwidth or time.
DirtyBytesSizing dirty_bytes_for_bandwidth(double write_bytes_per_s, double drain_s);

// One percent of dirtyable memory in bytes with the kernel's 1/4096 ratio steps: the granularity
// of vm.dirty_ratio on this host.
Prediction dirty_ratio_step_bytes(uint64_t dirtyable_pages);

}  // namespace mmtune::model
