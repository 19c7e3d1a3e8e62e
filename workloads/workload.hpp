#pragma once
// A workload: one file in workloads/ defining one `extern const Workload`, listed once in the
// table of workloads/registry.cpp (no self-registration: the table is the whole list, in the
// order of `mmtune list`).
//
// The runner (workloads/runner.hpp) uses the fields in this order:
//   params          parse and range-check what the user typed, before anything runs (exit 2);
//   invalid         cross-parameter checks, also before anything runs (exit 2);
//   unsupported     why this host cannot run it: the run is then skipped, the prediction stays;
//   footprint_bytes the peak memory it maps, checked against the size cap (--force lifts it);
//   predict         the model's predictions for these parameters on this host (pure, no I/O);
//   run             the workload, in a child process, reporting through the Session.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "facts/facts.hpp"
#include "workloads/params.hpp"
#include "workloads/result.hpp"

namespace mmtune::workloads {

class Session;

struct Workload {
  std::string_view name;     // kebab-case CLI name: "demand-paging"
  std::string_view summary;  // one line for `mmtune list`
  std::span<const Param> params;
  // nullopt when this host can run it; otherwise the reason, one line ("needs at least 2 CPUs").
  std::optional<std::string> (*unsupported)(const facts::HostFacts& facts);
  // nullopt when the parameters make sense together; otherwise the problem, naming the option
  // ("--stride: 1000 must be a multiple of 4KiB"). May be nullptr: nothing to check.
  std::optional<std::string> (*invalid)(const ParamValues& params);
  uint64_t (*footprint_bytes)(const ParamValues& params);
  std::vector<Expectation> (*predict)(const ParamValues& params, const facts::HostFacts& facts);
  // Throws Error on failure (the verdict becomes failed with its message). Checks
  // session.stop_requested() often enough to stop within about 100 ms.
  void (*run)(Session& session);
};

}  // namespace mmtune::workloads
