#include <fmt/format.h>

#include "cli/commands.hpp"
#include "probes/readers.hpp"

namespace mmtune::cli {

Action attach_host(CLI::App& sub, const Globals& globals) {
  return [&globals](const Io& io) {
    probes::HostFacts facts = probes::read_host_facts(globals.host_fs());
    fmt::print(io.out, "kernel      {}\n", facts.kernel.release);
    fmt::print(io.out, "cpus        {} ({})\n", facts.cpu.online, facts.cpu.online_list);
    fmt::print(io.out, "memory      {:.1f} GiB total, {:.1f} GiB free\n",
               double(facts.meminfo.total_bytes) / probes::kGiB, double(facts.meminfo.free_bytes) / probes::kGiB);
    for (const auto& [name, value] : facts.settings.values) fmt::print(io.out, "{:<40} {}\n", name, value);
    return 0;
  };
  (void)sub;
}

}  // namespace mmtune::cli
