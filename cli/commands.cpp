#include "cli/commands.hpp"

namespace mmtune::cli {

// The order here is the order of `mmtune --help`.
constexpr Command kCommands[] = {
    {"host", "What this host is and how its memory manager is set", attach_host},
    {"probe", "Live sampler: a vmstat for the memory manager", attach_probe},
    {"model", "Thresholds the model derives (watermarks, dirty limits); --set for what-if",
     attach_model},
    {"list", "The workloads, their parameters, and which cannot run here", attach_list},
    {"run", "Run one workload with probes attached, beside the model's prediction", attach_run},
    {"scenario", "Run a profile's scenario: its workloads, bounded in time and memory", attach_scenario},
    {"advise", "Recommendations for a profile: current, recommended, why, evidence, source", attach_advise},
    {"tune", "The main job: a quick scenario, then the advice and a report", attach_tune},
    {"matrix", "The same command on other kernels under QEMU, side by side", attach_matrix},
};

std::span<const Command> all_commands() { return kCommands; }

}  // namespace mmtune::cli
