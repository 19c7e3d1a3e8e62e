#include "workloads/result.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "facts/error.hpp"
#include "facts/facts_json.hpp"
#include "workloads/result_json.hpp"

namespace mmtune::workloads {

using nlohmann::json;

namespace {

// JSON has no NaN or infinity; a number that is not finite (a ratio over a zero time) is null.
json number(double value) { return std::isfinite(value) ? json(value) : json(nullptr); }
double number_from(const json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

json optional_number(const std::optional<double>& value) {
  return value ? number(*value) : json(nullptr);
}
std::optional<double> optional_from(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return std::nullopt;
  return j[key].get<double>();
}

json rusage_json(const Rusage& r) {
  return {{"minor_faults", r.minor_faults},
          {"major_faults", r.major_faults},
          {"voluntary_switches", r.voluntary_switches},
          {"involuntary_switches", r.involuntary_switches},
          {"user_s", r.user_s},
          {"system_s", r.system_s}};
}

Rusage rusage_from(const json& j) {
  Rusage r;
  r.minor_faults = j.value("minor_faults", uint64_t{0});
  r.major_faults = j.value("major_faults", uint64_t{0});
  r.voluntary_switches = j.value("voluntary_switches", uint64_t{0});
  r.involuntary_switches = j.value("involuntary_switches", uint64_t{0});
  r.user_s = j.value("user_s", 0.0);
  r.system_s = j.value("system_s", 0.0);
  return r;
}

json comparison_json(const Comparison& c) {
  json j = {{"metric", c.metric},
            {"predicted", number(c.predicted)},
            {"measured", number(c.measured)},
            {"unit", c.unit},
            {"deviation", number(c.deviation)},
            {"tolerance", optional_number(c.tolerance)}};
  j["within"] = c.within ? json(*c.within) : json(nullptr);
  return j;
}

Comparison comparison_from(const json& j) {
  Comparison c;
  c.metric = j.value("metric", "");
  c.predicted = number_from(j.value("predicted", json()));
  c.measured = number_from(j.value("measured", json()));
  c.unit = j.value("unit", "");
  c.deviation = number_from(j.value("deviation", json()));
  c.tolerance = optional_from(j, "tolerance");
  if (j.contains("within") && j["within"].is_boolean()) c.within = j["within"].get<bool>();
  return c;
}

std::optional<Status> status_from(std::string_view name) {
  for (Status s : {Status::ok, Status::skipped, Status::failed}) {
    if (status_name(s) == name) return s;
  }
  return std::nullopt;
}

}  // namespace

json counters_json(const facts::Counters& counters) {
  json j = json::object();
  for (const auto& [key, value] : counters.values) j[key] = value;
  return j;
}

facts::Counters counters_from(const json& j) {
  facts::Counters counters;
  if (!j.is_object()) return counters;
  for (const auto& [key, value] : j.items()) {
    if (value.is_number_unsigned()) counters.values.emplace(key, value.get<uint64_t>());
  }
  return counters;
}

json measurement_json(const Measurement& m) {
  json j = {{"name", m.name},
            {"value", number(m.value)},
            {"unit", m.unit},
            {"source", m.source},
            {"counter", m.counter}};
  if (!m.labels.empty()) j["labels"] = m.labels;
  return j;
}

Measurement measurement_from(const json& j) {
  Measurement m;
  m.name = j.value("name", "");
  m.value = number_from(j.value("value", json()));
  m.unit = j.value("unit", "");
  m.source = j.value("source", "measured");
  m.counter = j.value("counter", "");
  if (j.contains("labels") && j["labels"].is_object()) {
    m.labels = j["labels"].get<std::map<std::string, std::string>>();
  }
  return m;
}

json phase_json(const Phase& phase) {
  return {{"name", phase.name},
          {"start_s", phase.start_s},
          {"end_s", phase.end_s},
          {"vmstat_delta", counters_json(phase.vmstat_delta)},
          {"rusage_delta", rusage_json(phase.rusage_delta)},
          {"process_before", counters_json(phase.process_before)},
          {"process_after", counters_json(phase.process_after)}};
}

Phase phase_from(const json& j) {
  Phase phase;
  phase.name = j.value("name", "");
  phase.start_s = j.value("start_s", 0.0);
  phase.end_s = j.value("end_s", 0.0);
  phase.vmstat_delta = counters_from(j.value("vmstat_delta", json::object()));
  phase.rusage_delta = rusage_from(j.value("rusage_delta", json::object()));
  phase.process_before = counters_from(j.value("process_before", json::object()));
  phase.process_after = counters_from(j.value("process_after", json::object()));
  return phase;
}

json series_json(const Series& series) {
  json columns = json::object();
  for (const auto& [name, values] : series.columns) {
    auto unit = series.units.find(name);
    json list = json::array();
    for (double v : values) list.push_back(number(v));
    columns[name] = {{"unit", unit == series.units.end() ? "" : unit->second}, {"values", list}};
  }
  return {{"t_s", series.t_s}, {"columns", columns}};
}

Series series_from(const std::string& name, const json& j) {
  Series series;
  series.name = name;
  if (j.contains("t_s") && j["t_s"].is_array()) {
    for (const json& t : j["t_s"]) series.t_s.push_back(number_from(t));
  }
  if (j.contains("columns") && j["columns"].is_object()) {
    for (const auto& [column, body] : j["columns"].items()) {
      std::vector<double> values;
      if (body.contains("values") && body["values"].is_array()) {
        for (const json& v : body["values"]) values.push_back(number_from(v));
      }
      series.columns[column] = std::move(values);
      series.units[column] = body.value("unit", "");
    }
  }
  return series;
}

json expectation_json(const Expectation& e) {
  return {{"metric", e.metric},
          {"name", e.prediction.name},
          {"value", number(e.prediction.value)},
          {"unit", e.prediction.unit},
          {"tolerance", optional_number(e.tolerance)},
          {"low", optional_number(e.low)},
          {"high", optional_number(e.high)},
          {"why",
           {{"rule", e.prediction.why.rule},
            {"kernel_function", e.prediction.why.kernel_function},
            {"text", e.prediction.why.text}}}};
}

Expectation expectation_from(const json& j) {
  Expectation e;
  e.metric = j.value("metric", "");
  e.prediction.name = j.value("name", "");
  e.prediction.value = number_from(j.value("value", json()));
  e.prediction.unit = j.value("unit", "");
  e.tolerance = optional_from(j, "tolerance");
  e.low = optional_from(j, "low");
  e.high = optional_from(j, "high");
  json why = j.value("why", json::object());
  e.prediction.why.rule = why.value("rule", "");
  e.prediction.why.kernel_function = why.value("kernel_function", "");
  e.prediction.why.text = why.value("text", "");
  return e;
}

namespace {

std::string text_from(const json& j, const char* key) {
  return j.contains(key) && j[key].is_string() ? j[key].get<std::string>() : std::string();
}

json verdict_json(const Result& result) {
  json verdict = {{"status", status_name(result.verdict.status)},
                  {"reason", result.verdict.reason},
                  {"interrupted", result.verdict.interrupted}};
  if (const std::optional<GovernorStop>& stop = result.governor_stop) {
    verdict["governor"] = {{"tripwire", stop->tripwire},
                           {"value", number(stop->value)},
                           {"limit", number(stop->limit)},
                           {"unit", stop->unit},
                           {"what", stop->what},
                           {"at_s", number(stop->at_s)},
                           {"ended_s", number(stop->ended_s)},
                           {"value_at_end", optional_number(stop->value_at_end)}};
  }
  for (const MovedSettingRecord& moved : result.moved_settings) {
    verdict["moved_settings"].push_back(
        {{"path", moved.path}, {"wrote", moved.wrote}, {"now", moved.now}});
  }
  return verdict;
}

// The governor's stop and the moved settings of a verdict read back; what is not there stays
// empty.
void verdict_causes_from(const json& verdict, Result& result) {
  if (verdict.contains("governor") && verdict["governor"].is_object()) {
    const json& g = verdict["governor"];
    result.governor_stop = GovernorStop{text_from(g, "tripwire"),
                                        number_from(g.value("value", json())),
                                        number_from(g.value("limit", json())),
                                        text_from(g, "unit"),
                                        text_from(g, "what"),
                                        number_from(g.value("at_s", json())),
                                        number_from(g.value("ended_s", json())),
                                        optional_from(g, "value_at_end")};
  }
  if (verdict.contains("moved_settings") && verdict["moved_settings"].is_array()) {
    for (const json& moved : verdict["moved_settings"]) {
      if (!moved.is_object()) continue;
      result.moved_settings.push_back(
          {text_from(moved, "path"), text_from(moved, "wrote"), text_from(moved, "now")});
    }
  }
}

}  // namespace

std::string_view status_name(Status status) {
  switch (status) {
    case Status::ok:
      return "ok";
    case Status::skipped:
      return "skipped";
    case Status::failed:
      return "failed";
  }
  return "failed";
}

const Measurement* Result::find(std::string_view name) const {
  for (const Measurement& m : measurements) {
    if (m.name == name) return &m;
  }
  return nullptr;
}

const Expectation* Result::prediction_for(std::string_view metric) const {
  for (const Expectation& e : predictions) {
    if (e.metric == metric) return &e;
  }
  return nullptr;
}

const Series* Result::find_series(std::string_view name) const {
  for (const Series& s : series) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

std::vector<Comparison> compare(const std::vector<Expectation>& predictions,
                                const std::vector<Measurement>& measurements) {
  std::vector<Comparison> comparisons;
  for (const Expectation& e : predictions) {
    if (e.metric.empty()) continue;
    auto m = std::find_if(measurements.begin(), measurements.end(),
                          [&](const Measurement& x) { return x.name == e.metric; });
    if (m == measurements.end()) continue;
    Comparison c;
    c.metric = e.metric;
    c.predicted = e.prediction.value;
    c.measured = m->value;
    c.unit = e.prediction.unit;
    c.deviation = c.predicted != 0 ? (c.measured - c.predicted) / c.predicted : 0;
    c.tolerance = e.tolerance;
    if (e.low && e.high) {
      c.within = c.measured >= *e.low && c.measured <= *e.high;
    } else if (e.tolerance) {
      c.within = std::abs(c.measured - c.predicted) <= *e.tolerance * std::abs(c.predicted);
    }
    comparisons.push_back(std::move(c));
  }
  return comparisons;
}

std::string to_json(const Result& result, int indent) {
  json j;
  j["schema"] = kResultSchema;
  j["workload"] = result.workload;
  j["started_at"] = result.started_at;
  j["wall_s"] = result.wall_s;
  j["host"] = facts::host_facts_to_json(result.host);
  json parameters = json::object();
  for (const ParamRecord& p : result.parameters) {
    json value = p.numbers.size() == 1 ? json(p.numbers[0]) : json(p.numbers);
    if (p.numbers.empty()) value = p.text;
    parameters[p.name] = {
        {"text", p.text}, {"value", value}, {"unit", p.unit}, {"default", p.defaulted}};
  }
  j["parameters"] = parameters;
  json limits = {{"footprint_bytes", result.limits.footprint_bytes},
                 {"size_cap_bytes", result.limits.size_cap_bytes},
                 {"forced", result.limits.forced},
                 {"time_limit_s", result.limits.time_limit_s},
                 {"cgroup", result.limits.cgroup}};
  limits["memory_limit_bytes"] =
      result.limits.memory_limit_bytes ? json(*result.limits.memory_limit_bytes) : json(nullptr);
  limits["governor"] = json::object();
  for (const auto& [name, limit] : result.limits.governor) limits["governor"][name] = number(limit);
  j["limits"] = limits;
  j["predictions"] = json::array();
  for (const Expectation& e : result.predictions) j["predictions"].push_back(expectation_json(e));
  j["measurements"] = json::array();
  for (const Measurement& m : result.measurements) j["measurements"].push_back(measurement_json(m));
  j["comparisons"] = json::array();
  for (const Comparison& c : result.comparisons) j["comparisons"].push_back(comparison_json(c));
  j["phases"] = json::array();
  for (const Phase& p : result.phases) j["phases"].push_back(phase_json(p));
  j["series"] = json::object();
  for (const Series& s : result.series) j["series"][s.name] = series_json(s);
  j["verdict"] = verdict_json(result);
  j["explanation"] = result.explanation;
  j["notes"] = result.notes;
  return j.dump(indent);
}

namespace {

Result result_from_document(const json& j) {
  Result result;
  result.workload = j.value("workload", "");
  result.started_at = j.value("started_at", "");
  result.wall_s = j.value("wall_s", 0.0);
  if (j.contains("host")) result.host = facts::host_facts_from_json(j["host"]);
  if (j.contains("parameters") && j["parameters"].is_object()) {
    for (const auto& [name, p] : j["parameters"].items()) {
      ParamRecord record{
          name, p.value("text", ""), p.value("unit", ""), {}, p.value("default", true)};
      const json& value = p.value("value", json());
      if (value.is_number()) record.numbers.push_back(value.get<double>());
      if (value.is_array()) {
        for (const json& v : value) record.numbers.push_back(number_from(v));
      }
      result.parameters.push_back(std::move(record));
    }
  }
  json limits = j.value("limits", json::object());
  result.limits.footprint_bytes = limits.value("footprint_bytes", uint64_t{0});
  result.limits.size_cap_bytes = limits.value("size_cap_bytes", uint64_t{0});
  result.limits.forced = limits.value("forced", false);
  result.limits.time_limit_s = limits.value("time_limit_s", 0.0);
  result.limits.cgroup = limits.value("cgroup", "");
  if (limits.contains("governor") && limits["governor"].is_object()) {
    for (const auto& [name, limit] : limits["governor"].items())
      result.limits.governor[name] = number_from(limit);
  }
  if (limits.contains("memory_limit_bytes") && limits["memory_limit_bytes"].is_number_unsigned()) {
    result.limits.memory_limit_bytes = limits["memory_limit_bytes"].get<uint64_t>();
  }
  for (const json& e : j.value("predictions", json::array()))
    result.predictions.push_back(expectation_from(e));
  for (const json& m : j.value("measurements", json::array()))
    result.measurements.push_back(measurement_from(m));
  for (const json& c : j.value("comparisons", json::array()))
    result.comparisons.push_back(comparison_from(c));
  for (const json& p : j.value("phases", json::array())) result.phases.push_back(phase_from(p));
  const json series = j.value("series", json::object());
  for (const auto& [name, s] : series.items()) {
    result.series.push_back(series_from(name, s));
  }
  json verdict = j.value("verdict", json::object());
  auto status = status_from(verdict.value("status", ""));
  if (!status)
    fail(ErrorKind::bad_input, "result: verdict status \"{}\" is not ok, skipped or failed",
         verdict.value("status", ""));
  result.verdict = {*status, verdict.value("reason", ""), verdict.value("interrupted", false)};
  verdict_causes_from(verdict, result);
  result.explanation = j.value("explanation", std::vector<std::string>{});
  result.notes = j.value("notes", std::vector<std::string>{});
  return result;
}

}  // namespace

Result result_from_json(std::string_view text) {
  json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorKind::bad_input, "not a JSON result document");
  const std::string schema = facts::schema_of(j);
  if (schema != kResultSchema) {
    fail(ErrorKind::bad_input, "result schema \"{}\" is not {} (the one this build reads)", schema,
         kResultSchema);
  }
  try {
    return result_from_document(j);
  } catch (const json::exception& e) {
    // A field of the wrong type ("workload": 1): nlohmann says "[json.exception.type_error.302]
    // type must be string, but is number".
    std::string what = e.what();
    if (size_t bracket = what.find("] "); bracket != std::string::npos)
      what = what.substr(bracket + 2);
    fail(ErrorKind::bad_input, "result: {}", what);
  }
}

}  // namespace mmtune::workloads
