// The fleet as one report::ReportDocument, rendered as HTML (with the heat table and the metrics'
// histograms as SVG) and as Markdown (tables only); and as JSON for machines.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <nlohmann/json.hpp>

#include "facts/units.hpp"
#include "fleet/fleet.hpp"
#include "fleet/svg.hpp"
#include "report/document.hpp"
#include "report/html.hpp"
#include "report/markdown.hpp"

namespace mmtune::fleet {
namespace {

// Rows beyond these go to the JSON only: a page of 10,000 hosts must stay readable.
constexpr size_t kGroupRows = 40, kHeatColumns = 20, kRows = 50, kPlots = 8, kExamples = 5;

std::string more(size_t shown, size_t total, std::string_view what) {
  return total > shown
             ? fmt::format("{} more {} in `mmtune fleet --format json`.", total - shown, what)
             : std::string();
}

std::string host_names(const Fleet& fleet, const std::vector<size_t>& hosts) {
  std::vector<std::string> names;
  for (size_t i = 0; i < hosts.size() && i < kExamples; ++i)
    names.push_back(fleet.hosts[hosts[i]].name());
  std::string text = fmt::format("{}", fmt::join(names, ", "));
  if (hosts.size() > kExamples) text += fmt::format(" and {} more", hosts.size() - kExamples);
  return text;
}

report::ReportSection groups_section(const FleetAnalysis& a) {
  report::ReportTable table{"Hosts of the same kernel, memory size, NUMA shape and profile",
                            {"group", "kernel", "memory", "NUMA nodes", "profile", "hosts", "e.g."},
                            {}};
  for (size_t g = 0; g < a.groups.size() && g < kGroupRows; ++g) {
    const Group& group = a.groups[g];
    table.rows.push_back({fmt::format("G{}", g + 1), group.kernel,
                          fmt::format("{} GiB", group.mem_gib), std::to_string(group.numa_nodes),
                          group.profile, std::to_string(group.hosts.size()),
                          host_names(*a.fleet, group.hosts)});
  }
  report::ReportSection s{2, "Groups", {std::move(table)}};
  if (std::string m = more(kGroupRows, a.groups.size(), "groups"); !m.empty())
    s.blocks.push_back(report::ReportParagraph{m});
  return s;
}

report::ReportSection heat_section(const FleetAnalysis& a, bool drawing) {
  report::ReportSection s{2, "Knobs against the advice", {}};
  s.blocks.push_back(report::ReportParagraph{
      "Per knob and group, the share of the hosts the advice covers that it tells to change "
      "(they deviate from the advice); grey: no advice for that knob in that group."});
  if (drawing && !a.heat.empty()) {
    s.blocks.push_back(
        report::ReportFigure{fmt::format("Deviation from the advice, groups G1–G{} (largest first)",
                                         std::min(kHeatColumns, a.groups.size())),
                             svg_heat_table(a, kHeatColumns)});
  }
  report::ReportTable table{
      "Hosts told to change each knob, and the most common change",
      {"knob", "hosts deviating", "hosts advised", "most common change (group)"},
      {}};
  for (const HeatRow& row : a.heat) {
    size_t advised = 0, best = 0;
    for (size_t g = 0; g < row.cells.size(); ++g) {
      advised += row.cells[g].advised;
      if (row.cells[g].deviating > row.cells[best].deviating) best = g;
    }
    table.rows.push_back({row.knob, std::to_string(row.deviating), std::to_string(advised),
                          row.deviating == 0
                              ? std::string("-")
                              : fmt::format("{} (G{})", row.cells[best].typical, best + 1)});
  }
  s.blocks.push_back(std::move(table));
  return s;
}

report::ReportSection findings_section(const FleetAnalysis& a) {
  report::ReportTable table{
      "Each finding by its stable id (a recommendation to change counts as one)",
      {"id", "hosts", "groups", "e.g."},
      {}};
  for (size_t i = 0; i < a.findings.size() && i < kRows; ++i) {
    const FindingRow& f = a.findings[i];
    table.rows.push_back({f.id, std::to_string(f.hosts), std::to_string(f.groups),
                          fmt::format("{}", fmt::join(f.examples, ", "))});
  }
  report::ReportSection s{2, "Findings across hosts", {std::move(table)}};
  if (a.findings.empty())
    s.blocks = {report::ReportParagraph{"No advice found anything to change."}};
  return s;
}

std::string outlier_text(const FleetAnalysis& a, const MetricRow& m) {
  std::vector<std::string> items;
  for (size_t i = 0; i < m.outliers.size() && i < 3; ++i) {
    items.push_back(fmt::format("{} {} (z {:.1f})", a.fleet->hosts[m.outliers[i].host].name(),
                                facts::format_value(m.outliers[i].value, m.unit), m.outliers[i].z));
  }
  if (m.outliers.size() > 3) items.push_back(fmt::format("{} more", m.outliers.size() - 3));
  return items.empty() ? "-" : fmt::format("{}", fmt::join(items, "; "));
}

report::ReportSection metrics_section(const FleetAnalysis& a, bool drawing) {
  report::ReportSection s{2, "Measurements across hosts", {}};
  s.blocks.push_back(report::ReportParagraph{
      "Measured on each host (not the model's predictions). Outliers: modified z-score "
      "0.6745 × (value − median) / MAD beyond ±3.5 (Iglewicz and Hoaglin); robust to the "
      "outliers themselves, unlike mean and standard deviation."});
  report::ReportTable table{"", {"metric", "hosts", "median", "MAD", "min", "max", "outliers"}, {}};
  for (size_t i = 0; i < a.metrics.size() && i < kRows; ++i) {
    const MetricRow& m = a.metrics[i];
    table.rows.push_back({m.name, std::to_string(m.hosts), facts::format_value(m.median, m.unit),
                          facts::format_value(m.mad, m.unit), facts::format_value(m.min, m.unit),
                          facts::format_value(m.max, m.unit),
                          fmt::format("{}: {}", m.outliers.size(), outlier_text(a, m))});
  }
  s.blocks.push_back(std::move(table));
  if (std::string m = more(kRows, a.metrics.size(), "metrics"); !m.empty())
    s.blocks.push_back(report::ReportParagraph{m});
  for (size_t i = 0; drawing && i < a.metrics.size() && i < kPlots; ++i) {
    const MetricRow& m = a.metrics[i];
    if (m.outliers.empty()) break;
    s.blocks.push_back(report::ReportFigure{
        fmt::format("{} across {} hosts ({}): median dashed green, outliers red", m.name, m.hosts,
                    m.unit),
        svg_metric_histogram(a, m)});
  }
  return s;
}

report::ReportSection checks_section(const FleetAnalysis& a) {
  report::ReportSection s{2, "Checks", {}};
  size_t regressed = 0, failed = 0;
  for (const CheckRow& c : a.checks) {
    regressed += c.regressed > 0;
    failed += c.regressed == 0 && c.failed > 0;
  }
  s.blocks.push_back(report::ReportParagraph{
      fmt::format("{} hosts ran `mmtune check`: {} with regressions, {} more with other failures.",
                  a.checks.size(), regressed, failed),
      regressed + failed > 0 ? report::Tone::bad : report::Tone::good});
  report::ReportTable table{
      "Regressions first", {"host", "regressed", "failed", "passed", "skipped", "tests"}, {}};
  for (size_t i = 0; i < a.checks.size() && i < kRows; ++i) {
    const CheckRow& c = a.checks[i];
    std::vector<std::string> names = c.regressions;
    names.insert(names.end(), c.failures.begin(), c.failures.end());
    table.rows.push_back({a.fleet->hosts[c.host].name(), std::to_string(c.regressed),
                          std::to_string(c.failed), std::to_string(c.passed),
                          std::to_string(c.skipped), fmt::format("{}", fmt::join(names, ", "))});
  }
  if (!a.checks.empty()) s.blocks.push_back(std::move(table));
  if (std::string m = more(kRows, a.checks.size(), "checked hosts"); !m.empty())
    s.blocks.push_back(report::ReportParagraph{m});
  return s;
}

report::ReportSection drift_section(const FleetAnalysis& a) {
  report::ReportTable table{"Within a group, settings not the same on every host",
                            {"group", "knob", "most hosts", "the others"},
                            {}};
  for (size_t i = 0; i < a.drift.size() && i < kRows; ++i) {
    const DriftRow& d = a.drift[i];
    std::vector<std::string> others;
    for (const auto& [value, hosts] : d.others)
      others.push_back(
          fmt::format("{} on {} ({})", value, hosts.size(), host_names(*a.fleet, hosts)));
    table.rows.push_back({fmt::format("G{}", d.group + 1), d.knob,
                          fmt::format("{} on {}", d.majority, d.majority_hosts),
                          fmt::format("{}", fmt::join(others, "; "))});
  }
  report::ReportSection s{2, "Drift within groups", {std::move(table)}};
  if (a.drift.empty())
    s.blocks = {
        report::ReportParagraph{"Every group's hosts have the same settings.", report::Tone::good}};
  if (std::string m = more(kRows, a.drift.size(), "drifted settings"); !m.empty())
    s.blocks.push_back(report::ReportParagraph{m});
  return s;
}

report::ReportDocument fleet_document(const FleetAnalysis& a, bool drawing) {
  const Fleet& fleet = *a.fleet;
  report::ReportDocument doc;
  doc.title = "mmtune fleet";
  doc.summary = fmt::format("{} hosts from {} documents, in {} groups", fleet.hosts.size(),
                            fleet.documents, a.groups.size());
  doc.sections = {groups_section(a),           heat_section(a, drawing), findings_section(a),
                  metrics_section(a, drawing), checks_section(a),        drift_section(a)};
  if (!fleet.skipped.empty()) {
    report::ReportList list{"Files not read:", {}};
    for (const auto& [why, files] : fleet.skipped)
      list.items.push_back(fmt::format(
          "{} file(s), {}: {}{}", files.size(), why,
          fmt::join(files.begin(), files.begin() + std::min<size_t>(3, files.size()), ", "),
          files.size() > 3 ? ", …" : ""));
    doc.sections.push_back({2, "Notes", {std::move(list)}});
  }
  return doc;
}

}  // namespace

std::string render_fleet_html(const FleetAnalysis& analysis) {
  return report::render_report_html(fleet_document(analysis, true));
}

std::string render_fleet_markdown(const FleetAnalysis& analysis) {
  return report::render_report_markdown(fleet_document(analysis, false));
}

}  // namespace mmtune::fleet
