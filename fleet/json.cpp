// `mmtune fleet --format json`: everything the page shows, without its row limits. Schema
// "mmtune.fleet/1" (docs/fleet.md); hosts are named as on the page (hostname, else machine id).
#include <fmt/format.h>

#include <nlohmann/json.hpp>

#include "fleet/fleet.hpp"

namespace mmtune::fleet {
namespace {

using nlohmann::json;

json names(const Fleet& fleet, const std::vector<size_t>& hosts) {
  json out = json::array();
  for (size_t h : hosts) out.push_back(fleet.hosts[h].name());
  return out;
}

json heat_json(const FleetAnalysis& a) {
  json out = json::array();
  for (const HeatRow& row : a.heat) {
    json cells = json::array();
    for (size_t g = 0; g < row.cells.size(); ++g) {
      const HeatCell& c = row.cells[g];
      if (c.advised == 0) continue;
      cells.push_back({{"group", fmt::format("G{}", g + 1)},
                       {"advised", c.advised},
                       {"deviating", c.deviating},
                       {"typical", c.typical}});
    }
    out.push_back({{"knob", row.knob}, {"deviating", row.deviating}, {"groups", cells}});
  }
  return out;
}

json metrics_json(const FleetAnalysis& a) {
  json out = json::array();
  for (const MetricRow& m : a.metrics) {
    json outliers = json::array();
    for (const MetricOutlier& o : m.outliers)
      outliers.push_back({{"host", a.fleet->hosts[o.host].name()}, {"value", o.value}, {"z", o.z}});
    out.push_back({{"name", m.name},
                   {"unit", m.unit},
                   {"hosts", m.hosts},
                   {"median", m.median},
                   {"mad", m.mad},
                   {"min", m.min},
                   {"max", m.max},
                   {"outliers", outliers}});
  }
  return out;
}

json checks_json(const FleetAnalysis& a) {
  json out = json::array();
  for (const CheckRow& c : a.checks) {
    out.push_back({{"host", a.fleet->hosts[c.host].name()},
                   {"regressed", c.regressed},
                   {"failed", c.failed},
                   {"passed", c.passed},
                   {"skipped", c.skipped},
                   {"regressions", c.regressions},
                   {"failures", c.failures}});
  }
  return out;
}

json drift_json(const FleetAnalysis& a) {
  json out = json::array();
  for (const DriftRow& d : a.drift) {
    json others = json::object();
    for (const auto& [value, hosts] : d.others) others[value] = names(*a.fleet, hosts);
    out.push_back({{"group", fmt::format("G{}", d.group + 1)},
                   {"knob", d.knob},
                   {"majority", d.majority},
                   {"majority_hosts", d.majority_hosts},
                   {"others", others}});
  }
  return out;
}

}  // namespace

std::string fleet_to_json(const FleetAnalysis& a) {
  json groups = json::array();
  for (size_t g = 0; g < a.groups.size(); ++g) {
    const Group& group = a.groups[g];
    groups.push_back({{"id", fmt::format("G{}", g + 1)},
                      {"kernel", group.kernel},
                      {"mem_gib", group.mem_gib},
                      {"numa_nodes", group.numa_nodes},
                      {"profile", group.profile},
                      {"hosts", names(*a.fleet, group.hosts)}});
  }
  json findings = json::array();
  for (const FindingRow& f : a.findings)
    findings.push_back(
        {{"id", f.id}, {"hosts", f.hosts}, {"groups", f.groups}, {"examples", f.examples}});
  const json doc = {{"schema", "mmtune.fleet/1"},      {"hosts", a.fleet->hosts.size()},
                    {"documents", a.fleet->documents}, {"groups", groups},
                    {"knobs", heat_json(a)},           {"findings", findings},
                    {"metrics", metrics_json(a)},      {"checks", checks_json(a)},
                    {"drift", drift_json(a)},          {"skipped", a.fleet->skipped}};
  return doc.dump(2) + "\n";
}

}  // namespace mmtune::fleet
