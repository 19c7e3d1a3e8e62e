// `mmtune scenario PROFILE`: run one of a profile's scenarios (quick, full, ci, …) on this host,
// each step bounded in time and memory; print what each step measured, or the whole result as
// JSON (mmtune.scenario/1). --plan shows the steps resolved for this host without running them.
#include "advisor/scenario.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

#include "advisor/profile.hpp"
#include "cli/commands.hpp"
#include "cli/identity.hpp"
#include "cli/output_files.hpp"
#include "cli/run_options.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"
#include "probes/readers.hpp"
#include "report/advice_render.hpp"

namespace mmtune::cli {
namespace {

struct ScenarioOptions {
  std::string profile;
  std::string scenario = "quick";
  bool json = false;
  bool plan_only = false;
  std::optional<std::string> output;
  HostSafetyArgs safety;
};

std::string params_text(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string text;
  for (const auto& [name, value] : params)
    text += fmt::format("{}--{} {}", text.empty() ? "" : " ", name, value);
  return text;
}

void print_plan(const advisor::ScenarioPlan& plan, std::FILE* out) {
  fmt::print(out, "profile {} ({}), scenario {}: {}\n", plan.profile, plan.profile_file,
             plan.scenario.name, plan.scenario.summary);
  fmt::print(out, "bounds: {:g} s in all; each step at most {} ({:g} % of MemAvailable{})\n",
             plan.scenario.time_budget_s, facts::format_bytes(plan.memory_budget_bytes),
             plan.scenario.memory_fraction * 100, plan.memory_cgroup ? ", in a memory cgroup" : "");
  for (const advisor::PlannedStep& step : plan.steps) {
    fmt::print(out, "  {:<16} {} {} (≤ {:g} s, maps {}){}\n", step.step.id, step.step.workload,
               params_text(step.params), step.step.time_limit_s,
               facts::format_bytes(step.plan.limits.footprint_bytes),
               step.plan.unsupported ? " — will be skipped: " + *step.plan.unsupported : "");
  }
  for (const advisor::CiMetric& m : plan.scenario.metrics) {
    fmt::print(out, "  metric {}.{}: {} is better, tolerance {}{}\n", m.step, m.metric,
               advisor::to_string(m.direction),
               m.tolerance ? fmt::format("{:g} %", *m.tolerance * 100) : std::string("-"),
               m.absolute ? fmt::format(", absolute {:g}", *m.absolute) : std::string());
  }
}

void print_run(const advisor::ScenarioRun& run, std::FILE* out) {
  fmt::print(out, "profile {}, scenario {}: {} steps in {:.1f} s", run.profile, run.scenario,
             run.steps.size(), run.wall_s);
  if (run.peak_cgroup_bytes)
    fmt::print(out, ", peak cgroup memory {}", facts::format_bytes(*run.peak_cgroup_bytes));
  fmt::print(out, " (budget {})\n", facts::format_bytes(run.memory_budget_bytes));
  for (const advisor::StepOutcome& step : run.steps) {
    const workloads::Verdict& v = step.result.verdict;
    fmt::print(out, "\n{} ({} {}): {}{}{} in {:.1f} s\n", step.id, step.workload,
               params_text(step.params), workloads::status_name(v.status),
               v.reason.empty() ? "" : ": ", v.reason, step.result.wall_s);
    for (const workloads::Measurement& m : step.result.measurements) {
      fmt::print(out, "  {:<32} {}\n", m.name, facts::format_value(m.value, m.unit));
    }
    for (const std::string& line : step.result.explanation) fmt::print(out, "  · {}\n", line);
  }
}

int run_scenario_command(const ScenarioOptions& options, const Globals& globals, const Io& io) {
  std::optional<OutputFile> file;
  if (options.output) file = check_output_file("-o", *options.output);
  const advisor::Profile profile = advisor::load_profile(options.profile);
  probes::HostFs fs = globals.host_fs();
  probes::require_host_root(fs);
  const facts::HostFacts facts = probes::read_host_facts(fs);
  const advisor::ScenarioPlan plan = advisor::plan_scenario(profile, options.scenario, facts);
  if (options.plan_only) {
    print_plan(plan, io.out);
    return 0;
  }
  if (!fs.is_live()) {
    fail(ErrorKind::unsupported,
         "--root {}: workloads run on this host only (use --plan to see the steps)", globals.root);
  }
  advisor::Progress status(io.err, plan.scenario.time_budget_s);
  advisor::ScenarioOptions run_options;
  run_options.governor = options.safety.governor_limits();
  const changes::HostLock host = options.safety.hold(globals, io);
  run_options.log = ::isatty(::fileno(io.err)) ? status.log() : nullptr;
  run_options.progress = &status;
  const advisor::ScenarioRun run = advisor::run_scenario(plan, run_options);
  const nlohmann::json j = with_identity(advisor::scenario_to_json(run), fs, run.profile);
  if (options.json) {
    fmt::print(io.out, "{}\n", j.dump(2));
  } else {
    print_run(run, io.out);
  }
  if (file) {
    write_output_file(*file, j.dump(2) + "\n");
    fmt::print(io.err, "mmtune: wrote {}\n", file->path.string());
  }
  if (run.interrupted)
    fail(ErrorKind::interrupted, "scenario {} stopped; completed steps are in the result",
         run.scenario);
  return 0;
}

}  // namespace

Action attach_scenario(CLI::App& sub, const Globals& globals) {
  auto options = std::make_shared<ScenarioOptions>();
  sub.add_option("profile", options->profile, "Profile: a name in profiles/ or a .json file")
      ->required()
      ->type_name("PROFILE");
  sub.add_option("--scenario", options->scenario,
                 "Which of the profile's scenarios: quick, full, ci, …")
      ->capture_default_str();
  sub.add_flag("--json", options->json, "Print the whole result as JSON (mmtune.scenario/1)");
  sub.add_flag("--plan", options->plan_only, "Show the steps resolved for this host, run nothing");
  sub.add_option("-o,--output", options->output, "Also write the JSON result to FILE")
      ->type_name("FILE");
  options->safety.attach(sub);
  return [options, &globals](const Io& io) { return run_scenario_command(*options, globals, io); };
}

}  // namespace mmtune::cli
