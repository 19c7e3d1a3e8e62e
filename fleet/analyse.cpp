#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <tuple>

#include "compare/stats.hpp"
#include "fleet/fleet.hpp"

namespace mmtune::fleet {
namespace {

// MemTotal is a little under the installed size (the kernel's reservations); to the nearest GiB
// puts hosts with the same DIMMs together.
uint64_t mem_gib(uint64_t bytes) {
  constexpr double kGiB = 1024.0 * 1024 * 1024;
  return uint64_t(std::llround(double(bytes) / kGiB));
}

std::vector<Group> group_hosts(const Fleet& fleet) {
  std::map<std::tuple<std::string, uint64_t, int, std::string>, size_t> index;
  std::vector<Group> groups;
  for (size_t h = 0; h < fleet.hosts.size(); ++h) {
    const facts::HostIdentity& id = fleet.hosts[h].identity;
    const std::string profile = id.profile.value_or("-");
    auto [it, added] = index.try_emplace(
        std::tuple(id.kernel, mem_gib(id.mem_total_bytes), id.numa_nodes, profile), groups.size());
    if (added)
      groups.push_back({id.kernel, profile, mem_gib(id.mem_total_bytes), id.numa_nodes, {}});
    groups[it->second].hosts.push_back(h);
  }
  std::stable_sort(groups.begin(), groups.end(),
                   [](const Group& a, const Group& b) { return a.hosts.size() > b.hosts.size(); });
  return groups;
}

std::vector<HeatRow> heat_rows(const Fleet& fleet, const std::vector<Group>& groups) {
  std::map<std::string, HeatRow> rows;
  std::map<std::pair<std::string, size_t>, std::map<std::string, size_t>> pairs;
  for (size_t g = 0; g < groups.size(); ++g) {
    for (size_t h : groups[g].hosts) {
      for (const Recommendation& r : fleet.hosts[h].recommendations) {
        HeatRow& row = rows[r.knob];
        if (row.cells.empty()) {
          row.knob = r.knob;
          row.cells.resize(groups.size());
        }
        ++row.cells[g].advised;
        if (!r.change) continue;
        ++row.cells[g].deviating;
        ++row.deviating;
        ++pairs[{r.knob, g}][r.current + " → " + r.recommended];
      }
    }
  }
  for (const auto& [where, counts] : pairs) {
    const auto top =
        std::max_element(counts.begin(), counts.end(),
                         [](const auto& a, const auto& b) { return a.second < b.second; });
    rows[where.first].cells[where.second].typical =
        fmt::format("{} ({} hosts)", top->first, top->second);
  }
  std::vector<HeatRow> out;
  for (auto& [knob, row] : rows) out.push_back(std::move(row));
  std::stable_sort(out.begin(), out.end(),
                   [](const HeatRow& a, const HeatRow& b) { return a.deviating > b.deviating; });
  return out;
}

std::vector<FindingRow> finding_rows(const Fleet& fleet, const std::vector<Group>& groups) {
  std::vector<size_t> group_of(fleet.hosts.size());
  for (size_t g = 0; g < groups.size(); ++g)
    for (size_t h : groups[g].hosts) group_of[h] = g;
  std::map<std::string, std::pair<FindingRow, std::vector<bool>>> rows;
  for (size_t h = 0; h < fleet.hosts.size(); ++h) {
    for (const std::string& id : fleet.hosts[h].findings) {
      auto& [row, seen] = rows[id];
      if (seen.empty()) {
        row.id = id;
        seen.resize(groups.size());
      }
      ++row.hosts;
      if (!seen[group_of[h]]) ++row.groups;
      seen[group_of[h]] = true;
      constexpr size_t kExamples = 5;
      if (row.examples.size() < kExamples) row.examples.push_back(fleet.hosts[h].name());
    }
  }
  std::vector<FindingRow> out;
  for (auto& [id, entry] : rows) out.push_back(std::move(entry.first));
  std::stable_sort(out.begin(), out.end(),
                   [](const FindingRow& a, const FindingRow& b) { return a.hosts > b.hosts; });
  return out;
}

// Iglewicz and Hoaglin's modified z-score; 3.5 is their threshold for a potential outlier.
constexpr double kOutlierZ = 3.5;

MetricRow metric_row(std::string name, std::string unit, std::vector<double> values,
                     const std::vector<size_t>& hosts) {
  MetricRow row;
  row.name = std::move(name);
  row.unit = std::move(unit);
  row.hosts = values.size();
  row.median = compare::median(values);
  std::vector<double> deviations(values.size());
  double mean_deviation = 0;
  for (size_t i = 0; i < values.size(); ++i) {
    deviations[i] = std::abs(values[i] - row.median);
    mean_deviation += deviations[i] / double(values.size());
  }
  row.mad = compare::median(deviations);
  const double scale = row.mad > 0 ? row.mad / 0.6745 : mean_deviation * 1.253314;
  for (size_t i = 0; i < values.size() && scale > 0; ++i) {
    const double z = (values[i] - row.median) / scale;
    if (std::abs(z) > kOutlierZ) row.outliers.push_back({hosts[i], values[i], z});
  }
  std::sort(row.outliers.begin(), row.outliers.end(),
            [](const auto& a, const auto& b) { return std::abs(a.z) > std::abs(b.z); });
  const auto [low, high] = std::minmax_element(values.begin(), values.end());
  row.min = *low;
  row.max = *high;
  row.values = std::move(values);
  return row;
}

std::vector<MetricRow> metric_rows(const Fleet& fleet) {
  struct Column {
    std::string unit;
    std::vector<double> values;
    std::vector<size_t> hosts;
  };
  std::map<std::string, Column, std::less<>> columns;
  for (size_t h = 0; h < fleet.hosts.size(); ++h) {
    for (const Metric& m : fleet.hosts[h].metrics) {
      if (!std::isfinite(m.value)) continue;
      Column& column = columns[m.name];
      if (column.values.empty()) column.unit = m.unit;
      column.values.push_back(m.value);
      column.hosts.push_back(h);
    }
  }
  std::vector<MetricRow> out;
  for (auto& [name, column] : columns)
    out.push_back(metric_row(name, column.unit, std::move(column.values), column.hosts));
  std::stable_sort(out.begin(), out.end(), [](const MetricRow& a, const MetricRow& b) {
    return a.outliers.size() > b.outliers.size();
  });
  return out;
}

std::vector<CheckRow> check_rows(const Fleet& fleet) {
  std::vector<CheckRow> out;
  for (size_t h = 0; h < fleet.hosts.size(); ++h) {
    if (fleet.hosts[h].checks.empty()) continue;
    CheckRow row;
    row.host = h;
    for (const CheckTest& t : fleet.hosts[h].checks) {
      if (t.verdict == "regressed") {
        ++row.regressed;
        row.regressions.push_back(t.name);
      } else if (t.status == "fail") {
        ++row.failed;
        row.failures.push_back(t.name);
      } else if (t.status == "skip") {
        ++row.skipped;
      } else {
        ++row.passed;
      }
    }
    out.push_back(std::move(row));
  }
  std::stable_sort(out.begin(), out.end(), [](const CheckRow& a, const CheckRow& b) {
    return std::tie(a.regressed, a.failed) > std::tie(b.regressed, b.failed);
  });
  return out;
}

std::vector<DriftRow> drift_rows(const Fleet& fleet, const std::vector<Group>& groups) {
  std::vector<DriftRow> out;
  for (size_t g = 0; g < groups.size(); ++g) {
    std::map<std::string_view, std::map<std::string_view, std::vector<size_t>>> values;
    for (size_t h : groups[g].hosts)
      for (const auto& [knob, value] : fleet.hosts[h].settings) values[knob][value].push_back(h);
    for (auto& [knob, by_value] : values) {
      if (by_value.size() < 2) continue;
      const auto top = std::max_element(
          by_value.begin(), by_value.end(),
          [](const auto& a, const auto& b) { return a.second.size() < b.second.size(); });
      DriftRow row{g, std::string(knob), std::string(top->first), top->second.size(), {}};
      for (auto& [value, hosts] : by_value)
        if (value != top->first) row.others.emplace(std::string(value), std::move(hosts));
      out.push_back(std::move(row));
    }
  }
  std::stable_sort(out.begin(), out.end(),
                   [](const DriftRow& a, const DriftRow& b) { return a.drifted() > b.drifted(); });
  return out;
}

}  // namespace

std::string Group::label() const {
  return fmt::format("{} · {} GiB · {} node{} · {}", kernel, mem_gib, numa_nodes,
                     numa_nodes == 1 ? "" : "s", profile);
}

size_t DriftRow::drifted() const {
  size_t n = 0;
  for (const auto& [value, hosts] : others) n += hosts.size();
  return n;
}

FleetAnalysis analyse(const Fleet& fleet) {
  FleetAnalysis a;
  a.fleet = &fleet;
  a.groups = group_hosts(fleet);
  a.heat = heat_rows(fleet, a.groups);
  a.findings = finding_rows(fleet, a.groups);
  a.metrics = metric_rows(fleet);
  a.checks = check_rows(fleet);
  a.drift = drift_rows(fleet, a.groups);
  return a;
}

}  // namespace mmtune::fleet
