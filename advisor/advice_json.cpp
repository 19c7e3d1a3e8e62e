#include "advisor/advice_json.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdio>

#include "advisor/sources.hpp"
#include "facts/error.hpp"
#include "model/json.hpp"

namespace mmtune::advisor {
namespace {

using nlohmann::json;

template <typename T>
json or_null(const std::optional<T>& value) {
  return value ? json(*value) : json(nullptr);
}

json evidence_json(const EvidenceItem& e) {
  return {{"run", e.run},     {"workload", e.workload}, {"measurement", e.measurement},
          {"value", e.value}, {"unit", e.unit},         {"counter", e.counter}};
}

json source_json(const std::string& id) {
  auto source = find_source(id);
  if (!source) return {{"id", id}, {"kind", nullptr}, {"title", nullptr}, {"where", nullptr}};
  return {{"id", id},
          {"kind", source_kind_name(source->kind)},
          {"title", source->title},
          {"where", source->where},
          {"primary", source->primary}};
}

json signal_json(const Signal& s) {
  return {{"name", s.name},
          {"value", s.value},
          {"unit", s.unit},
          {"normalisation", s.normalisation},
          {"comparison", s.comparison},
          {"threshold", s.threshold},
          {"threshold_source", s.threshold_source},
          {"met", s.met}};
}

json signals_json(const std::vector<Signal>& signals) {
  json out = json::array();
  for (const Signal& s : signals) out.push_back(signal_json(s));
  return out;
}

json persisted_json(const std::optional<facts::PersistedSetting>& p) {
  if (!p) return nullptr;
  return {{"value", p->value}, {"file", p->file}, {"line", p->line}, {"stage", p->stage}};
}

json finding_json(const Finding& f) {
  json evidence = json::array(), sources = json::array();
  for (const EvidenceItem& e : f.evidence) evidence.push_back(evidence_json(e));
  for (const std::string& id : f.sources) sources.push_back(source_json(id));
  return {{"id", f.id},           {"severity", to_string(f.severity)},
          {"subject", f.subject}, {"summary", f.summary},
          {"details", f.details}, {"signals", signals_json(f.signals)},
          {"evidence", evidence}, {"lever", f.lever},
          {"sources", sources}};
}

json persist_json(const PersistPlan& p) {
  return {{"tuned_profiles", p.tuned_profiles},
          {"tuned_enabled", p.tuned_enabled},
          {"cmdline_thp", or_null(p.cmdline_thp)},
          {"sysctl_file", p.sysctl_file},
          {"files", p.files}};
}

json recommendation_json(const Recommendation& r) {
  json numbers = json::array(), evidence = json::array(), sources = json::array();
  for (const model::Prediction& p : r.numbers) numbers.push_back(model::to_json(p));
  for (const EvidenceItem& e : r.evidence) evidence.push_back(evidence_json(e));
  for (const std::string& id : r.sources) sources.push_back(source_json(id));
  return {{"id", r.id},
          {"knob", r.knob},
          {"current", or_null(r.current)},
          {"recommended", r.recommended},
          {"action", r.change ? "set" : "keep"},
          {"confidence", to_string(r.confidence)},
          {"summary", r.summary},
          {"rationale", r.rationale},
          {"numbers", numbers},
          {"evidence", evidence},
          {"evidence_missing", or_null(r.evidence_missing)},
          {"sources", sources},
          {"signals", signals_json(r.signals)},
          {"persisted", persisted_json(r.persisted)},
          {"group", r.group}};
}

json host_json(const HostSummary& h) {
  return {{"kernel", h.kernel},
          {"kernel_version", fmt::format("{}.{}", h.kernel_version.major, h.kernel_version.minor)},
          {"cpus", h.cpus},
          {"mem_total_bytes", h.mem_total_bytes},
          {"mem_available_bytes", or_null(h.mem_available_bytes)},
          {"swap_total_bytes", h.swap_total_bytes},
          {"swap_devices", h.swap_devices},
          {"numa_nodes", h.numa_nodes},
          {"mglru", h.mglru},
          {"cgroup_version", h.cgroup_version},
          {"thp_enabled", or_null(h.thp_enabled)},
          {"thp_defrag", or_null(h.thp_defrag)}};
}

}  // namespace

json advice_to_json(const Advice& advice) {
  json runs = json::array(), recommendations = json::array();
  for (const RunRecord& run : advice.runs) {
    runs.push_back({{"step", run.step},
                    {"workload", run.workload},
                    {"status", run.status},
                    {"reason", run.reason},
                    {"wall_s", run.wall_s}});
  }
  for (const Recommendation& r : advice.recommendations)
    recommendations.push_back(recommendation_json(r));
  json findings = json::array();
  for (const Finding& f : advice.findings) findings.push_back(finding_json(f));
  return {{"schema", kAdviceSchema},
          {"profile",
           {{"name", advice.profile},
            {"file", advice.profile_file},
            {"summary", advice.profile_summary}}},
          {"host", host_json(advice.host)},
          {"scenario", or_null(advice.scenario)},
          {"runs", runs},
          {"recommendations", recommendations},
          {"findings", findings},
          {"persist", persist_json(advice.persist)},
          {"notes", advice.notes}};
}

namespace {

template <typename T>
std::optional<T> optional_from(const json& j, const char* key) {
  if (!j.contains(key) || j[key].is_null()) return std::nullopt;
  return j[key].get<T>();
}

double number_or_nan(const json& j) { return j.is_number() ? j.get<double>() : std::nan(""); }

std::vector<Signal> signals_from(const json& j) {
  std::vector<Signal> out;
  for (const json& s : j) {
    out.push_back({s.value("name", ""), number_or_nan(s.value("value", json())),
                   s.value("unit", ""), s.value("normalisation", ""), s.value("comparison", ""),
                   number_or_nan(s.value("threshold", json())), s.value("threshold_source", ""),
                   s.value("met", false)});
  }
  return out;
}

std::vector<std::string> source_ids(const json& j) {
  std::vector<std::string> out;
  for (const json& s : j) out.push_back(s.is_string() ? s.get<std::string>() : s.value("id", ""));
  return out;
}

Finding finding_from(const json& j) {
  Finding f;
  f.id = j.value("id", "");
  const std::string severity = j.value("severity", "info");
  for (Severity s : {Severity::info, Severity::warning, Severity::critical}) {
    if (to_string(s) == severity) f.severity = s;
  }
  f.subject = j.value("subject", "");
  f.summary = j.value("summary", "");
  f.details = j.value("details", std::vector<std::string>{});
  f.signals = signals_from(j.value("signals", json::array()));
  for (const json& e : j.value("evidence", json::array())) {
    f.evidence.push_back({e.value("run", ""), e.value("workload", ""), e.value("measurement", ""),
                          number_or_nan(e.value("value", json())), e.value("unit", ""),
                          e.value("counter", "")});
  }
  f.lever = j.value("lever", "");
  f.sources = source_ids(j.value("sources", json::array()));
  return f;
}

PersistPlan persist_from(const json& j) {
  PersistPlan p;
  p.tuned_profiles = j.value("tuned_profiles", std::vector<std::string>{});
  p.tuned_enabled = j.value("tuned_enabled", false);
  p.cmdline_thp = optional_from<std::string>(j, "cmdline_thp");
  p.sysctl_file = j.value("sysctl_file", std::string("99-mmtune.conf"));
  p.files = j.value("files", std::vector<std::string>{});
  return p;
}

facts::KernelVersion version_from(const std::string& text) {
  facts::KernelVersion v;
  if (std::sscanf(text.c_str(), "%d.%d", &v.major, &v.minor) != 2) return {};
  return v;
}

}  // namespace

Advice advice_from_json(const json& j) {
  if (!j.is_object() || j.value("schema", "") != kAdviceSchema)
    fail(ErrorKind::bad_input, "not a {} document", kAdviceSchema);
  try {
    Advice advice;
    const json& profile = j.at("profile");
    advice.profile = profile.value("name", "");
    advice.profile_file = profile.value("file", "");
    advice.profile_summary = profile.value("summary", "");
    const json& h = j.at("host");
    advice.host.kernel = h.value("kernel", "");
    advice.host.kernel_version = version_from(h.value("kernel_version", ""));
    advice.host.cpus = h.value("cpus", 0);
    advice.host.mem_total_bytes = h.value("mem_total_bytes", uint64_t{0});
    advice.host.mem_available_bytes = optional_from<uint64_t>(h, "mem_available_bytes");
    advice.host.swap_total_bytes = h.value("swap_total_bytes", uint64_t{0});
    advice.host.swap_devices = h.value("swap_devices", std::vector<std::string>{});
    advice.host.numa_nodes = h.value("numa_nodes", size_t{0});
    advice.host.mglru = h.value("mglru", false);
    advice.host.cgroup_version = h.value("cgroup_version", 0);
    advice.host.thp_enabled = optional_from<std::string>(h, "thp_enabled");
    advice.host.thp_defrag = optional_from<std::string>(h, "thp_defrag");
    advice.scenario = optional_from<std::string>(j, "scenario");
    for (const json& run : j.value("runs", json::array())) {
      advice.runs.push_back({run.value("step", ""), run.value("workload", ""),
                             run.value("status", ""), run.value("reason", ""),
                             run.value("wall_s", 0.0)});
    }
    for (const json& r : j.value("recommendations", json::array())) {
      Recommendation rec;
      rec.id = r.value("id", "");
      rec.knob = r.at("knob").get<std::string>();
      rec.current = optional_from<std::string>(r, "current");
      rec.recommended = r.value("recommended", "");
      rec.change = r.value("action", "keep") == "set";
      const std::string confidence = r.value("confidence", "medium");
      for (Confidence c : {Confidence::low, Confidence::medium, Confidence::high}) {
        if (to_string(c) == confidence) rec.confidence = c;
      }
      rec.summary = r.value("summary", "");
      rec.rationale = r.value("rationale", std::vector<std::string>{});
      for (const json& p : r.value("numbers", json::array())) {
        rec.numbers.push_back(
            {p.value("name", ""),
             number_or_nan(p.value("value", json())),
             p.value("unit", ""),
             {p.value("rule", ""), p.value("kernel_function", ""), p.value("text", "")}});
      }
      for (const json& e : r.value("evidence", json::array())) {
        rec.evidence.push_back({e.value("run", ""), e.value("workload", ""),
                                e.value("measurement", ""), number_or_nan(e.value("value", json())),
                                e.value("unit", ""), e.value("counter", "")});
      }
      rec.evidence_missing = optional_from<std::string>(r, "evidence_missing");
      rec.sources = source_ids(r.value("sources", json::array()));
      rec.signals = signals_from(r.value("signals", json::array()));
      if (r.contains("persisted") && r["persisted"].is_object()) {
        const json& p = r["persisted"];
        rec.persisted = facts::PersistedSetting{rec.knob, p.value("value", ""), p.value("file", ""),
                                                p.value("line", 0), p.value("stage", "")};
      }
      rec.group = r.value("group", "");
      advice.recommendations.push_back(std::move(rec));
    }
    for (const json& f : j.value("findings", json::array()))
      advice.findings.push_back(finding_from(f));
    advice.persist = persist_from(j.value("persist", json::object()));
    advice.notes = j.value("notes", std::vector<std::string>{});
    return advice;
  } catch (const json::exception& e) {
    fail(ErrorKind::bad_input, "{}: {}", kAdviceSchema, e.what());
  }
}

}  // namespace mmtune::advisor
