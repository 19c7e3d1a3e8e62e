// `mmtune report FILE [-o OUT] [--format html|md]`: renders any JSON document mmtune writes (a run,
// a scenario, tune's data, advice, host facts) as one self-contained HTML page with plots, or as
// Markdown with the same sections and numbers and no plots. Without -o the report goes to stdout.
// The format follows --format, else the extension of -o (.md, .markdown), else HTML.
#include <fmt/format.h>

#include <fstream>
#include <memory>
#include <optional>
#include <sstream>
#include <string>

#include "cli/commands.hpp"
#include "cli/output_files.hpp"
#include "facts/error.hpp"
#include "report/document.hpp"
#include "report/html.hpp"
#include "report/input.hpp"
#include "report/markdown.hpp"

namespace mmtune::cli {
namespace {

struct ReportOptions {
  std::string input;
  std::optional<std::string> output;
  std::optional<std::string> format;
};

std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::bad_input, "{}: cannot read the file", path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

int run_report(const ReportOptions& options, const Io& io) {
  std::string format = options.format.value_or("");
  if (format.empty()) {
    const bool markdown = options.output && (options.output->ends_with(".md") ||
                                             options.output->ends_with(".markdown"));
    format = markdown ? "md" : "html";
  }
  std::optional<OutputFile> file;
  if (options.output && *options.output != "-") file = check_output_file("-o", *options.output);

  report::ReportInput input;
  try {
    input = report::read_report_input(read_file(options.input));
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::bad_input) throw;
    fail(ErrorKind::bad_input, "{}: {}", options.input, e.what());
  }
  const report::ReportDocument doc = report::build_report(input);
  const std::string text =
      format == "md" ? report::render_report_markdown(doc) : report::render_report_html(doc);
  if (file) {
    write_output_file(*file, text);
    fmt::print(io.err, "mmtune: wrote {}\n", file->path.string());
  } else {
    fmt::print(io.out, "{}", text);
  }
  return 0;
}

}  // namespace

Action attach_report(CLI::App& sub, const Globals&) {
  auto options = std::make_shared<ReportOptions>();
  sub.add_option("file", options->input,
                 "A JSON document of mmtune: run --json, scenario -o, tune's data, advise --json, "
                 "host --json")
      ->required()
      ->type_name("FILE");
  sub.add_option("-o,--output", options->output, "Write the report to FILE (default: stdout)")
      ->type_name("FILE");
  sub.add_option("--format", options->format,
                 "html (self-contained, with plots) or md (Markdown, no plots); default: from -o's "
                 "extension, else html")
      ->check(CLI::IsMember({"html", "md"}));
  return [options](const Io& io) { return run_report(*options, io); };
}

}  // namespace mmtune::cli
