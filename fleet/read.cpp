// Reading thousands of documents: simdjson's On-Demand parser walks each document once and skips
// what the fleet does not need (a tune document is mostly time series) without building a tree;
// nlohmann's tree took 10.7 ms for a 318 KB tune document here, 107 s for 10,000 hosts
// (docs/fleet.md).
#include <simdjson.h>

#include <algorithm>
#include <optional>
#include <thread>
#include <unordered_map>

#include "facts/error.hpp"
#include "fleet/fleet.hpp"

namespace mmtune::fleet {
namespace {

namespace od = simdjson::ondemand;

// What one document says, before it is merged into its host's record.
struct Parsed {
  std::string schema, workload;
  std::optional<facts::HostIdentity> identity;
  std::map<std::string, std::string, std::less<>> settings;
  std::vector<Recommendation> recommendations;
  std::vector<std::string> findings;
  std::vector<Metric> metrics;  // names without the workload prefix for a result document
  std::vector<CheckTest> checks;
};

std::optional<std::string> text(od::value value) {
  std::string_view view;
  if (value.get_string().get(view) != simdjson::SUCCESS) return std::nullopt;
  return std::string(view);
}

std::optional<double> number(od::value value) {
  double x = 0;
  if (value.get_double().get(x) != simdjson::SUCCESS) return std::nullopt;
  return x;
}

facts::HostIdentity read_identity(od::object object) {
  facts::HostIdentity id;
  for (od::field field : object) {
    const std::string_view key = field.unescaped_key();
    od::value value = field.value();
    if (key == "hostname")
      id.hostname = text(value);
    else if (key == "machine_id")
      id.machine_id = text(value);
    else if (key == "kernel")
      id.kernel = text(value).value_or("");
    else if (key == "cpu_model")
      id.cpu_model = text(value);
    else if (key == "mem_total_bytes")
      id.mem_total_bytes = uint64_t(number(value).value_or(0));
    else if (key == "numa_nodes")
      id.numa_nodes = int(number(value).value_or(0));
    else if (key == "profile")
      id.profile = text(value);
  }
  return id;
}

void read_settings(od::object object, Parsed& doc) {
  for (od::field field : object) {
    if (std::optional<std::string> value = text(field.value()))
      doc.settings.insert_or_assign(std::string(std::string_view(field.unescaped_key())),
                                    std::move(*value));
  }
}

Recommendation read_recommendation(od::object object) {
  Recommendation r;
  for (od::field field : object) {
    const std::string_view key = field.unescaped_key();
    od::value value = field.value();
    if (key == "id")
      r.id = text(value).value_or("");
    else if (key == "knob")
      r.knob = text(value).value_or("");
    else if (key == "current")
      r.current = text(value).value_or("(absent)");
    else if (key == "recommended")
      r.recommended = text(value).value_or("");
    else if (key == "confidence")
      r.confidence = text(value).value_or("");
    else if (key == "action")
      r.change = text(value) == "set";
  }
  if (r.id.empty()) r.id = r.knob;
  return r;
}

void read_recommendations(od::array array, Parsed& doc) {
  for (od::value item : array)
    doc.recommendations.push_back(read_recommendation(item.get_object()));
}

// A finding is {"id", …} or a bare id.
void read_findings(od::array array, Parsed& doc) {
  for (od::value item : array) {
    if (item.type() == od::json_type::string) {
      doc.findings.push_back(std::string(std::string_view(item.get_string())));
      continue;
    }
    for (od::field field : item.get_object()) {
      if (field.unescaped_key() == std::string_view("id"))
        if (std::optional<std::string> id = text(field.value())) doc.findings.push_back(*id);
    }
  }
}

// measurements: [{"name", "value", "unit", "source"}]; the model's predictions are not metrics.
void read_measurements(od::array array, std::string_view prefix, std::vector<Metric>& out) {
  for (od::value item : array) {
    Metric m;
    bool measured = true, has_value = false;
    for (od::field field : item.get_object()) {
      const std::string_view key = field.unescaped_key();
      if (key == "name")
        m.name = std::string(prefix) + text(field.value()).value_or("");
      else if (key == "unit")
        m.unit = text(field.value()).value_or("");
      else if (key == "source")
        measured = text(field.value()) != "model";
      else if (key == "value") {
        const std::optional<double> x = number(field.value());
        has_value = x.has_value();
        m.value = x.value_or(0);
      }
    }
    if (measured && has_value) out.push_back(std::move(m));
  }
}

// A scenario step: {"id", "result": {mmtune.result/1}}; its measurements become "id/name".
void read_step(od::object step, Parsed& doc) {
  std::string id;
  std::vector<Metric> metrics;
  for (od::field field : step) {
    const std::string_view key = field.unescaped_key();
    if (key == "id") {
      id = text(field.value()).value_or("");
    } else if (key == "result") {
      for (od::field inner : field.value().get_object()) {
        if (inner.unescaped_key() == std::string_view("measurements"))
          read_measurements(inner.value().get_array(), "", metrics);
      }
    }
  }
  for (Metric& m : metrics) doc.metrics.push_back({id + "/" + m.name, std::move(m.unit), m.value});
}

void read_host(od::object host, Parsed& doc) {
  for (od::field field : host) {
    if (field.unescaped_key() == std::string_view("settings")) read_settings(field.value(), doc);
  }
}

void read_fingerprint(od::object fingerprint, Parsed& doc) {
  for (od::field field : fingerprint) {
    const std::string_view group = field.unescaped_key();
    if (group == "sysctl" || group == "thp") read_settings(field.value(), doc);
  }
}

// Baseline metrics carry "median", check metrics "now_median": either is the host's value.
void read_summary_metrics(od::array array, Parsed& doc) {
  for (od::value item : array) {
    Metric m;
    bool has_value = false;
    for (od::field field : item.get_object()) {
      const std::string_view key = field.unescaped_key();
      if (key == "name")
        m.name = text(field.value()).value_or("");
      else if (key == "unit")
        m.unit = text(field.value()).value_or("");
      else if (key == "median" || key == "now_median") {
        const std::optional<double> x = number(field.value());
        has_value = x.has_value();
        m.value = x.value_or(0);
      }
    }
    if (has_value) doc.metrics.push_back(std::move(m));
  }
}

void read_tests(od::array array, Parsed& doc) {
  for (od::value item : array) {
    CheckTest test;
    for (od::field field : item.get_object()) {
      const std::string_view key = field.unescaped_key();
      if (key == "suite")
        test.suite = text(field.value()).value_or("");
      else if (key == "name")
        test.name = text(field.value()).value_or("");
      else if (key == "status")
        test.status = text(field.value()).value_or("");
      else if (key == "verdict")
        test.verdict = text(field.value()).value_or("");
    }
    doc.checks.push_back(std::move(test));
  }
}

void read_object(od::object object, Parsed& doc, bool top);

// One key of a document, whichever schema: the keys mean the same wherever they appear.
void read_field(std::string_view key, od::value value, Parsed& doc, bool top) {
  const od::json_type type = value.type();
  if (key == "schema" && top)
    doc.schema = text(value).value_or("");
  else if (key == "identity" && type == od::json_type::object)
    doc.identity = read_identity(value);
  else if ((key == "advice" || key == "scenario") && type == od::json_type::object)
    read_object(value, doc, false);
  else if (key == "recommendations" && type == od::json_type::array)
    read_recommendations(value, doc);
  else if (key == "findings" && type == od::json_type::array)
    read_findings(value, doc);
  else if (key == "host" && type == od::json_type::object)
    read_host(value, doc);
  else if (key == "fingerprint" && type == od::json_type::object)
    read_fingerprint(value, doc);
  else if (key == "tests" && type == od::json_type::array)
    read_tests(value, doc);
  else if (key == "workload" && top)
    doc.workload = text(value).value_or("");
  else if (key == "measurements" && type == od::json_type::array)
    read_measurements(value, "", doc.metrics);
  else if (key == "metrics" && type == od::json_type::array)
    read_summary_metrics(value, doc);
  else if (key == "steps" && type == od::json_type::array) {
    for (od::value step : value.get_array()) read_step(step.get_object(), doc);
  }
}

void read_object(od::object object, Parsed& doc, bool top) {
  for (od::field field : object) read_field(field.unescaped_key(), field.value(), doc, top);
}

std::string host_key(const facts::HostIdentity& id) {
  if (id.machine_id) return "m:" + *id.machine_id;
  if (id.hostname) return "h:" + *id.hostname;
  return {};
}

void merge(HostRecord& host, Parsed&& doc) {
  host.kinds.push_back(doc.schema);
  for (auto& [knob, value] : doc.settings) host.settings.insert_or_assign(knob, std::move(value));
  for (const Recommendation& r : doc.recommendations) {
    host.settings.try_emplace(r.knob, r.current);
    if (r.change) host.findings.push_back(r.id);
  }
  for (std::string& id : doc.findings) host.findings.push_back(std::move(id));
  std::sort(host.findings.begin(), host.findings.end());
  host.findings.erase(std::unique(host.findings.begin(), host.findings.end()), host.findings.end());
  if (!doc.recommendations.empty()) host.recommendations = std::move(doc.recommendations);
  const std::string prefix = doc.schema == "mmtune.result/1" ? doc.workload + "/" : "";
  for (Metric& m : doc.metrics) {
    m.name.insert(0, prefix);
    auto same = std::find_if(host.metrics.begin(), host.metrics.end(),
                             [&](const Metric& other) { return other.name == m.name; });
    if (same == host.metrics.end())
      host.metrics.push_back(std::move(m));
    else
      *same = std::move(m);
  }
  if (!doc.checks.empty()) host.checks = std::move(doc.checks);
  if (doc.identity->profile) host.identity.profile = doc.identity->profile;
}

// A document parsed, or why it is skipped (empty when it is not).
struct Outcome {
  Parsed doc;
  std::string skipped;
};

Outcome parse(od::parser& parser, const simdjson::padded_string& text) {
  Outcome out;
  try {
    od::document document = parser.iterate(text);
    read_object(document.get_object(), out.doc, true);
  } catch (const simdjson::simdjson_error&) {
    out.skipped = "not valid JSON, or not an object where the schema has one";
    return out;
  }
  if (!out.doc.schema.starts_with("mmtune."))
    out.skipped = "not an mmtune document";
  else if (!out.doc.identity || host_key(*out.doc.identity).empty())
    out.skipped = "no host identity (written by an mmtune before it had one)";
  return out;
}

Outcome parse_file(od::parser& parser, const std::filesystem::path& file) {
  simdjson::padded_string text;
  if (simdjson::padded_string::load(file.string()).get(text) != simdjson::SUCCESS)
    return {{}, "unreadable"};
  return parse(parser, text);
}

bool add_outcome(Fleet& fleet, Outcome&& outcome, std::string_view label) {
  if (!outcome.skipped.empty()) {
    fleet.skipped[outcome.skipped].emplace_back(label);
    return false;
  }
  Parsed& doc = outcome.doc;
  ++fleet.documents;
  auto [it, added] = fleet.index.try_emplace(host_key(*doc.identity), fleet.hosts.size());
  if (added) {
    fleet.hosts.emplace_back();
    fleet.hosts.back().identity = *doc.identity;
    fleet.hosts.back().key = it->first;
  }
  merge(fleet.hosts[it->second], std::move(doc));
  return true;
}

void collect_files(const std::filesystem::path& input, std::vector<std::filesystem::path>& files) {
  std::error_code ec;
  if (std::filesystem::is_directory(input, ec)) {
    std::vector<std::filesystem::path> found;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(input, ec)) {
      if (entry.is_regular_file(ec) && entry.path().extension() == ".json")
        found.push_back(entry.path());
    }
    std::sort(found.begin(), found.end());  // the same order, and the same report, every time
    files.insert(files.end(), found.begin(), found.end());
  } else if (std::filesystem::exists(input, ec)) {
    files.push_back(input);
  } else {
    fail(ErrorKind::bad_input, "{}: no such file or directory", input.string());
  }
}

}  // namespace

