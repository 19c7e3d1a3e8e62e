#pragma once
// A workload: one file in workloads/ defining one `extern const Workload`, listed once in the
// table of workloads/registry.cpp (no self-registration: the table is the whole list, in the
// order of `mmtune list`). A workload that reads its parameters as an Options struct (params.hpp)
// is defined from its functions on that struct:
//
//   extern const Workload kThp = define_workload<unsupported, invalid, footprint, predict, run>(
//       "thp", "Huge-page coverage, fault cost and the TLB effect", kParams);
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
#include "workloads/session.hpp"

namespace mmtune::workloads {

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
  // True when the run's io waits are on a device mmtune makes for it (dirty-flood's slow device):
  // the host's io PSI then measures the run itself, and the governor's io tripwire stays off
  // unless --stop-at-psi-io asks for it (docs/governor.md). nullptr: never.
  bool (*waits_on_own_device)(const ParamValues& params);
};

namespace detail {

template <class Footprint>
struct OptionsOfFootprint;
template <class Options>
struct OptionsOfFootprint<uint64_t (*)(const Options&)> {
  using type = Options;
};

}  // namespace detail

// The Workload of functions that take the workload's Options (deduced from footprint's parameter):
//   unsupported  std::optional<std::string>(const facts::HostFacts&)
//   invalid      std::optional<std::string>(const Options&), or nullptr: nothing to check
//   footprint    uint64_t(const Options&)
//   predict      std::vector<Expectation>(const Options&, const facts::HostFacts&)
//   run          void(Session&, const Options&)
// Every row of params must be bound to a member of Options, or this does not compile.
template <auto Unsupported, auto Invalid, auto Footprint, auto Predict, auto Run>
consteval Workload define_workload(std::string_view name, std::string_view summary,
                                   std::span<const Param> params) {
  using Options = typename detail::OptionsOfFootprint<decltype(Footprint)>::type;
  for (const Param& param : params) {
    if (param.options_type != &detail::kTypeTag<Options>)
      throw "define_workload: a parameter is not bound to a member of this workload's Options";
  }
  Workload workload{name,    summary, params,  Unsupported, nullptr,
                    nullptr, nullptr, nullptr, nullptr};
  if constexpr (!std::is_null_pointer_v<decltype(Invalid)>) {
    workload.invalid = [](const ParamValues& p) { return Invalid(options_from<Options>(p)); };
  }
  workload.footprint_bytes = [](const ParamValues& p) {
    return Footprint(options_from<Options>(p));
  };
  workload.predict = [](const ParamValues& p, const facts::HostFacts& facts) {
    return Predict(options_from<Options>(p), facts);
  };
  workload.run = [](Session& session) { Run(session, options_from<Options>(session.params())); };
  return workload;
}

}  // namespace mmtune::workloads
