// `mmtune fleet DIR|FILE... [-o fleet.html] [--format html|md|json]`: many hosts' documents (tune,
// advise, scenario, run, baseline and check JSON, fetched by deploy/ansible to results/<host>/ or
// gathered any other way) in one report, grouped by the identity each document carries. The
// format follows --format, else the extension of -o (.md, .json), else HTML.
#include "fleet/fleet.hpp"

#include <fmt/format.h>

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/output_files.hpp"

namespace mmtune::cli {
namespace {

struct FleetOptions {
  std::vector<std::string> inputs;
  std::optional<std::string> output;
  std::optional<std::string> format;
};

std::string format_of(const FleetOptions& options) {
  if (options.format) return *options.format;
  if (!options.output) return "html";
  if (options.output->ends_with(".md") || options.output->ends_with(".markdown")) return "md";
  return options.output->ends_with(".json") ? "json" : "html";
}

int run_fleet(const FleetOptions& options, const Io& io) {
  const std::string format = format_of(options);
  std::optional<OutputFile> file;
  if (options.output && *options.output != "-") file = check_output_file("-o", *options.output);
  const fleet::Fleet hosts = fleet::read_fleet(
      std::vector<std::filesystem::path>(options.inputs.begin(), options.inputs.end()));
  const fleet::FleetAnalysis analysis = fleet::analyse(hosts);
  const std::string text = format == "json" ? fleet::fleet_to_json(analysis)
                           : format == "md" ? fleet::render_fleet_markdown(analysis)
                                            : fleet::render_fleet_html(analysis);
  if (file) {
    write_output_file(*file, text);
    fmt::print(io.err, "mmtune: {} hosts from {} documents; wrote {}\n", hosts.hosts.size(),
               hosts.documents, file->path.string());
  } else {
    fmt::print(io.out, "{}", text);
  }
  return 0;
}

}  // namespace

Action attach_fleet(CLI::App& sub, const Globals&) {
  auto options = std::make_shared<FleetOptions>();
  sub.add_option("inputs", options->inputs,
                 "Documents mmtune wrote on each host (tune, advise --format json, scenario, run "
                 "--json, baseline, check --json), or directories searched for *.json")
      ->required()
      ->type_name("DIR|FILE...");
  sub.add_option("-o,--output", options->output, "Write the report to FILE (default: stdout)")
      ->type_name("FILE");
  sub.add_option("--format", options->format,
                 "html (self-contained, with SVG), md or json; default: from -o's extension, else "
                 "html")
      ->check(CLI::IsMember({"html", "md", "json"}));
  return [options](const Io& io) { return run_fleet(*options, io); };
}

}  // namespace mmtune::cli
