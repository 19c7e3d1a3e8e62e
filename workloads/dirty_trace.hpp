#pragma once
// How dirty-flood knows that balance_dirty_pages, and nothing else, held a writer back.
//
// tracepoint: a private trace instance (changes/trace_instance.hpp) collects the
//   writeback/balance_dirty_pages events of the writer threads while they write; a thread drains
//   it every 50 ms. The kernel says when it evaluated a writer past its free-run ceiling, with the
//   dirty count, limit, setpoint and rates it used, and how long it put the writer to sleep.
// sleep: where the tracepoint cannot be read (no tracefs, not root, a recorded host), a write
//   counts as paused when its thread slept >= 4 ms during it (wall time minus time on a CPU and
//   waiting for one, /proc/thread-self/schedstat). Each writer has a file of its own, so no sleep
//   comes from another writer's hold on a shared inode's lock; what a buffered write can still
//   sleep on besides balance_dirty_pages (a page under writeback, direct reclaim, the filesystem's
//   own locks) is rare in a run of seconds, and the onset rule asks for a lasting run of such
//   writes (dirty_analysis.hpp), so a lone sleep is no onset.
#include <sys/types.h>

#include <atomic>
#include <memory>
#include <optional>
#include <span>
#include <string>
#include <thread>
#include <vector>

#include "changes/trace_instance.hpp"
#include "probes/tracefs.hpp"

namespace mmtune::changes {
class Journal;
}

namespace mmtune::workloads {

enum class ThrottleMethod { tracepoint, sleep };

// What --throttle-probe asked for, and what the host allows: the method and, for sleep chosen
// because the tracepoint cannot be read, why not.
struct ThrottleProbeChoice {
  ThrottleMethod method = ThrottleMethod::sleep;
  std::string why_not_tracepoint;  // empty when the tracepoint is used or sleep was asked for
};
// choice: "auto", "tracepoint" or "sleep". Throws Error{unsupported} for "tracepoint" where it
// cannot be read.
ThrottleProbeChoice choose_throttle_probe(std::string_view choice, const probes::HostFs& fs,
                                          bool have_journal);

// The events of the writers, collected while they write.
class ThrottleTrace {
 public:
  explicit ThrottleTrace(changes::Journal& journal);
  ~ThrottleTrace();
  ThrottleTrace(const ThrottleTrace&) = delete;
  ThrottleTrace& operator=(const ThrottleTrace&) = delete;

  // Switches the event on for these threads and starts draining.
  void start(std::span<const pid_t> writer_tids);
  // Switches it off, drains what is left and returns the events sorted by time.
  std::vector<probes::BalanceDirtyPagesEvent> finish();
  uint64_t lost_events() const { return lost_; }

 private:
  void drain();

  changes::TraceInstance instance_;
  std::thread reader_;
  std::atomic<bool> done_{false};
  std::vector<probes::BalanceDirtyPagesEvent> events_;
  uint64_t lost_ = 0;
};

}  // namespace mmtune::workloads
