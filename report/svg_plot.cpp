#include "report/svg_plot.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "report/escape.hpp"

namespace mmtune::report {
namespace {

// Colours that stay apart for the usual forms of colour blindness (the Tableau 10 set), and darker
// ones for thresholds, which are also dashed.
constexpr std::array<std::string_view, 8> kLineColours = {
    "#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#8c564b", "#17becf", "#e377c2"};
constexpr std::array<std::string_view, 4> kLevelColours = {"#555555", "#a0522d", "#6a3d9a",
                                                           "#00796b"};
constexpr std::array<std::string_view, 4> kLevelDashes = {"7 4", "3 3", "10 3 2 3", "1 3"};

constexpr double kCharWidth = 6.4;  // of the 11–12 px system font, for layout estimates
constexpr int kTop = 30, kLeft = 66, kBottom = 44;

std::string number(double value, int decimals) {
  std::string text = fmt::format("{:.{}f}", value, std::max(decimals, 0));
  return text == "-0" ? "0" : text;
}

// Decimals that show a step of this size (in display units) without noise: 0.25 → 2, 5 → 0.
int decimals_for(double step) {
  if (step <= 0 || !std::isfinite(step)) return 0;
  return std::clamp(-static_cast<int>(std::floor(std::log10(step) + 1e-9)), 0, 6);
}

std::string with_scale(double value, const AxisScale& scale, int decimals) {
  return fmt::format("{} {}", number(value / scale.divisor, decimals), scale.suffix);
}

// A value on its own (a threshold's label): bytes like model::format_bytes, others to 4 digits.
std::string level_value(double value, std::string_view unit) {
  AxisScale scale = axis_scale(unit, std::fabs(value));
  if (unit == "bytes") return with_scale(value, scale, scale.divisor == 1 ? 0 : 1);
  return fmt::format("{:.4g} {}", value / scale.divisor, scale.suffix);
}

struct Frame {
  double left, top, width, height;  // the plot area, px
  double x0, x1, y0, y1;            // the domain, in the plot's units
  double px(double x) const { return left + (x - x0) / (x1 - x0) * width; }
  double py(double y) const { return top + height - (y - y0) / (y1 - y0) * height; }
};

// Indices of the points to draw: all of them when few; otherwise per pixel column the smallest and
// the largest value, in their order in time.
std::vector<size_t> thinned(const PlotLine& line, const Frame& f) {
  const size_t n = std::min(line.x.size(), line.y.size());
  std::vector<size_t> keep;
  const size_t budget = static_cast<size_t>(2 * f.width);
  if (n <= budget) {
    for (size_t i = 0; i < n; ++i) keep.push_back(i);
    return keep;
  }
  long column = std::numeric_limits<long>::min();
  size_t low = 0, high = 0;
  auto flush = [&] {
    if (column == std::numeric_limits<long>::min()) return;
    keep.push_back(std::min(low, high));
    if (low != high) keep.push_back(std::max(low, high));
  };
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(line.y[i]) || !std::isfinite(line.x[i])) {
      flush();
      column = std::numeric_limits<long>::min();
      keep.push_back(i);  // keeps the gap
      continue;
    }
    long c = std::lround(f.px(line.x[i]));
    if (c != column) {
      flush();
      column = c;
      low = high = i;
      continue;
    }
    if (line.y[i] < line.y[low]) low = i;
    if (line.y[i] > line.y[high]) high = i;
  }
  flush();
  return keep;
}

std::string polylines(const PlotLine& line, const Frame& f, std::string_view colour) {
  std::string out, points;
  auto emit = [&] {
    if (points.empty()) return;
    out += fmt::format(
        "<polyline class=\"series\" data-series=\"{}\" fill=\"none\" stroke=\"{}\" "
        "stroke-width=\"1.8\" stroke-linejoin=\"round\" points=\"{}\"/>\n",
        escape_markup(line.label), colour, points);
    points.clear();
  };
  for (size_t i : thinned(line, f)) {
    if (!std::isfinite(line.y[i]) || !std::isfinite(line.x[i])) {
      emit();
      continue;
    }
    points +=
        fmt::format("{}{:.1f},{:.1f}", points.empty() ? "" : " ", f.px(line.x[i]), f.py(line.y[i]));
  }
  emit();
  return out;
}

// The domain: every finite point and every level, and zero, so areas compare by eye.
struct Domain {
  double x_min = 0, x_max = 0, y_min = 0, y_max = 0;
};

