#pragma once
// The arithmetic of dirty-flood on its records, apart from the I/O, so it can be tested on made-up
// series: the dirty level at any instant, where throttling began, and where dirty + writeback
// settled.
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <span>

#include "probes/tracefs.hpp"

namespace mmtune::workloads {

// One reading of /proc/vmstat (pages), and in a memory cgroup's dirty domain (cgroup v2
// writeback) of the writers' cgroup's memory.stat file_dirty and file_writeback (pages; 0 when
// there is none).
struct DirtySample {
  int64_t t_ns = 0;  // CLOCK_MONOTONIC
  uint64_t dirty_pages = 0, writeback_pages = 0;
  uint64_t memcg_dirty_pages = 0, memcg_writeback_pages = 0;
};

// The level the analysis reads (dirty_pages + writeback_pages) becomes the memory cgroup's, for a
// run in which that domain bound the writers.
void use_memcg_level(std::span<DirtySample> samples);

// One write() call of one writer.
struct WriteRecord {
  int64_t start_ns = 0, end_ns = 0;
  int64_t slept_ns = 0;  // of that time, asleep: neither running nor waiting for a CPU
  uint32_t writer = 0;
  uint32_t bytes = 0;
};

// Time asleep during an interval: wall time minus time on a CPU and time runnable but waiting for
// one (the first two fields of /proc/thread-self/schedstat). A busy host makes writes slow by
// making them wait for a CPU; balance_dirty_pages makes them sleep.
int64_t slept_ns(int64_t wall_ns, int64_t ran_ns, int64_t waited_ns);

// nr_dirty + nr_writeback at t, linear between the two samples around it (the nearest sample
// outside the series' span). nullopt for an empty series.
std::optional<double> dirty_at(std::span<const DirtySample> samples, int64_t t_ns);

// balance_dirty_pages() pauses a writer by putting it to sleep, for a few milliseconds at a time
// (it aims at about 10 ms and adds pauses shorter than its minimum to the next one), while a
// free-running buffered write never sleeps that long. A write counts as paused when it slept at
// least pause_ns; a single such write (a journal commit, a page under writeback) is no onset: the
// onset is the first paused write after which the writers keep being paused — at least half of
// the writes that start within confirm_ns of it are paused too.
struct OnsetRule {
  double pause_ns = 4e6;
  double confirm_ns = 200e6;
};

struct ThrottleOnset {
  size_t write_index = 0;  // into the records (sorted by start)
  int64_t t_ns = 0;        // that write's start
  double dirty_pages = 0;  // nr_dirty + nr_writeback when it started
};

// records must be sorted by start_ns.
std::optional<ThrottleOnset> find_throttle_onset(std::span<const WriteRecord> records,
                                                 std::span<const DirtySample> samples,
                                                 const OnsetRule& rule = {});

// ---- the kernel's own account (the writeback/balance_dirty_pages tracepoint) ----
//
// The tracepoint fires only once a writer's dirtying has taken the level past the free-run ceiling
// of its domain, each time balance_dirty_pages evaluates it there; it then either puts the writer
// to sleep (pause > 0) or lets it go because its own pace is already under the rate it is allowed
// (task_ratelimit). So the first event of the writers is where the kernel began to rate-limit
// them, at the kernel's own count of dirty + writeback, whether or not anyone slept yet.
struct TracedThrottle {
  size_t events = 0;                  // evaluations of our writers past the free-run ceiling
  size_t pauses = 0;                  // of them, the ones that put a writer to sleep
  double pause_s = 0;                 // the sleeps the kernel chose, summed (its pause field)
  std::optional<size_t> first;        // into the events: the first evaluation
  std::optional<size_t> first_pause;  // the first sleep
  size_t paused_writes = 0;           // writes during which their writer slept there
};
// events sorted by time; writer_tids[w] is writer w's thread id. Events of other threads are
// ignored.
TracedThrottle summarize_throttle_events(std::span<const WriteRecord> records,
                                         std::span<const probes::BalanceDirtyPagesEvent> events,
                                         std::span<const pid_t> writer_tids);
// The onset at an event: the kernel's dirty count then, and the first write that started after it
// (bytes written before it count as free-running).
ThrottleOnset onset_at_event(std::span<const WriteRecord> records,
                             const probes::BalanceDirtyPagesEvent& event);

// Where dirty + writeback settled: the median of the samples in [from_ns, to_ns] (pages); nullopt
// when there are none.
std::optional<double> plateau_pages(std::span<const DirtySample> samples, int64_t from_ns,
                                    int64_t to_ns);

// Where dirty + writeback levelled off at its highest: the largest median over any window_ns of
// samples in [from_ns, to_ns] (windows start every window_ns / 20). A lone spike does not count,
// a level held for window_ns does. nullopt when no window has samples.
//
// On a slow device the level first rises to the hard limit and stays there while the writers'
// rate limit is still set for a faster device; as balance_dirty_pages learns the device's
// bandwidth (dirty_ratelimit) it drifts down towards the setpoint over tens of seconds. This is
// the first of the two; plateau_pages() over the end of a long run gives the second.
std::optional<double> sustained_peak_pages(std::span<const DirtySample> samples, int64_t from_ns,
                                           int64_t to_ns, int64_t window_ns);

// The highest dirty + writeback in [from_ns, to_ns], pages (0 when there are no samples).
double peak_pages(std::span<const DirtySample> samples, int64_t from_ns, int64_t to_ns);

}  // namespace mmtune::workloads
