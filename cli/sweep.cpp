// `mmtune sweep WORKLOAD --knob NAME=V1,V2,… [--knob …] --repeat N [--PARAM VALUE …]`: the workload
// under every combination of the knob values, each applied temporarily through the journal; a
// table of the key metrics per setting (median, spread, significant differences), --json for all
// of it (mmtune.sweep/1). Exit: 0 done, 1 a run stood on a setting someone else moved (repeated or
// dropped) or the governor stopped the sweep, 2 bad input (nothing changed), 3 cannot run here or
// another mmtune holds the host, 130 interrupted (everything restored).
#include "compare/sweep.hpp"

#include <fmt/format.h>

#include <memory>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/identity.hpp"
#include "cli/options.hpp"
#include "cli/output_files.hpp"
#include "cli/run_options.hpp"
#include "facts/error.hpp"
#include "probes/readers.hpp"

namespace mmtune::cli {
namespace {

struct SweepArgs {
  std::string workload;
  std::vector<std::string> knobs;
  int repeat = 5;
  std::string settle = "0s";
  std::vector<std::string> metrics;
  std::string json;
  RunOptionArgs run;
};

constexpr const char* kSweepFooter = R"(
Workload parameters follow as --PARAM VALUE (see `mmtune list`). Every combination of the --knob
values is one setting; the repeats are interleaved (repeat 1 of every setting, then repeat 2, …),
and before each run the setting is written through the journal and undone after it, so the host
is back to its own values between runs and after the sweep, also after SIGINT/SIGTERM (exit 130)
or a crash (`mmtune restore`). A run under which someone else changed a setting mmtune wrote
does not count: that repeat runs once more, or is dropped if it moves again, and the sweep exits
1; so does a sweep the governor stopped (docs/governor.md).

Significance: each setting is compared with the first by the Mann-Whitney U test, two-sided,
alpha 0.05, and marked * only when the medians also differ by at least 5 %. With fewer than 4
repeats no difference can reach p < 0.05.)";

// Every input first: nothing changes before all of it is known to be good.
compare::SweepOptions sweep_options(const SweepArgs& args, const CLI::App& sub,
                                    const Globals& globals, std::FILE* log) {
  compare::SweepOptions options;
  options.run = args.run.run_options(sub, globals, "a sweep");
  options.run.log = log;
  options.workload = args.workload;
  for (const std::string& knob : args.knobs)
    options.knobs.push_back(compare::parse_knob_sweep(knob));
  options.repeat = args.repeat;
  options.settle = duration_option("--settle", args.settle, std::chrono::nanoseconds::zero());
  options.metrics = args.metrics;
  return options;
}

int run_sweep_command(const SweepArgs& args, const CLI::App& sub, const Globals& globals,
                      const Io& io) {
  const compare::SweepOptions options = sweep_options(args, sub, globals, io.err);
  std::optional<OutputFile> json_file;
  if (!args.json.empty() && args.json != "-") json_file = check_output_file("--json", args.json);

  const probes::HostFs fs = globals.host_fs();
  const facts::HostFacts facts = probes::read_host_facts(fs);
  const compare::SweepPlan plan = compare::plan_sweep(options, facts, fs);
  const changes::HostLock host = args.run.safety.hold(globals, io);
  const compare::SweepResult result = compare::run_sweep(plan);

  fmt::print(args.json == "-" ? io.err : io.out, "{}", compare::render_sweep(result));
  if (!args.json.empty()) {
    const std::string text = with_identity(compare::sweep_to_json(result), fs).dump(2) + "\n";
    if (json_file) {
      write_output_file(*json_file, text);
    } else {
      fmt::print(io.out, "{}", text);
    }
  }
  if (result.interrupted)
    fail(ErrorKind::interrupted, "sweep stopped; every setting it changed was restored");
  // Another writer on the host, or a host that suffered: the numbers are not what they seem.
  return result.invalidated.empty() && !result.governor_stop ? 0 : 1;
}

}  // namespace

Action attach_sweep(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<SweepArgs>();
  sub.add_option("workload", args->workload, "The workload (see `mmtune list`)")->required();
  sub.add_option("--knob", args->knobs, "NAME=V1,V2,…: a knob and the values to sweep (repeatable)")
      ->allow_extra_args(false)
      ->type_name("NAME=VALUES");
  sub.add_option("--repeat", args->repeat, "Runs per setting (default 5)");
  sub.add_option("--settle", args->settle,
                 "Wait this long after setting a combination, before the run (default 0s)")
      ->type_name("DURATION");
  sub.add_option("--metric", args->metrics,
                 "A measurement to show (NAME, or PREFIX*; repeatable; default: the workload's key "
                 "metrics)")
      ->allow_extra_args(false)
      ->type_name("NAME");
  sub.add_option("--json", args->json, "Write all the data as JSON to FILE (- for stdout)")
      ->type_name("FILE");
  args->run.attach(sub, RunScope::workload);
  sub.footer(kSweepFooter);
  return
      [args, &sub, &globals](const Io& io) { return run_sweep_command(*args, sub, globals, io); };
}

}  // namespace mmtune::cli