Domain plot_domain(const Plot& plot) {
  Domain d;
  bool any_x = false;
  for (const PlotLine& line : plot.lines) {
    for (size_t i = 0; i < std::min(line.x.size(), line.y.size()); ++i) {
      if (!std::isfinite(line.x[i]) || !std::isfinite(line.y[i])) continue;
      d.x_min = any_x ? std::min(d.x_min, line.x[i]) : std::min(0.0, line.x[i]);
      d.x_max = any_x ? std::max(d.x_max, line.x[i]) : line.x[i];
      any_x = true;
      d.y_min = std::min(d.y_min, line.y[i]);
      d.y_max = std::max(d.y_max, line.y[i]);
    }
  }
  for (const PlotLevel& level : plot.levels) {
    if (!std::isfinite(level.y)) continue;
    d.y_min = std::min(d.y_min, level.y);
    d.y_max = std::max(d.y_max, level.y);
  }
  if (d.x_max <= d.x_min) d.x_max = d.x_min + 1;
  if (d.y_max <= d.y_min) d.y_max = d.y_min + 1;
  return d;
}

struct Axes {
  AxisScale y_scale;
  std::vector<double> x_ticks, y_ticks;  // in the plot's units
};

// Nice ticks in display units on the value axis; whole numbers on an axis that counts.
Axes plot_axes(const Plot& plot, const Domain& d) {
  Axes axes;
  axes.y_scale = axis_scale(plot.y_unit, std::max(std::fabs(d.y_min), std::fabs(d.y_max)));
  axes.y_ticks = nice_ticks(d.y_min / axes.y_scale.divisor, d.y_max / axes.y_scale.divisor, 5);
  for (double& t : axes.y_ticks) t *= axes.y_scale.divisor;
  axes.x_ticks = nice_ticks(d.x_min, d.x_max, 8);
  if (plot.x_counts && axes.x_ticks.size() > 1 && axes.x_ticks[1] - axes.x_ticks[0] < 1) {
    axes.x_ticks.clear();
    for (double t = std::floor(d.x_min); t < d.x_max + 1; ++t) axes.x_ticks.push_back(t);
  }
  return axes;
}

// Each threshold's label with its value: "predicted low watermark 75.0 MiB".
std::vector<std::string> level_labels(const Plot& plot) {
  std::vector<std::string> labels;
  for (const PlotLevel& level : plot.levels)
    labels.push_back(fmt::format("{} {}", level.label, level_value(level.y, plot.y_unit)));
  return labels;
}

// Threshold labels sit right of the plot area; the area gives way to the longest one.
double right_margin(const std::vector<std::string>& level_labels) {
  size_t longest = 0;
  for (const std::string& label : level_labels) longest = std::max(longest, label.size());
  return std::clamp(14 + kCharWidth * static_cast<double>(longest), 20.0, 300.0);
}

struct LegendItem {
  std::string text;
  std::string_view colour, dash;
  double x = 0;
  int row = 0;
};

struct Legend {
  std::vector<LegendItem> items;
  int height = 0;  // px below the axes
};

// The legend below the axes: one item per series, then per threshold, wrapped into rows.
Legend layout_legend(const Plot& plot, int width) {
  Legend legend;
  for (size_t i = 0; i < plot.lines.size(); ++i)
    legend.items.push_back({plot.lines[i].label, kLineColours[i % kLineColours.size()], ""});
  for (size_t i = 0; i < plot.levels.size(); ++i) {
    legend.items.push_back({plot.levels[i].label, kLevelColours[i % kLevelColours.size()],
                            kLevelDashes[i % kLevelDashes.size()]});
  }
  double cursor = kLeft;
  int row = 0;
  for (LegendItem& item : legend.items) {
    const double item_width = 34 + kCharWidth * static_cast<double>(item.text.size()) + 18;
    if (cursor > kLeft && cursor + item_width > width - 10) {
      cursor = kLeft;
      ++row;
    }
    item.x = cursor;
    item.row = row;
    cursor += item_width;
  }
  legend.height = legend.items.empty() ? 0 : (row + 1) * 18 + 6;
  return legend;
}

// The <svg> element's opening with the data a reader recovers the numbers from, and the title.
std::string svg_open(const Plot& plot, const Frame& f, int width, int total_height) {
  std::string svg = fmt::format(
      "<svg class=\"plot\" viewBox=\"0 0 {} {}\" "
      "role=\"img\" aria-label=\"{}\" data-area=\"{} {} {} {}\" data-domain=\"{:.17g} {:.17g} "
      "{:.17g} {:.17g}\" data-unit=\"{}\">\n",
      width, total_height, escape_markup(plot.title), f.left, f.top, f.width, f.height, f.x0, f.x1,
      f.y0, f.y1, escape_markup(plot.y_unit));
  svg += fmt::format("<title>{}</title>\n", escape_markup(plot.title));
  svg += fmt::format("<text x=\"{}\" y=\"18\" font-size=\"13\" font-weight=\"600\">{}</text>\n",
                     kLeft, escape_markup(plot.title));
  return svg;
}

