#include "workloads/registry.hpp"

#include "probes/knobs.hpp"

namespace mmtune::workloads {

// One file each (workloads/<name>.cpp). A table of addresses of extern const objects: no
// static-initialisation order to get wrong, and nothing the linker could drop.
extern const Workload kDemandPaging, kCowFork, kThp, kFalseSharing;
extern const Workload kDioForkRace, kNumaMisplacement;
extern const Workload kDirtyFlood, kReclaim, kOom;

namespace {
constexpr const Workload* kAll[] = {&kDemandPaging, &kCowFork,      &kDioForkRace,
                                    &kThp,          &kFalseSharing, &kNumaMisplacement,
                                    &kDirtyFlood,   &kReclaim,      &kOom};
}  // namespace

std::span<const Workload* const> all_workloads() { return kAll; }

const Workload* find_workload(std::string_view name) {
  for (const Workload* workload : kAll) {
    if (workload->name == name) return workload;
  }
  return nullptr;
}

std::string suggest_workload(std::string_view name) {
  std::string best;
  size_t best_distance = 4;
  for (const Workload* workload : kAll) {
    size_t d = probes::edit_distance(name, workload->name);
    // A prefix ("cow", "false") is as good a hint as a typo.
    if (workload->name.starts_with(name) && !name.empty()) d = std::min<size_t>(d, 1);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(workload->name);
    }
  }
  return best;
}

}  // namespace mmtune::workloads
