#pragma once
// The place of a workload's worker cgroups (changes/cgroup.hpp), or the run skipped with the
// reason (exit 3, "not supported here: …") where the host cannot give one.
#include <optional>
#include <string>
#include <vector>

#include "changes/cgroup.hpp"

namespace mmtune::workloads {

class Session;

// Needs root and the run's journal; notes where the cgroups go. nullopt after session.skip().
std::optional<changes::CgroupPlace> open_cgroup_place(Session& session,
                                                      const std::vector<std::string>& controllers);

}  // namespace mmtune::workloads
