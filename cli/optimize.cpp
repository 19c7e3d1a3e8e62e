// `mmtune optimize WORKLOAD --knob NAME=LO..HI|V1,V2,… … --objective min:NAME|max:NAME
// [--constraint 'NAME>=0.9*baseline'] --budget N [--repeat-noise N] [--seed N] [--json FILE]
// [--PARAM VALUE …]`: the settings that do best for one measurement of the workload, found by
// Bayesian optimisation, every setting applied temporarily through the journal (docs/optimize.md).
// Exit: 0 done, 1 a run stood on a setting someone else moved or the governor stopped the search,
// 2 bad input (nothing changed), 3 cannot run here or another mmtune holds the host, 130
// interrupted (everything restored).
#include "compare/optimize.hpp"

#include <fmt/format.h>

#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "advisor/apply.hpp"
#include "changes/journal.hpp"
#include "changes/signal_guard.hpp"
#include "cli/commands.hpp"
#include "cli/identity.hpp"
#include "cli/options.hpp"
#include "cli/output_files.hpp"
#include "cli/run_options.hpp"
#include "facts/error.hpp"
#include "probes/readers.hpp"

namespace mmtune::cli {
namespace {

struct OptimizeArgs {
  std::string workload;
  std::vector<std::string> knobs;
  std::string objective;
  std::vector<std::string> constraints;
  int budget = 30;
  int repeat_noise = 3;
  uint64_t seed = 1;
  std::string settle = "0s";
  std::string json;
  bool apply = false;
  bool persist = false;
  RunOptionArgs run;
};

constexpr const char* kFooter = R"(
Workload parameters follow as --PARAM VALUE (see `mmtune list`). A --knob is a range LO..HI
(sizes such as 64MiB for *_bytes knobs; searched on a log scale when HI/LO is 8 or more) or a
list of values. The search runs the starting settings (the host's own) --repeat-noise times, a
few space-filling settings, then the setting with the largest expected improvement of a Gaussian
process (times the probability of meeting every --constraint); settings the model says give the
same kernel thresholds are measured once, settings the kernel would not honour (a background
dirty threshold not below the hard one) never. A setting within the noise of the best is
measured again. It stops at --budget runs or when no setting is expected to improve by a tenth
of the noise. The best is measured until the Mann-Whitney U test (as in sweep) can compare it
with the starting settings.

Each setting is written through the journal before its run and undone after it; the host is back
to its own values between runs and after the search, also after SIGINT/SIGTERM (exit 130) or a
crash (`mmtune restore`). The winner is applied only with --apply, and only when it is
significantly better than the starting settings (the test above), through `mmtune apply`'s path:
journaled, kept, `mmtune restore --applied` takes it back; --persist also writes
/etc/sysctl.d/90-mmtune.conf.)";

compare::OptimizeOptions optimize_options(const OptimizeArgs& args, const CLI::App& sub,
                                          const Globals& globals, std::FILE* log) {
  compare::OptimizeOptions options;
  options.run.run = args.run.run_options(sub, globals, "an optimize");
  options.run.run.log = log;
  options.run.workload = args.workload;
  options.run.settle = duration_option("--settle", args.settle, std::chrono::nanoseconds::zero());
  for (const std::string& knob : args.knobs)
    options.knobs.push_back(compare::parse_knob_domain(knob));
  if (args.objective.empty())
    fail(ErrorKind::bad_input, "--objective: give min:NAME or max:NAME, NAME a measurement");
  options.objective = compare::parse_objective(args.objective);
  for (const std::string& constraint : args.constraints)
    options.constraints.push_back(compare::parse_constraint(constraint));
  options.budget = args.budget;
  options.repeat_noise = args.repeat_noise;
  options.seed = args.seed;
  return options;
}

// --persist's file checked before the search (an existing file mmtune did not write is never
// overwritten): nothing runs when the apply at the end could not happen.
std::optional<std::filesystem::path> apply_plan_check(const OptimizeArgs& args) {
  if (args.persist && !args.apply) fail(ErrorKind::bad_input, "--persist: only with --apply");
  if (!args.persist) return std::nullopt;
  return std::filesystem::path(advisor::kDefaultPersistFile);
}

// The winner applied through `mmtune apply`'s path, when the search is clean and it is
// significantly better than the starting settings; otherwise says why not.
void apply_best(const compare::OptimizeResult& result, bool clean,
                const std::optional<std::filesystem::path>& persist, const probes::HostFs& fs,
                const Io& io) {
  const compare::SearchResult& s = result.search;
  if (!clean || !s.best || s.best == s.start || !s.significant) {
    fmt::print(io.out, "not applied: {}\n",
               !clean ? "the search was disturbed (see the notes)"
                      : "the best is not significantly better than the starting settings");
    return;
  }
  std::vector<advisor::RequestedChange> requests;
  for (const auto& [knob, value] : s.candidates[*s.best].setting)
    requests.push_back({knob, value, "mmtune optimize: the best setting", false});
  const advisor::ApplyPlan plan = advisor::plan_apply(requests, fs, persist);
  changes::SignalGuard guard;
  changes::Journal journal(fs, result.plan.options.run.run.state_dir);
  const std::vector<advisor::AppliedChange> applied = advisor::apply_plan(plan, journal);
  if (changes::SignalGuard::received() != 0)
    fail(ErrorKind::interrupted, "apply stopped; what it had changed was restored");
  advisor::keep_applied(plan, journal);
  fmt::print(io.out, "applied {} change(s) through the journal {}:\n", applied.size(),
             journal.file().string());
  for (const advisor::AppliedChange& change : applied)
    fmt::print(io.out, "  {}: {} → {}\n", change.knob, change.old_value, change.new_value);
  if (plan.persist_file) fmt::print(io.out, "persisted in {}\n", plan.persist_file->string());
  fmt::print(io.out, "they stay; `mmtune restore --applied` takes them back\n");
}

int run_optimize_command(const OptimizeArgs& args, const CLI::App& sub, const Globals& globals,
                         const Io& io) {
  const compare::OptimizeOptions options = optimize_options(args, sub, globals, io.err);
  const std::optional<std::filesystem::path> persist = apply_plan_check(args);
  std::optional<OutputFile> json_file;
  if (!args.json.empty() && args.json != "-") json_file = check_output_file("--json", args.json);

  const probes::HostFs fs = globals.host_fs();
  const facts::HostFacts facts = probes::read_host_facts(fs);
  const compare::OptimizePlan plan = compare::plan_optimize(options, facts, fs);
  if (args.apply) advisor::plan_apply({}, fs, persist);  // --persist's file, before any run
  const changes::HostLock host = args.run.safety.hold(globals, io);
  const compare::OptimizeResult result = compare::run_optimize(plan);

  fmt::print(args.json == "-" ? io.err : io.out, "{}", compare::render_optimize(result));
  if (!args.json.empty()) {
    const std::string text = with_identity(compare::optimize_to_json(result), fs).dump(2) + "\n";
    if (json_file) {
      write_output_file(*json_file, text);
    } else {
      fmt::print(io.out, "{}", text);
    }
  }
  if (result.search.interrupted)
    fail(ErrorKind::interrupted, "optimize stopped; every setting it changed was restored");
  const bool clean = result.invalidated.empty() && !result.governor_stop;
  if (args.apply) apply_best(result, clean, persist, fs, io);
  return clean ? 0 : 1;
}

}  // namespace

Action attach_optimize(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<OptimizeArgs>();
  sub.add_option("workload", args->workload, "The workload (see `mmtune list`)")->required();
  sub.add_option("--knob", args->knobs,
                 "NAME=LO..HI or NAME=V1,V2,…: a knob and its domain (repeatable)")
      ->allow_extra_args(false)
      ->type_name("NAME=DOMAIN");
  sub.add_option("--objective", args->objective,
                 "min:NAME or max:NAME, NAME a measurement the workload reports")
      ->type_name("DIR:NAME");
  sub.add_option("--constraint", args->constraints,
                 "NAME>=BOUND or NAME<=BOUND, BOUND a number or F*baseline (repeatable)")
      ->allow_extra_args(false)
      ->type_name("EXPR");
  sub.add_option("--budget", args->budget, "Workload runs in all (default 30)");
  sub.add_option("--repeat-noise", args->repeat_noise,
                 "Runs of the starting settings, and at most of one candidate (default 3)");
  sub.add_option("--seed", args->seed, "Seed of the search (default 1): same seed, same choices");
  sub.add_option("--settle", args->settle,
                 "Wait this long after setting a candidate, before the run (default 0s)")
      ->type_name("DURATION");
  sub.add_option("--json", args->json, "Write the whole search as JSON to FILE (- for stdout)")
      ->type_name("FILE");
  sub.add_flag("--apply", args->apply,
               "Apply the best setting at the end when it is significantly better (it stays)");
  sub.add_flag("--persist", args->persist,
               "With --apply: also write /etc/sysctl.d/90-mmtune.conf so it survives a reboot");
  args->run.attach(sub, RunScope::workload);
  sub.footer(kFooter);
  return [args, &sub, &globals](const Io& io) {
    return run_optimize_command(*args, sub, globals, io);
  };
}

}  // namespace mmtune::cli
