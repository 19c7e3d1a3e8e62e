#pragma once
// Reading the kernel's tracepoints: where tracefs is mounted, and the text of the
// writeback/balance_dirty_pages event as trace_pipe prints it. The instance that collects the
// events is a host change and lives in changes/trace_instance.hpp.
//
// balance_dirty_pages (mm/page-writeback.c, include/trace/events/writeback.h) fires only when a
// writer's dirtying has taken the dirty level past the free-run ceiling of its binding domain, once
// per evaluation: with pause > 0 when it then puts the writer to sleep for that long, with
// pause <= 0 when the writer's own pace already kept it under the rate it is allowed
// (task_ratelimit) and it is let go. The fields are the binding domain's (the global one, or on
// cgroup v2 a memory cgroup's when that one's pos_ratio is lower): dirty and limit in pages,
// setpoint = (limit + freerun) / 2, rates in KiB/s, times in ms.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace mmtune::probes {

struct BalanceDirtyPagesEvent {
  int64_t t_ns = 0;       // the line's timestamp: CLOCK_MONOTONIC with trace_clock "mono"
  int pid = 0;            // the writer thread (a tid)
  std::string bdi;        // "7:3"
  uint64_t limit = 0;     // pages: the domain's hard limit (hard_dirty_limit)
  uint64_t setpoint = 0;  // pages: (limit + freerun ceiling) / 2
  uint64_t dirty = 0;     // pages: the domain's nr_dirty + nr_writeback the kernel saw
  uint64_t wb_setpoint = 0, wb_dirty = 0;                    // pages, the device's share
  uint64_t dirty_ratelimit_kib = 0, task_ratelimit_kib = 0;  // KiB/s
  uint64_t dirtied = 0, dirtied_pause = 0;                   // pages
  int64_t paused_ms = 0, pause_ms = 0, think_ms = 0;
  uint64_t period_ms = 0;
  uint64_t cgroup_ino = 0;  // the writeback cgroup's inode (1: the root)

  // The free-run ceiling the kernel used: setpoint = (limit + freerun) / 2.
  uint64_t freerun() const { return 2 * setpoint > limit ? 2 * setpoint - limit : 0; }
};

// One line of trace_pipe ("  mmtune-123  [001] ..... 4321.000123: balance_dirty_pages: bdi 7:3:
// limit=… cgroup_ino=1"); nullopt for any other line or a malformed one.
std::optional<BalanceDirtyPagesEvent> parse_balance_dirty_pages(std::string_view line);

// The mount point of a tracefs in mountinfo (absolute, the first one listed), nullopt when none.
std::optional<std::string> tracefs_mount_point(std::string_view mountinfo);

}  // namespace mmtune::probes
