#pragma once
// Where mmtune may make the cgroups of its workers, on cgroup v1, pure v2 and hybrid hosts, and the
// making of that place through the journal.
//
// v1 (and hybrid: v1 controllers beside an empty cgroup2 mount, where memory is a v1 controller):
//   the workers' memory cgroups go under this process's own memory cgroup, as ever; v1 has no
//   rule against a cgroup with both processes and children.
// v2: a cgroup gets a controller's files only where its parent lists the controller in
//   cgroup.subtree_control, and the kernel enables one there only in a cgroup that holds no
//   processes itself (the no-internal-processes rule; the root cgroup is exempt). So mmtune needs
//   a cgroup of its own, without processes, to put the workers' cgroups in:
//   - in the root cgroup (no systemd, e.g. a plain VM or the matrix guest): a top-level cgroup
//     mmtune-<pid>, with the controllers enabled in the root's cgroup.subtree_control and its own;
//   - under systemd: a transient scope mmtune-<pid>.scope with Delegate=yes, into which systemd
//     moves this process (busctl StartTransientUnit); the process then moves itself into a leaf
//     of the scope (mmtune-<pid>.scope/mmtune-run) so the scope can enable the controllers for
//     the workers' cgroups beside it. Not a top-level cgroup of our own: under systemd the root
//     has a single writer, systemd, which rewrites the root's cgroup.subtree_control for its own
//     units; a delegated scope is the place it gives to others, and it removes the scope once it
//     is empty (after a kill -9 too);
//   - anywhere else (a container, a cgroup with other processes in it, no systemd): not supported,
//     with what is missing (a read-only cgroupfs, a controller not delegated, processes in the
//     only cgroup we may write).
// Every controller enabled, cgroup made and scope started goes through the journal, so the run's
// end, SIGINT/SIGTERM and `mmtune restore` after a kill -9 undo them.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/host_fs.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"

namespace mmtune::changes {

class Journal;

enum class CgroupLayout { none, v1, v2, hybrid };
std::string_view layout_name(CgroupLayout layout);

// What the host offers, read only.
struct CgroupHost {
  CgroupLayout layout = CgroupLayout::none;
  std::optional<probes::CgroupMount> v2;         // the cgroup2 mount
  bool v2_read_only = false;                     // mounted ro (a container's usual cgroupfs)
  std::optional<probes::CgroupMount> v1_memory;  // the v1 memory hierarchy
  std::string own_v2_path;                       // this process's "0::" path, "/" at the top
  bool systemd = false;  // systemd runs the host: /run/systemd/system exists (sd_booted())
};
CgroupHost read_cgroup_host(const probes::HostFs& fs);

enum class PlacementKind { v1_own, v2_top_level, systemd_scope, unsupported };

// How mmtune would place its workers' cgroups here: decided from what the host shows, without
// changing anything (tested on recorded hosts).
struct Placement {
  PlacementKind kind = PlacementKind::unsupported;
  int version = 0;
  // v1_own: the own memory cgroup; v2_top_level: the v2 root (the place goes in it);
  // systemd_scope: the own cgroup (systemd puts the scope elsewhere). Relative to the root.
  std::string base_dir;
  std::string why;  // one line: what mmtune does and why, or (unsupported) what is missing
};
// controllers: the v2 controllers the workers' cgroups need ("memory", and "io" for slow-device
// mode); on v1 only "memory" is looked at.
Placement plan_placement(const probes::HostFs& fs, const CgroupHost& host,
                         const std::vector<std::string>& controllers);

// The place, made: a cgroup whose children get the controllers. Throws Error{unsupported} with
// "…" naming what is missing when the plan is unsupported or a step is refused.
class CgroupPlace {
 public:
  CgroupPlace(Journal& journal, const std::vector<std::string>& controllers);
  const probes::CgroupDir& dir() const { return dir_; }  // the workers' cgroups go in here
  const Placement& placement() const { return placement_; }
  // One line for the result's notes.
  std::string describe() const;

 private:
  void make_top_level(Journal& journal, const std::vector<std::string>& controllers);
  void make_systemd_scope(Journal& journal, const std::vector<std::string>& controllers);

  Placement placement_;
  probes::CgroupDir dir_;
};

// The busctl arguments that start a transient scope holding pid, with Delegate=yes (pure, for
// the test).
std::vector<std::string> start_scope_arguments(std::string_view unit, int pid);

}  // namespace mmtune::changes
