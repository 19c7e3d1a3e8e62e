#include "workloads/registry.hpp"

#include "facts/knobs.hpp"
#include "facts/units.hpp"

namespace mmtune::workloads {

// One file each (workloads/<name>.cpp). A table of addresses of extern const objects: no
// static-initialisation order to get wrong, and nothing the linker could drop.
extern const Workload kDemandPaging, kCowFork, kThp, kFalseSharing;
extern const Workload kDioForkRace, kNumaMisplacement;
extern const Workload kDirtyFlood, kReclaim, kOom, kFragmentation;

namespace {
constexpr const Workload* kAll[] = {&kDemandPaging, &kCowFork,          &kDioForkRace, &kThp,
                                    &kFalseSharing, &kNumaMisplacement, &kDirtyFlood,  &kReclaim,
                                    &kOom,          &kFragmentation};
}  // namespace

std::span<const Workload* const> all_workloads() { return kAll; }

const Workload* find_workload(std::string_view name) {
  for (const Workload* workload : kAll) {
    if (workload->name == name) return workload;
  }
  return nullptr;
}

std::string suggest_workload(std::string_view name) {
  return facts::nearest_name(name, kAll, [](const Workload* w) { return w->name; });
}

}  // namespace mmtune::workloads
