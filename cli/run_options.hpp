#pragma once
// The options of a live run, shared by the commands that run workloads on this host: `mmtune run`
// and `sweep` (one workload: its --PARAM VALUE pairs, --time-limit, --memory-limit, --force) and
// `baseline` and `check` (a profile's scenario). All of them take --interval and --state-dir,
// the host lock's --wait and the governor's options (HostSafetyArgs), and refuse --root. Bound to
// the subcommand and checked here, once, before anything runs.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "advisor/scenario.hpp"
#include "changes/host_lock.hpp"
#include "cli/commands.hpp"
#include "workloads/governor.hpp"
#include "workloads/runner.hpp"

namespace mmtune::cli {

// What every command that runs workloads takes to be safe on a shared server (docs/governor.md):
// --wait[=DURATION] for the host lock, --governor PRESET and one --stop-at-… option per tripwire.
struct HostSafetyArgs {
  std::optional<std::string> wait;
  std::string governor = "defaults";
  std::string psi_memory, psi_io, zone_margin, swap_fill, foreign_oom, foreign_cpu;  // "": preset

  void attach(CLI::App& sub);
  // The preset with each --stop-at-… over it. Throws Error{bad_input} naming the option.
  workloads::GovernorLimits governor_limits() const;
  // Checks --wait (bad_input) before anything else happens.
  changes::HostLockWait lock_wait() const;
  // Takes the host lock for this command, waiting as --wait says (exit 3 when another mmtune
  // holds the host and no wait was asked for; 130 on Ctrl-C while waiting).
  changes::HostLock hold(const Globals& globals, const Io& io) const;
};

// Which options a command takes.
enum class RunScope {
  scenario,  // --interval, --state-dir
  workload,  // and --time-limit, --memory-limit, --force, workload parameters after the name
};

// The options as typed; attach() binds them, the rest checks them.
struct RunOptionArgs {
  std::string time_limit = "5m";
  std::string memory_limit;
  std::string interval = "100ms";
  std::string state_dir;
  bool force = false;
  HostSafetyArgs safety;

  // Adds the options of scope to sub. With RunScope::workload, what sub does not know is taken as
  // workload parameters (sub.remaining()).
  void attach(CLI::App& sub, RunScope scope);

  // The workload's run: the parameters from what sub left over. command names the command in the
  // refusal of --root ("a sweep"). Throws Error{bad_input} naming the option.
  workloads::RunOptions run_options(const CLI::App& sub, const Globals& globals,
                                    std::string_view command) const;
  // A scenario's runs: interval, state directory and governor.
  advisor::ScenarioOptions scenario_options(const Globals& globals, std::string_view command) const;
};

// The runner's lines and a terminal's status line go through progress.
void show_progress(advisor::ScenarioOptions& options, advisor::Progress& progress);

}  // namespace mmtune::cli
