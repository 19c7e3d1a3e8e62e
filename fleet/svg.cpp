#include "fleet/svg.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "report/escape.hpp"
#include "report/svg_plot.hpp"

namespace mmtune::fleet {
namespace {

using report::escape_markup;

// From white to the report's "bad" red as the deviating share grows.
std::string shade(double share) {
  const auto mix = [&](int from, int to) { return int(std::lround(from + (to - from) * share)); };
  return fmt::format("#{:02x}{:02x}{:02x}", mix(0xff, 0xc6), mix(0xff, 0x28), mix(0xff, 0x28));
}

std::string heat_cell(const HeatCell& cell, double x, double y, double w, double h) {
  if (cell.advised == 0) {
    return fmt::format("<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"#eceff1\"/>\n", x,
                       y, w, h);
  }
  const double share = double(cell.deviating) / double(cell.advised);
  return fmt::format(
      "<g data-deviating=\"{}\" data-advised=\"{}\"><title>{} of {} hosts deviate{}{}</title>"
      "<rect x=\"{}\" y=\"{}\" width=\"{}\" height=\"{}\" fill=\"{}\" stroke=\"#dde0e4\"/>"
      "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\" "
      "fill=\"{}\">{:.0f}%</text></g>\n",
      cell.deviating, cell.advised, cell.deviating, cell.advised, cell.typical.empty() ? "" : ": ",
      escape_markup(cell.typical), x, y, w, h, shade(share), x + w / 2, y + h / 2 + 4,
      share > 0.6 ? "#fff" : "#1d2125", share * 100);
}

}  // namespace

std::string svg_heat_table(const FleetAnalysis& analysis, size_t columns) {
  columns = std::min(columns, analysis.groups.size());
  constexpr double kLabel = 230, kCellW = 40, kCellH = 22, kHead = 26;
  const double width = kLabel + kCellW * double(columns) + 10;
  const double height = kHead + kCellH * double(analysis.heat.size()) + 8;
  std::string out = fmt::format(
      "<svg class=\"plot\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"hosts deviating from "
      "the advice, per knob and group\" font-family=\"inherit\">\n",
      width, height);
  for (size_t g = 0; g < columns; ++g) {
    out += fmt::format(
        "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\" "
        "font-size=\"11\"><title>{}</title>G{}</text>\n",
        kLabel + kCellW * (double(g) + 0.5), kHead - 8, escape_markup(analysis.groups[g].label()),
        g + 1);
  }
  for (size_t k = 0; k < analysis.heat.size(); ++k) {
    const HeatRow& row = analysis.heat[k];
    const double y = kHead + kCellH * double(k);
    out += fmt::format("<text x=\"{}\" y=\"{}\" text-anchor=\"end\" font-size=\"12\">{}</text>\n",
                       kLabel - 8, y + kCellH / 2 + 4, escape_markup(row.knob));
    for (size_t g = 0; g < columns; ++g)
      out += heat_cell(row.cells[g], kLabel + kCellW * double(g), y, kCellW, kCellH);
  }
  return out + "</svg>\n";
}

std::string svg_metric_histogram(const FleetAnalysis& analysis, const MetricRow& metric) {
  constexpr double kW = 760, kH = 150, kLeft = 50, kRight = 20, kTop = 12, kBottom = 34;
  constexpr size_t kBins = 60;
  const double low = metric.min, high = metric.max > metric.min ? metric.max : metric.min + 1;
  const auto px = [&](double x) {
    return kLeft + (x - low) / (high - low) * (kW - kLeft - kRight);
  };
  std::vector<size_t> bins(kBins);
  for (double v : metric.values)
    ++bins[std::min(kBins - 1, size_t((v - low) / (high - low) * double(kBins)))];
  const double tallest = double(*std::max_element(bins.begin(), bins.end()));
  std::string out = fmt::format(
      "<svg class=\"plot\" viewBox=\"0 0 {} {}\" role=\"img\" aria-label=\"{} across hosts\" "
      "data-metric=\"{}\">\n",
      kW, kH, escape_markup(metric.name), escape_markup(metric.name));
  const double plot_h = kH - kTop - kBottom, bin_w = (kW - kLeft - kRight) / double(kBins);
  for (size_t b = 0; b < kBins; ++b) {
    if (bins[b] == 0) continue;
    const double h = std::max(1.0, double(bins[b]) / tallest * plot_h);
    out += fmt::format(
        "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" "
        "fill=\"#1f77b4\"><title>{} "
        "hosts</title></rect>\n",
        kLeft + bin_w * double(b), kTop + plot_h - h, bin_w - 1, h, bins[b]);
  }
  const double axis_y = kTop + plot_h;
  out += fmt::format("<line x1=\"{}\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\"/>\n", kLeft,
                     axis_y, kW - kRight, axis_y);
  const report::AxisScale scale =
      report::axis_scale(metric.unit, std::max(std::abs(low), std::abs(high)));
  for (double t : report::nice_ticks(low, high, 6)) {
    if (t < low || t > high) continue;
    out += fmt::format(
        "<text x=\"{:.1f}\" y=\"{}\" text-anchor=\"middle\" font-size=\"11\">{:.4g} {}</text>\n",
        px(t), axis_y + 16, t / scale.divisor, escape_markup(scale.suffix));
  }
  out += fmt::format(
      "<line x1=\"{0:.1f}\" y1=\"{1}\" x2=\"{0:.1f}\" y2=\"{2}\" stroke=\"#2e7d32\" "
      "stroke-dasharray=\"4 3\"><title>median</title></line>\n",
      px(metric.median), kTop, axis_y);
  constexpr size_t kNamed = 3;
  for (size_t i = 0; i < metric.outliers.size(); ++i) {
    const MetricOutlier& o = metric.outliers[i];
    const std::string name = analysis.fleet->hosts[o.host].name();
    out += fmt::format(
        "<circle cx=\"{:.1f}\" cy=\"{}\" r=\"3.5\" fill=\"#c62828\" data-host=\"{}\" "
        "data-value=\"{}\"><title>{}: z = {:.1f}</title></circle>\n",
        px(o.value), axis_y - 4, escape_markup(name), o.value, escape_markup(name), o.z);
    if (i < kNamed) {
      out += fmt::format(
          "<text x=\"{:.1f}\" y=\"{}\" font-size=\"10\" fill=\"#c62828\" "
          "text-anchor=\"middle\">{}</text>\n",
          px(o.value), axis_y - 12 - 10 * double(i), escape_markup(name));
    }
  }
  return out + "</svg>\n";
}

}  // namespace mmtune::fleet