// A grid line from (x1, y1) to (x2, y2) and its tick label at (label_x, label_y).
std::string grid_line(double x1, double y1, double x2, double y2, std::string_view colour,
                      double label_x, double label_y, std::string_view anchor,
                      std::string_view label) {
  return fmt::format(
      "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\"/>\n"
      "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" text-anchor=\"{}\" "
      "fill=\"#444\">{}</text>\n",
      x1, y1, x2, y2, colour, label_x, label_y, anchor, label);
}

// Grid lines with their tick labels, the frame of the plot area and the axis titles.
std::string svg_axes(const Plot& plot, const Frame& f, const Axes& axes, int height) {
  std::string svg;
  const AxisScale& y_scale = axes.y_scale;
  const std::vector<double>& y_ticks = axes.y_ticks;
  const int y_decimals =
      decimals_for(y_ticks.size() > 1 ? (y_ticks[1] - y_ticks[0]) / y_scale.divisor : 1);
  for (double t : y_ticks) {
    const double y = f.py(t);
    svg += grid_line(f.left, y, f.left + f.width, y, "#e3e3e3", f.left - 6, y + 4, "end",
                     number(t / y_scale.divisor, y_decimals));
  }
  const std::vector<double>& x_ticks = axes.x_ticks;
  const int x_decimals = decimals_for(x_ticks.size() > 1 ? x_ticks[1] - x_ticks[0] : 1);
  for (double t : x_ticks) {
    const double x = f.px(t);
    svg += grid_line(x, f.top, x, f.top + f.height, "#efefef", x, f.top + f.height + 15, "middle",
                     number(t, x_decimals));
  }
  svg += fmt::format(
      "<rect x=\"{:.1f}\" y=\"{:.1f}\" width=\"{:.1f}\" height=\"{:.1f}\" fill=\"none\" "
      "stroke=\"#999\"/>\n",
      f.left, f.top, f.width, f.height);
  svg += fmt::format(
      "<text x=\"{:.1f}\" y=\"{}\" font-size=\"11\" text-anchor=\"middle\" "
      "fill=\"#222\">{}{}</text>\n",
      f.left + f.width / 2, height - 8, escape_markup(plot.x_label),
      plot.x_unit.empty() ? "" : fmt::format(" ({})", escape_markup(plot.x_unit)));
  svg += fmt::format(
      "<text transform=\"translate(14 {:.1f}) rotate(-90)\" font-size=\"11\" "
      "text-anchor=\"middle\" fill=\"#222\">{}{}</text>\n",
      f.top + f.height / 2, escape_markup(plot.y_label),
      y_scale.suffix.empty() ? "" : fmt::format(" ({})", escape_markup(y_scale.suffix)));
  return svg;
}

// The observed series; on an axis that counts, every point marked too.
std::string svg_series(const Plot& plot, const Frame& f) {
  std::string svg;
  for (size_t i = 0; i < plot.lines.size(); ++i)
    svg += polylines(plot.lines[i], f, kLineColours[i % kLineColours.size()]);
  if (!plot.x_counts) return svg;
  for (size_t i = 0; i < plot.lines.size(); ++i) {
    const PlotLine& line = plot.lines[i];
    for (size_t k = 0; k < std::min(line.x.size(), line.y.size()); ++k) {
      if (!std::isfinite(line.x[k]) || !std::isfinite(line.y[k])) continue;
      svg +=
          fmt::format("<circle class=\"mark\" cx=\"{:.1f}\" cy=\"{:.1f}\" r=\"3\" fill=\"{}\"/>\n",
                      f.px(line.x[k]), f.py(line.y[k]), kLineColours[i % kLineColours.size()]);
    }
  }
  return svg;
}