std::string HostRecord::name() const {
  if (identity.hostname) return *identity.hostname;
  return identity.machine_id.value_or("?");
}

bool add_document(Fleet& fleet, std::string_view text, std::string_view label) {
  od::parser parser;
  return add_outcome(fleet, parse(parser, simdjson::padded_string(text)), label);
}

Fleet read_fleet(const std::vector<std::filesystem::path>& inputs) {
  std::vector<std::filesystem::path> files;
  for (const std::filesystem::path& input : inputs) collect_files(input, files);
  // Parsing is most of the time: one parser per CPU, over batches of files; merging stays in file
  // order, so the report does not depend on which thread was faster. A batch bounds the parsed
  // documents held at once.
  const size_t workers = std::clamp<size_t>(std::thread::hardware_concurrency(), 1, 8);
  constexpr size_t kBatch = 256;
  std::vector<od::parser> parsers(workers);
  std::vector<Outcome> batch(kBatch);
  Fleet fleet;
  for (size_t start = 0; start < files.size(); start += kBatch) {
    const size_t count = std::min(kBatch, files.size() - start);
    std::vector<std::thread> threads;
    for (size_t w = 0; w < workers; ++w) {
      threads.emplace_back([&, w] {
        for (size_t i = w; i < count; i += workers)
          batch[i] = parse_file(parsers[w], files[start + i]);
      });
    }
    for (std::thread& thread : threads) thread.join();
    for (size_t i = 0; i < count; ++i)
      add_outcome(fleet, std::move(batch[i]), files[start + i].string());
  }
  if (fleet.hosts.empty()) {
    fail(ErrorKind::bad_input, "{}: no mmtune document with a host identity among {} file(s)",
         inputs.empty() ? std::string("(no input)") : inputs.front().string(), files.size());
  }
  return fleet;
}

}  // namespace mmtune::fleet
