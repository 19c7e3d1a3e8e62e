#include "cli/commands.hpp"

namespace mmtune::cli {

// The order here is the order of `mmtune --help`.
constexpr Command kCommands[] = {
    {"host", "What this host is and how its memory manager is set", attach_host},
    {"probe", "Live sampler: a vmstat for the memory manager", attach_probe},
    {"model", "Thresholds the model derives (watermarks, dirty limits); --set for what-if",
     attach_model},
    {"matrix", "The same command on other kernels under QEMU, side by side", attach_matrix},
};

std::span<const Command> all_commands() { return kCommands; }

}  // namespace mmtune::cli
