// `mmtune baseline -o FILE [--profile ci-smoke] [--scenario ci] [--repeat 5]`: records this host's
// fingerprint and a CI scenario's metrics from repeated runs (mmtune.baseline/1) for `mmtune
// check`. Exit: 0 written, 1 written but a metric has fewer than 5 samples (a step failed),
// 2 bad input, 3 no step could run here (nothing written), 130 interrupted (nothing written).
#include "compare/baseline.hpp"

#include <fmt/format.h>

#include <memory>
#include <string>

#include "advisor/profile.hpp"
#include "advisor/scenario.hpp"
#include "cli/commands.hpp"
#include "cli/identity.hpp"
#include "cli/output_files.hpp"
#include "cli/run_options.hpp"
#include "compare/fingerprint.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "probes/readers.hpp"
#include "workloads/result.hpp"

namespace mmtune::cli {
namespace {

struct BaselineArgs {
  std::string output;
  std::string profile = "ci-smoke";
  std::string scenario = "ci";
  int repeat = compare::kMinRepeats;
  RunOptionArgs run;
};

constexpr const char* kBaselineFooter = R"(
The baseline holds the host fingerprint (kernel release and command line, every vm.* sysctl, THP
settings, swap devices, NUMA topology, MGLRU, cgroup version, memory-manager CONFIG_* options from
/proc/config.gz or /boot/config-<release>) and, for each metric of the profile's CI scenario, the
samples of every repeat with their median and spread, the direction that is better, and the
profile's tolerance. `--profile ci` is short for ci-smoke. `mmtune check --baseline FILE` compares.)";

void print_summary(const compare::Baseline& baseline, std::FILE* out) {
  fmt::print(out, "baseline of {}/{}: {} repeats\n", baseline.profile, baseline.scenario,
             baseline.repeats);
  size_t width = 6;
  for (const compare::BaselineMetric& m : baseline.metrics)
    width = std::max(width, m.name().size());
  fmt::print(out, "  {:<{}}  {:>16}  {:>33}  {:>2}  {}\n", "metric", width, "median",
             "spread (min – max)", "n", "better / allowed worse");
  for (const compare::BaselineMetric& m : baseline.metrics) {
    std::string allowed;
    if (m.tolerance) allowed = fmt::format("{:g} %", *m.tolerance * 100);
    if (m.absolute)
      allowed += (allowed.empty() ? "" : " or ") + facts::format_value(*m.absolute, m.unit);
    if (m.samples.empty()) {
      fmt::print(out, "  {:<{}}  {:>16}  {:>33}  {:>2}  {} / {}\n", m.name(), width, "—", "", 0,
                 advisor::to_string(m.direction), allowed);
      continue;
    }
    const compare::Summary s = compare::summarize(m.samples);
    fmt::print(out, "  {:<{}}  {:>16}  {:>33}  {:>2}  {} / {}\n", m.name(), width,
               facts::format_value(s.median, m.unit),
               fmt::format("{} – {}", facts::format_value(s.min, m.unit),
                           facts::format_value(s.max, m.unit)),
               s.n, advisor::to_string(m.direction), allowed);
  }
  for (const std::string& note : baseline.notes) fmt::print(out, "note: {}\n", note);
}

}  // namespace

Action attach_baseline(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<BaselineArgs>();
  sub.add_option("-o,--output", args->output, "The baseline file to write")
      ->required()
      ->type_name("FILE");
  sub.add_option("--profile", args->profile, "Profile with a CI scenario (default ci-smoke)")
      ->type_name("NAME|FILE");
  sub.add_option("--scenario", args->scenario, "Its CI scenario (default ci)");
  sub.add_option("--repeat", args->repeat, "Repeats of the scenario, at least 5 (default 5)");
  args->run.attach(sub, RunScope::scenario);
  sub.footer(kBaselineFooter);
  return [args, &globals](const Io& io) {
    advisor::ScenarioOptions options = args->run.scenario_options(globals, "a baseline");
    if (args->repeat < compare::kMinRepeats || args->repeat > 100) {
      fail(ErrorKind::bad_input,
           "--repeat: {} must be between {} and 100 (the check's test needs {})", args->repeat,
           compare::kMinRepeats, compare::kMinRepeats);
    }
    const OutputFile output = check_output_file("--output", args->output);
    const advisor::Profile profile =
        advisor::load_profile(args->profile == "ci" ? "ci-smoke" : args->profile);
    const probes::HostFs fs = globals.host_fs();
    const advisor::ScenarioPlan plan =
        advisor::plan_scenario(profile, args->scenario, probes::read_host_facts(fs));
    if (plan.scenario.metrics.empty()) {
      fail(ErrorKind::bad_input,
           "--scenario: {} of profile {} names no CI metrics; a baseline needs a CI scenario (e.g. "
           "ci-smoke's \"ci\")",
           plan.scenario.name, plan.profile);
    }
    compare::Fingerprint fingerprint = compare::read_fingerprint(fs);

    // A status line on a terminal only; in a pipe just the runner's lines.
    advisor::Progress status(io.err, plan.scenario.time_budget_s * args->repeat);
    show_progress(options, status);
    const changes::HostLock host = args->run.safety.hold(globals, io);
    const compare::RepeatedRuns runs = compare::run_repeated(plan, args->repeat, options);
    if (runs.interrupted) fail(ErrorKind::interrupted, "baseline stopped; nothing was written");
    const compare::Baseline baseline = compare::make_baseline(plan, runs, std::move(fingerprint));

    bool anything = false, complete = true;
    for (const compare::BaselineMetric& m : baseline.metrics) {
      anything |= !m.samples.empty();
      complete &= m.samples.size() >= size_t(compare::kMinRepeats);
    }
    if (!anything) {
      fail(ErrorKind::unsupported, "no step of {}/{} could run here; nothing written: {}",
           plan.profile, plan.scenario.name,
           baseline.notes.empty() ? std::string("see the messages above") : baseline.notes.front());
    }
    write_output_file(
        output,
        with_identity(compare::baseline_to_json(baseline), fs, plan.profile).dump(2) + "\n");
    print_summary(baseline, io.out);
    fmt::print(io.out, "written to {} in {:.1f} s\n", output.path.string(), runs.wall_s);
    return complete ? 0 : 1;
  };
}

}  // namespace mmtune::cli