// Thresholds: the line across the plot, the label at its right end, labels pushed apart so that
// thresholds a few pixels apart stay readable.
std::string svg_thresholds(const Plot& plot, const Frame& f,
                           const std::vector<std::string>& labels) {
  std::vector<size_t> order(plot.levels.size());
  for (size_t i = 0; i < order.size(); ++i) order[i] = i;
  std::sort(order.begin(), order.end(),
            [&](size_t a, size_t b) { return plot.levels[a].y < plot.levels[b].y; });
  std::string svg;
  double previous_label_y = std::numeric_limits<double>::infinity();
  for (size_t i : order) {
    const PlotLevel& level = plot.levels[i];
    if (!std::isfinite(level.y)) continue;
    const double y = f.py(level.y);
    const double label_y = std::min(y + 4, previous_label_y - 13);
    previous_label_y = label_y;
    svg += fmt::format(
        "<g class=\"threshold\" data-label=\"{}\" data-value=\"{:.17g}\">"
        "<line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" stroke=\"{}\" "
        "stroke-width=\"1.4\" stroke-dasharray=\"{}\"/>"
        "<text x=\"{:.1f}\" y=\"{:.1f}\" font-size=\"11\" fill=\"{}\">{}</text></g>\n",
        escape_markup(level.label), level.y, f.left, y, f.left + f.width, y,
        kLevelColours[i % kLevelColours.size()], kLevelDashes[i % kLevelDashes.size()],
        f.left + f.width + 6, label_y, kLevelColours[i % kLevelColours.size()],
        escape_markup(labels[i]));
  }
  return svg;
}

std::string svg_legend(const Legend& legend, int height) {
  std::string svg;
  for (const LegendItem& item : legend.items) {
    const double y = height + 4 + item.row * 18;
    svg += fmt::format(
        "<g class=\"legend\"><line x1=\"{:.1f}\" y1=\"{:.1f}\" x2=\"{:.1f}\" y2=\"{:.1f}\" "
        "stroke=\"{}\" stroke-width=\"2\"{}/><text x=\"{:.1f}\" y=\"{:.1f}\" "
        "font-size=\"11\" fill=\"#222\">{}</text></g>\n",
        item.x, y, item.x + 26, y, item.colour,
        item.dash.empty() ? "" : fmt::format(" stroke-dasharray=\"{}\"", item.dash), item.x + 32,
        y + 4, escape_markup(item.text));
  }
  return svg;
}

}  // namespace

AxisScale axis_scale(std::string_view unit, double largest) {
  largest = std::fabs(largest);
  if (unit == "bytes") {
    constexpr std::array<std::string_view, 5> kNames = {"B", "KiB", "MiB", "GiB", "TiB"};
    size_t i = 0;
    double divisor = 1;
    while (i + 1 < kNames.size() && largest >= divisor * 1024) {
      divisor *= 1024;
      ++i;
    }
    return {divisor, std::string(kNames[i])};
  }
  if (largest >= 1e6) return {1e6, fmt::format("M {}", unit)};
  if (largest >= 1e4) return {1e3, fmt::format("k {}", unit)};
  return {1, std::string(unit)};
}

std::vector<double> nice_ticks(double low, double high, int count) {
  if (!std::isfinite(low) || !std::isfinite(high)) return {0, 1};
  if (high < low) std::swap(low, high);
  double span = high - low;
  if (span <= 0) span = std::fabs(high) > 0 ? std::fabs(high) : 1;
  const double raw = span / std::max(count, 1);
  const double magnitude = std::pow(10, std::floor(std::log10(raw)));
  const double norm = raw / magnitude;
  const double step = (norm <= 1 ? 1 : norm <= 2 ? 2 : norm <= 5 ? 5 : 10) * magnitude;
  const long first = static_cast<long>(std::floor(low / step + 1e-9));
  long last = static_cast<long>(std::ceil(high / step - 1e-9));
  if (last <= first) last = first + 1;
  std::vector<double> ticks;
  for (long i = first; i <= last; ++i) ticks.push_back(static_cast<double>(i) * step);
  return ticks;
}

std::string svg_line_plot(const Plot& plot, int width, int height) {
  const Axes axes = plot_axes(plot, plot_domain(plot));
  const std::vector<std::string> labels = level_labels(plot);
  const Legend legend = layout_legend(plot, width);
  const Frame f{kLeft,
                kTop,
                std::max(width - kLeft - right_margin(labels), 80.0),
                static_cast<double>(height - kTop - kBottom),
                axes.x_ticks.front(),
                axes.x_ticks.back(),
                axes.y_ticks.front(),
                axes.y_ticks.back()};
  std::string svg = svg_open(plot, f, width, height + legend.height);
  svg += svg_axes(plot, f, axes, height);
  svg += svg_series(plot, f);
  svg += svg_thresholds(plot, f, labels);
  svg += svg_legend(legend, height);
  svg += "</svg>\n";
  return svg;
}

}  // namespace mmtune::report
