#pragma once
// A memory cgroup for a workload's worker processes (reclaim, oom, dirty-flood's writers), made
// through the journal in the place changes/cgroup.hpp finds (v1: under the workload's own memory
// cgroup; v2: in a cgroup of mmtune's own whose children get the controllers), so the runner
// removes it with everything else, also after a crash (restore_leftovers).
//
// The two versions name things differently, and v1 has a few things v2 does not:
//   what                v2                    v1
//   limit               memory.max            memory.limit_in_bytes
//   swap limit          memory.swap.max       memory.memsw.limit_in_bytes (memory + swap)
//   swappiness          vm.swappiness         memory.swappiness of the cgroup (reclaim of its
//                                             pages uses it; a new cgroup copies its parent's)
//   OOM kills           memory.events         memory.oom_control oom_kill
//   peak                memory.peak (6.6+;    memory.max_usage_in_bytes
//                       before: the highest
//                       memory.current sampled)
//   write limit         io.max wbps= in the   blkio.throttle.write_bps_device of the root
//                       writers' cgroup (with  (v1 has no cgroup writeback: the flusher writes
//                       memory: cgroup         for everyone from the root, slow_device.hpp)
//                       writeback)
//   pressure            memory.pressure       none per cgroup: /proc/pressure/memory (host-wide)
//                       (PSI some/full)       and memory.pressure_level notifications
//   scan/steal          memory.stat pgscan…   none per cgroup: the host's pgscan_anon/file and
//                                             pgsteal_anon/file count cgroup reclaim too
#include <sys/types.h>

#include <cstdint>
#include <optional>
#include <string>

#include "facts/facts.hpp"
#include "probes/host_fs.hpp"
#include "probes/readers.hpp"

namespace mmtune::changes {

class Journal;

struct MemcgFiles {
  std::string limit, swap_limit, peak, events, usage;
  std::optional<std::string> swappiness;    // v1 only
  std::optional<std::string> pressure;      // v2 only
  bool swap_limit_includes_memory = false;  // v1 memsw
};
// Throws Error{internal} for a version other than 1 or 2.
MemcgFiles memcg_files(int version);

// The value to write to files.swap_limit for a swap allowance on top of the memory limit.
uint64_t swap_limit_value(const MemcgFiles& files, uint64_t limit_bytes, uint64_t swap_bytes);

class WorkerCgroup {
 public:
  // Makes <parent.dir>/<name> through the journal. Throws Error{unsupported} when the parent has no
  // memory controller or the directory cannot be made (not root).
  WorkerCgroup(Journal& journal, const probes::CgroupDir& parent, const std::string& name);

  const std::string& dir() const { return dir_; }  // relative to the host root
  int version() const { return version_; }
  const MemcgFiles& files() const { return files_; }
  // The absolute cgroup.procs path, for spawn_worker().
  std::string procs_path() const;

  void set_limit(uint64_t bytes);
  // Moves the calling process (all its threads) into the cgroup.
  void move_self();
  // Swap the cgroup may use beyond its limit (call after set_limit).
  void set_swap_limit(uint64_t bytes);
  // v1: the cgroup's own memory.swappiness. Throws Error{internal} on v2 (use vm.swappiness).
  void set_swappiness(int value);

  facts::CgroupMemory read() const;
  // memory.oom_control oom_kill (v1) or memory.events oom_kill (v2); nullopt on kernels without it.
  std::optional<uint64_t> oom_kills() const;
  std::optional<uint64_t> peak_bytes() const;
  // Where the kernel has no memory.peak (v2 before 6.6): call often while the workers run; the
  // highest memory.current seen is then sampled_peak().
  void sample_usage();
  std::optional<uint64_t> sampled_peak() const { return sampled_peak_; }
  // memory.peak where the kernel has it, else the sampled peak; the source says which.
  struct Peak {
    uint64_t bytes = 0;
    std::string source;
  };
  std::optional<Peak> peak() const;

 private:
  Journal& journal_;
  probes::HostFs fs_;
  std::string dir_;
  int version_ = 0;
  uint64_t limit_ = 0;
  MemcgFiles files_;
  std::optional<uint64_t> sampled_peak_;
};

// The memory cgroup this process is in now (the runner may have moved it into one of its own).
// Throws Error{unsupported} when there is no memory controller.
probes::CgroupDir own_memory_cgroup(const probes::HostFs& fs);

}  // namespace mmtune::changes
