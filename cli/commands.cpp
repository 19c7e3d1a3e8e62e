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
    {"scenario", "Run a profile's scenario: its workloads, bounded in time and memory",
     attach_scenario},
    {"advise", "Recommendations for a profile: current, recommended, why, evidence, source",
     attach_advise},
    {"tune", "The main job: a quick scenario, then the advice and a report", attach_tune},
    {"report", "Render a run, scenario, tune or advice JSON as HTML with plots, or Markdown",
     attach_report},
    {"sweep", "One workload under several knob settings, each applied temporarily", attach_sweep},
    {"optimize", "Search knob settings for the best value of a workload's measurement",
     attach_optimize},
    {"baseline", "CI: record the host fingerprint and a CI scenario's metrics", attach_baseline},
    {"check", "CI: compare with a baseline (drift, correctness, regressions); TAP, JUnit",
     attach_check},
    {"apply", "Apply advice or a sysctl.d file through the journal (--yes); it stays",
     attach_apply},
    {"restore", "Undo what killed runs left (and, with --applied, what apply applied)",
     attach_restore},
    {"matrix", "The same command on other kernels under QEMU, side by side", attach_matrix},
    {"export", "Metrics for node_exporter's textfile collector (--prometheus FILE)", attach_export},
    {"fleet", "Many hosts' results in one report: groups, deviations, outliers, drift",
     attach_fleet},
    {"version", "This build: version, git description, compiler, libraries (--json)",
     attach_version},
};

std::span<const Command> all_commands() { return kCommands; }

}  // namespace mmtune::cli
