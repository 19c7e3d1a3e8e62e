#pragma once
// The options of a live run, shared by the commands that run workloads on this host: `mmtune run`
// and `sweep` (one workload: its --PARAM VALUE pairs, --time-limit, --memory-limit, --force) and
// `baseline` and `check` (a profile's scenario). All of them take --interval and --state-dir and
// refuse --root. Bound to the subcommand and checked here, once, before anything runs.
#include <CLI/CLI.hpp>
#include <string>
#include <string_view>

#include "advisor/scenario.hpp"
#include "cli/commands.hpp"
#include "workloads/runner.hpp"

namespace mmtune::cli {

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

  // Adds the options of scope to sub. With RunScope::workload, what sub does not know is taken as
  // workload parameters (sub.remaining()).
  void attach(CLI::App& sub, RunScope scope);

  // The workload's run: the parameters from what sub left over. command names the command in the
  // refusal of --root ("a sweep"). Throws Error{bad_input} naming the option.
  workloads::RunOptions run_options(const CLI::App& sub, const Globals& globals,
                                    std::string_view command) const;
  // A scenario's runs: interval and state directory.
  advisor::ScenarioOptions scenario_options(const Globals& globals, std::string_view command) const;
};

// The runner's lines and a terminal's status line go through progress.
void show_progress(advisor::ScenarioOptions& options, advisor::Progress& progress);

}  // namespace mmtune::cli
