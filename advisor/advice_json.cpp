#include "advisor/advice_json.hpp"

#include "advisor/sources.hpp"
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

json recommendation_json(const Recommendation& r) {
  json numbers = json::array(), evidence = json::array(), sources = json::array();
  for (const model::Prediction& p : r.numbers) numbers.push_back(model::to_json(p));
  for (const EvidenceItem& e : r.evidence) evidence.push_back(evidence_json(e));
  for (const std::string& id : r.sources) sources.push_back(source_json(id));
  return {{"knob", r.knob},
          {"current", or_null(r.current)},
          {"recommended", r.recommended},
          {"action", r.change ? "set" : "keep"},
          {"confidence", to_string(r.confidence)},
          {"summary", r.summary},
          {"rationale", r.rationale},
          {"numbers", numbers},
          {"evidence", evidence},
          {"evidence_missing", or_null(r.evidence_missing)},
          {"sources", sources}};
}

json host_json(const HostSummary& h) {
  return {{"kernel", h.kernel},
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
  return {{"schema", kAdviceSchema},
          {"profile",
           {{"name", advice.profile},
            {"file", advice.profile_file},
            {"summary", advice.profile_summary}}},
          {"host", host_json(advice.host)},
          {"scenario", or_null(advice.scenario)},
          {"runs", runs},
          {"recommendations", recommendations},
          {"notes", advice.notes}};
}

}  // namespace mmtune::advisor
