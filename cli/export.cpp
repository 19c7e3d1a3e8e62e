// `mmtune export --prometheus FILE [INPUT...]`: metrics for node_exporter's textfile collector,
// written atomically (a temporary file beside FILE, then a rename, so the collector never reads
// half a file). The host as read now gives the model's thresholds and the memory-manager counters
// node_exporter drops; each INPUT (a JSON file mmtune wrote, or a directory of them) gives the
// last run, advice and check. docs/prometheus.md lists the metrics; the packaged systemd timer
// (mmtune-export.timer) runs this every minute.
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/output_files.hpp"
#include "cli/version.hpp"
#include "compare/baseline.hpp"
#include "facts/error.hpp"
#include "facts/facts_json.hpp"
#include "probes/readers.hpp"
#include "report/input.hpp"
#include "report/prometheus.hpp"

namespace mmtune::cli {
namespace {

namespace fs = std::filesystem;

struct ExportArgs {
  std::string prometheus;
  std::vector<std::string> inputs;
};

constexpr const char* kExportFooter = R"(
INPUT is a JSON file mmtune wrote (tune, scenario, run, advise --json, check --json, baseline) or
a directory: every such file in it; other files there are ignored. Where several give the same
part (two tunes, a tune and a later advise), the file modified last wins. Without INPUT only the
host is exported: the model's thresholds and the reclaim, compaction and THP counters.

FILE must end in .prom (node_exporter's textfile collector reads only those), or be - for stdout.
Debian's prometheus-node-exporter reads /var/lib/prometheus/node-exporter; the packaged
mmtune-export.timer writes mmtune.prom there every minute from /var/lib/mmtune/results.)";

struct Document {
  fs::path path;
  fs::file_time_type modified;
  std::string text;
  nlohmann::json json;
};

std::optional<Document> read_document(const fs::path& path, bool explicitly_named) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  if (!in) fail(ErrorKind::bad_input, "{}: cannot read", path.string());
  Document doc{path, fs::last_write_time(path), buffer.str(), {}};
  doc.json = nlohmann::json::parse(doc.text, nullptr, false);
  if (report::exported_command(facts::schema_of(doc.json))) return doc;  // "" for non-JSON too
  if (!explicitly_named) return std::nullopt;
  fail(ErrorKind::bad_input,
       "{}: not a document export reads (a JSON file of mmtune tune, scenario, run, advise, check "
       "or baseline)",
       path.string());
}

// The documents the inputs name, oldest first, so that newer ones replace older ones.
std::vector<Document> read_documents(const std::vector<std::string>& inputs) {
  std::vector<Document> documents;
  for (const std::string& input : inputs) {
    std::error_code ec;
    if (fs::is_directory(input, ec)) {
      for (const fs::directory_entry& entry : fs::directory_iterator(input, ec)) {
        if (entry.is_regular_file(ec) && entry.path().extension() == ".json")
          if (auto doc = read_document(entry.path(), false)) documents.push_back(std::move(*doc));
      }
      if (ec) fail(ErrorKind::bad_input, "{}: cannot list: {}", input, ec.message());
    } else if (fs::is_regular_file(input, ec)) {
      documents.push_back(*read_document(input, true));
    } else {
      fail(ErrorKind::bad_input, "{}: no such file or directory", input);
    }
  }
  std::stable_sort(documents.begin(), documents.end(),
                   [](const Document& a, const Document& b) { return a.modified < b.modified; });
  return documents;
}

void add_documents(report::ExportInput& input, const std::vector<Document>& documents) {
  for (const Document& doc : documents) {
    try {
      if (facts::schema_of(doc.json) == compare::kBaselineSchema)
        report::add_baseline(input, compare::baseline_from_json(doc.json, doc.path.string()));
      else
        report::add_document(input, report::read_report_input(doc.text));
    } catch (const Error& e) {
      fail(ErrorKind::bad_input, "{}: {}", doc.path.string(), e.what());
    }
  }
}

int run_export(const ExportArgs& args, const Globals& globals, const Io& io) {
  std::optional<OutputFile> file;
  if (args.prometheus != "-") {
    if (fs::path(args.prometheus).extension() != ".prom")
      fail(ErrorKind::bad_input,
           "--prometheus {}: node_exporter's textfile collector reads only files ending in .prom",
           args.prometheus);
    file = check_output_file("--prometheus", args.prometheus);
  }
  report::ExportInput input;
  input.version = build_info().version;
  add_documents(input, read_documents(args.inputs));
  const probes::HostFs host_fs = globals.host_fs();
  probes::require_host_root(host_fs);
  input.host = probes::read_host_facts(host_fs);

  std::vector<std::string> notes;
  const std::vector<report::MetricFamily> families = report::prometheus_families(input, &notes);
  const std::string text = report::render_prometheus(families);
  for (const std::string& note : notes) fmt::print(io.err, "mmtune: {}\n", note);
  if (!file) {
    fmt::print(io.out, "{}", text);
    return 0;
  }
  write_output_file(*file, text);
  if (::isatty(::fileno(io.err))) {
    size_t samples = 0;
    for (const report::MetricFamily& family : families) samples += family.samples.size();
    fmt::print(io.err, "mmtune: {} samples of {} metrics written to {}\n", samples, families.size(),
               file->path.string());
  }
  return 0;
}

}  // namespace

Action attach_export(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<ExportArgs>();
  sub.add_option("--prometheus", args->prometheus,
                 "Write node_exporter's textfile format to FILE (*.prom), atomically; - for stdout")
      ->required()
      ->type_name("FILE");
  sub.add_option("inputs", args->inputs,
                 "JSON results of tune, scenario, run, advise, check or baseline, or directories "
                 "of them")
      ->type_name("INPUT");
  sub.footer(kExportFooter);
  return [args, &globals](const Io& io) { return run_export(*args, globals, io); };
}

}  // namespace mmtune::cli
