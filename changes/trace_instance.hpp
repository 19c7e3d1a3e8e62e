#pragma once
// A private tracefs instance (instances/NAME) that collects one tracepoint for the writer threads
// of a run, through the journal: the instance is recorded before it is made and removed when the
// run ends, on SIGINT/SIGTERM, and by `mmtune restore` after a kill -9; where no tracefs is
// mounted, one is mounted for the run on a directory of its own in the state directory (recorded
// too, and unmounted after the instance is gone). An instance has its own buffer, clock, pid
// filter and event switches, so nothing of the host's own tracing (the top-level buffer, other
// instances) is touched.
//
// The instance's clock is "mono" (CLOCK_MONOTONIC), so the events' times line up with the run's
// own clock; its buffer is 512 KiB per CPU and is drained while the run goes on.
#include <sys/types.h>

#include <cstdint>
#include <filesystem>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "probes/host_fs.hpp"

namespace mmtune::changes {

class Journal;

// Why the tracepoint events/<event> ("writeback/balance_dirty_pages") cannot be collected here, or
// nullopt: needs root, tracefs (in /proc/filesystems, or mounted) and the event.
std::optional<std::string> tracing_unsupported(const probes::HostFs& fs, std::string_view event);

class TraceInstance {
 public:
  // Makes instances/<name> and prepares it for event (not yet enabled). Throws
  // Error{unsupported} naming the step that failed.
  TraceInstance(Journal& journal, std::string_view name, std::string_view event);
  // Removes the instance (and a tracefs mounted for it); the journal's entries then find nothing.
  ~TraceInstance();
  TraceInstance(const TraceInstance&) = delete;
  TraceInstance& operator=(const TraceInstance&) = delete;

  // Collect only these threads' events (set_event_pid), then switch the event on.
  void start(std::span<const pid_t> tids);
  void stop();
  // The complete lines the kernel has buffered since the last call (consumed from trace_pipe).
  std::vector<std::string> read_lines();
  // Events the kernel could not keep (buffer overruns and drops, summed over the CPUs).
  uint64_t lost_events() const;
  const std::filesystem::path& dir() const { return dir_; }

 private:
  void write(std::string_view file, std::string_view value) const;
  void remove();

  std::filesystem::path mount_;      // the tracefs used
  std::filesystem::path own_mount_;  // set when it was mounted for this instance
  std::filesystem::path dir_;        // <mount>/instances/<name>
  std::string event_;
  int pipe_fd_ = -1;
  std::string partial_;  // a line read only in part
};

}  // namespace mmtune::changes
