// `mmtune tune`: the main job. Gathers the host facts, runs the profile's quick scenario (bounded
// in time and memory), prints the advice, and writes a Markdown report, the HTML report with plots
// (report/html.hpp) and a JSON file with everything behind it:
//   {"schema": "mmtune.tune/1", "advice": {mmtune.advice/1}, "scenario": {mmtune.scenario/1}}
// Progress goes to stderr when it is a terminal; in a pipe the command is silent but for its
// output.
#include <fmt/format.h>
#include <fmt/ranges.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>

#include "advisor/advice.hpp"
#include "advisor/advice_json.hpp"
#include "advisor/profile.hpp"
#include "advisor/scenario.hpp"
#include "cli/commands.hpp"
#include "cli/identity.hpp"
#include "cli/output_files.hpp"
#include "cli/run_options.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"
#include "probes/readers.hpp"
#include "report/advice_render.hpp"
#include "report/document.hpp"
#include "report/html.hpp"

namespace mmtune::cli {
namespace {

constexpr std::string_view kTuneSchema = "mmtune.tune/1";

struct TuneOptions {
  std::string profile = "general";
  std::string output_dir = ".";
  std::string format = "text";
  HostSafetyArgs safety;
};

int run_tune(const TuneOptions& options, const Globals& globals, const Io& io) {
  probes::HostFs fs = globals.host_fs();
  probes::require_host_root(fs);
  if (!fs.is_live()) {
    fail(ErrorKind::unsupported,
         "--root {}: tune runs workloads on this host; for a recorded host use `mmtune advise "
         "--root`",
         globals.root);
  }
  std::error_code ec;
  if (!std::filesystem::is_directory(options.output_dir, ec)) {
    fail(ErrorKind::bad_input, "-o {}: not a directory", options.output_dir);
  }
  const advisor::Profile profile = advisor::load_profile(options.profile);
  const std::filesystem::path dir(options.output_dir);
  const OutputFile report =
      check_output_file("-o", dir / fmt::format("mmtune-tune-{}.md", profile.name));
  const OutputFile data =
      check_output_file("-o", dir / fmt::format("mmtune-tune-{}.json", profile.name));
  const OutputFile page =
      check_output_file("-o", dir / fmt::format("mmtune-tune-{}.html", profile.name));

  const bool progress = ::isatty(::fileno(io.err));
  const facts::HostFacts facts = probes::read_host_facts(fs);
  const advisor::ScenarioPlan plan = advisor::plan_scenario(profile, "quick", facts);
  if (progress) {
    fmt::print(io.err,
               "mmtune: tune for profile {}: {} steps, at most {:g} s, each within {} ({:g} % of "
               "MemAvailable)\n",
               profile.name, plan.steps.size(), plan.scenario.time_budget_s,
               facts::format_bytes(plan.memory_budget_bytes), plan.scenario.memory_fraction * 100);
  }
  advisor::Progress status(io.err, plan.scenario.time_budget_s);
  advisor::ScenarioOptions run_options;
  run_options.governor = options.safety.governor_limits();
  const changes::HostLock host = options.safety.hold(globals, io);
  run_options.log = progress ? status.log() : nullptr;
  run_options.progress = &status;
  const advisor::ScenarioRun run = advisor::run_scenario(plan, run_options);
  const advisor::Advice advice = advisor::advise(facts, profile, &run);

  const nlohmann::json advice_json =
      with_identity(advisor::advice_to_json(advice), fs, profile.name);
  if (options.format == "json") {
    fmt::print(io.out, "{}\n", advice_json.dump(2));
  } else if (options.format == "md") {
    fmt::print(io.out, "{}", report::render_markdown(advice, &run));
  } else {
    fmt::print(io.out, "{}", report::render_text(advice));
  }
  write_output_file(report, report::render_markdown(advice, &run));
  const nlohmann::json everything = {{"schema", kTuneSchema},
                                     {"identity", advice_json["identity"]},
                                     {"advice", advice_json},
                                     {"scenario", advisor::scenario_to_json(run)}};
  write_output_file(data, everything.dump(2) + "\n");
  report::ReportInput input;
  input.schema = kTuneSchema;
  input.host = run.facts;
  input.scenario = run;
  input.advice = advice;
  write_output_file(page, report::render_report_html(report::build_report(input)));
  fmt::print(io.err, "mmtune: report written to {} and {}, everything behind it to {} ({:.1f} s)\n",
             report.path.string(), page.path.string(), data.path.string(), run.wall_s);
  if (run.interrupted)
    fail(ErrorKind::interrupted, "tune stopped early; the report covers the steps that ran");
  return 0;
}

}  // namespace

Action attach_tune(CLI::App& sub, const Globals& globals) {
  auto options = std::make_shared<TuneOptions>();
  sub.add_option("--profile", options->profile,
                 fmt::format("Workload class: {} (profiles/), or a .json file",
                             fmt::join(advisor::profile_names(), ", ")))
      ->type_name("NAME|FILE")
      ->capture_default_str();
  sub.add_option("-o,--output-dir", options->output_dir,
                 "Directory for the report (mmtune-tune-PROFILE.md and .html) and its data "
                 "(mmtune-tune-PROFILE.json)")
      ->type_name("DIR")
      ->capture_default_str();
  sub.add_option("--format", options->format,
                 "What to print: text (a summary), json (mmtune.advice/1) or md")
      ->check(CLI::IsMember({"text", "json", "md"}))
      ->capture_default_str();
  options->safety.attach(sub);
  return [options, &globals](const Io& io) { return run_tune(*options, globals, io); };
}

}  // namespace mmtune::cli
