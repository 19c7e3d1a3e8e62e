#pragma once
// The runner: checks a run before anything happens, then runs the workload in a child process
// with probes attached, and always cleans up.
//
//   RunPlan plan = plan_run("demand-paging", options, facts);  // every input error: bad_input
//   Result result = execute(plan, options);                    // verdict ok / skipped / failed
//
// execute():
//   1. restore_leftovers(state_dir): whatever a killed earlier run left is undone first;
//   2. a Journal for this run; with a memory limit, a memory cgroup made through it (v2, or v1
//      where that is the host's memory controller) under this process's own cgroup;
//   3. fork(). The child asks for SIGKILL when the controller dies (PR_SET_PDEATHSIG), raises its
//      oom_score_adj to 1000 (the controller lowers its own to -1000 while it waits, as root),
//      waits until it is in the cgroup, and runs the workload with a Session whose reports come
//      back over a pipe as they happen;
//   4. the controller samples the host and the child (probes::BackgroundSampler) until the child
//      exits; at the time limit, on SIGINT/SIGTERM, when the governor's tripwire is crossed or a
//      journaled setting moved (workloads/watchdog.hpp) it sends the child SIGTERM (the workload
//      stops at its next check), and SIGKILL after a grace period;
//   5. the verdict (a skip, an error, an OOM kill with its evidence, the time limit, an
//      interruption, the governor, a moved setting), the comparisons of predictions with
//      measurements, and the undo of everything in the journal.
// SIGINT/SIGTERM are recorded by a changes::SignalGuard for the duration of execute() (nested in
// the caller's guard, if any, so a sweep sees the signal that stopped its run).
// Call execute() from a thread that outlives the run: PR_SET_PDEATHSIG fires when the thread that
// forked exits, not only the process.
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "changes/journal.hpp"
#include "facts/facts.hpp"
#include "workloads/governor.hpp"
#include "workloads/params.hpp"
#include "workloads/result.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {

struct RunOptions {
  std::vector<ParamInput> params;  // {"size", "1GiB"} as typed, or {"size", bytes}
  std::chrono::nanoseconds time_limit = std::chrono::minutes(5);
  bool force = false;                          // lift the size cap
  double size_cap_fraction = 0.5;              // of MemAvailable
  std::optional<uint64_t> memory_limit_bytes;  // run inside a new memory cgroup with this limit
  std::chrono::nanoseconds sample_interval = std::chrono::milliseconds(100);
  std::filesystem::path state_dir = changes::default_state_dir();
  std::FILE* log = nullptr;  // progress lines (the CLI passes stderr); nullptr: quiet
  // The tripwires that stop the run before the host suffers (docs/governor.md).
  GovernorLimits governor = governor_preset("defaults");
  // A journal the caller wrote settings for this run through (a sweep's knobs): someone else
  // changing one of them during the run invalidates it, like a change of the run's own.
  const changes::Journal* outer_journal = nullptr;
};

struct RunPlan {
  const Workload* workload = nullptr;
  ParamValues params;
  facts::HostFacts facts;
  std::optional<std::string> unsupported;  // set: execute() skips with this reason
  std::vector<Expectation> predictions;
  RunLimits limits;
};

// Finds the workload ("did you mean" when unknown), parses and checks its parameters, asks the
// model for its predictions and checks the footprint against the size cap (a fraction of
// MemAvailable; only --force lifts it). Throws Error{bad_input} before anything has run.
RunPlan plan_run(std::string_view name, const RunOptions& options, const facts::HostFacts& facts);

// Runs the plan on the live host and returns its result; never leaves a child process, a cgroup
// or a changed setting behind. Throws Error{unsupported} when the state directory or a requested
// memory cgroup cannot be made.
Result execute(const RunPlan& plan, const RunOptions& options);

// The size cap for these options on this host, in bytes.
uint64_t size_cap_bytes(const RunOptions& options, const facts::HostFacts& facts);

}  // namespace mmtune::workloads
