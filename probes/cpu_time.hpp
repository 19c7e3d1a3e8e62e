#pragma once
// CPU time on the host and in one process tree, for telling others' load from mmtune's own: the
// busy time of /proc/stat minus the CPU time of mmtune and every process it started.
#include <sys/types.h>

#include <optional>
#include <string_view>

#include "probes/host_fs.hpp"

namespace mmtune::probes {

// The first line of /proc/stat: CPU seconds spent busy (user, nice, system, irq, softirq, steal)
// by all CPUs since boot. nullopt when the line is missing or malformed.
std::optional<double> parse_host_busy_seconds(std::string_view proc_stat);
std::optional<double> read_host_busy_seconds(const HostFs& fs);

// One /proc/PID/stat: the parent and the CPU seconds of the process (all its threads) and of its
// children it has waited for (utime + stime + cutime + cstime).
struct ProcessCpu {
  pid_t ppid = 0;
  double cpu_s = 0;
};
std::optional<ProcessCpu> parse_process_cpu(std::string_view pid_stat);

// The CPU seconds of root and every live descendant, from one walk over /proc. Processes that
// ended and were reaped count through their parent's cutime/cstime; one whose parent died before
// reaping it is lost, which makes the tree's time low, never high.
double process_tree_cpu_seconds(const HostFs& fs, pid_t root);

}  // namespace mmtune::probes
