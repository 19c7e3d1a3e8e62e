// `mmtune advise`: recommendations for a profile on this host (or a recorded one with --root, or
// the host and measurements of an earlier run with --from), as a terminal summary, JSON
// (mmtune.advice/1) or Markdown, and optionally as a sysctl.d file and a tuned profile.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <filesystem>
#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "advisor/advice.hpp"
#include "advisor/advice_json.hpp"
#include "advisor/profile.hpp"
#include "advisor/scenario.hpp"
#include "advisor/sysctl_files.hpp"
#include "cli/commands.hpp"
#include "cli/identity.hpp"
#include "cli/output_files.hpp"
#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "report/advice_render.hpp"

namespace mmtune::cli {
namespace {

struct AdviseOptions {
  std::string profile = "general";
  std::string format = "text";
  bool json = false;
  std::vector<std::pair<std::string, std::string>> emit;  // {"sysctl", FILE}, {"tuned", FILE}
  std::optional<std::string> from;                        // a scenario result (mmtune.scenario/1)
};

advisor::ScenarioRun read_run(const std::string& path) {
  std::ifstream in(path);
  if (!in) fail(ErrorKind::bad_input, "--from: cannot read {}", path);
  std::stringstream text;
  text << in.rdbuf();
  nlohmann::json j = nlohmann::json::parse(text.str(), nullptr, false);
  if (j.is_discarded()) fail(ErrorKind::bad_input, "--from {}: not JSON", path);
  // `mmtune tune` writes {"advice", "scenario"}; `mmtune scenario --json` the scenario alone.
  if (j.is_object() && j.contains("scenario") && j["scenario"].is_object()) j = j["scenario"];
  try {
    return advisor::scenario_from_json(j);
  } catch (const Error& e) {
    fail(ErrorKind::bad_input, "--from {}: {}", path, e.what());
  }
}

int run_advise(const AdviseOptions& options, const Globals& globals, const Io& io) {
  // Every input is checked before anything is written.
  std::vector<OutputFile> files;
  for (const auto& [kind, path] : options.emit) {
    if (kind != "sysctl" && kind != "tuned") {
      fail(ErrorKind::bad_input, "--emit: \"{}\" must be sysctl or tuned (--emit sysctl FILE)",
           kind);
    }
    files.push_back(check_output_file("--emit " + kind, path));
  }
  const advisor::Profile profile = advisor::load_profile(options.profile);
  std::optional<advisor::ScenarioRun> run;
  facts::HostFacts facts;
  if (options.from) {
    run = read_run(*options.from);
    facts = run->facts;
  } else {
    probes::HostFs fs = globals.host_fs();
    probes::require_host_root(fs);
    facts = probes::read_host_facts(fs);
  }

  const advisor::Advice advice = advisor::advise(facts, profile, run ? &*run : nullptr);
  const std::string format = options.json ? "json" : options.format;
  if (format == "json") {
    fmt::print(
        io.out, "{}\n",
        with_identity(advisor::advice_to_json(advice), globals.host_fs(), profile.name).dump(2));
  } else if (format == "md") {
    fmt::print(io.out, "{}", report::render_markdown(advice, run ? &*run : nullptr));
  } else {
    fmt::print(io.out, "{}", report::render_text(advice));
  }
  for (size_t i = 0; i < files.size(); ++i) {
    const std::string& kind = options.emit[i].first;
    write_output_file(files[i], kind == "sysctl" ? advisor::render_sysctl(advice)
                                                 : advisor::render_tuned(advice));
    fmt::print(io.err, "mmtune: wrote {} ({}, {} changes)\n", files[i].path.string(),
               kind == "sysctl" ? "sysctl.d file" : "tuned profile", advice.changes().size());
  }
  return 0;
}

}  // namespace

Action attach_advise(CLI::App& sub, const Globals& globals) {
  auto options = std::make_shared<AdviseOptions>();
  sub.add_option("--profile", options->profile,
                 fmt::format("Workload class: {} (profiles/), or a .json file",
                             fmt::join(advisor::profile_names(), ", ")))
      ->type_name("NAME|FILE")
      ->capture_default_str();
  sub.add_option("--format", options->format,
                 "Output: text (a summary), json (mmtune.advice/1) or md (a report)")
      ->check(CLI::IsMember({"text", "json", "md"}))
      ->capture_default_str();
  sub.add_flag("--json", options->json, "Same as --format json");
  sub.add_option("--emit", options->emit,
                 "Also write the changes as a file: --emit sysctl FILE (sysctl.d) or --emit tuned "
                 "FILE (tuned.conf); "
                 "may be repeated")
      ->type_name("KIND FILE");
  sub.add_option("--from", options->from,
                 "Use the host facts and measurements of an earlier run (the JSON of `mmtune tune` "
                 "or `mmtune "
                 "scenario --json`)")
      ->type_name("FILE");
  return [options, &globals](const Io& io) { return run_advise(*options, globals, io); };
}

}  // namespace mmtune::cli
