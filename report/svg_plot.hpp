#pragma once
// Line plots for the HTML report, drawn by the project as inline SVG: no script, no font file, no
// network. A plot has a time axis, a value axis in the plot's unit with "nice" ticks (bytes are
// scaled to KiB/MiB/GiB, large rates to k/M), one polyline per observed series, one dashed
// horizontal line per threshold with its label and value at the right end, and a legend.
//
// The SVG keeps what a reader (or a test) needs to recover the numbers from the drawing: the plot
// area in pixels and the domain it maps (data-area="left top width height", data-domain="x0 x1 y0
// y1", both in the plot's own units), each polyline's series label (data-series) and each
// threshold's value (data-value). A series longer than twice the plot's width in pixels keeps,
// for each pixel column, its smallest and largest value, so spikes survive the thinning and every
// point drawn is a value of the series.
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::report {

struct PlotLine {
  std::string label;      // "free (all zones), observed"
  std::vector<double> x;  // seconds since the run started
  std::vector<double> y;  // in the plot's unit; a non-finite value leaves a gap
};

// A horizontal line: a threshold the model predicts ("predicted low watermark"), or a configured
// limit; the label says which.
struct PlotLevel {
  std::string label;
  double y = 0;
};

struct Plot {
  std::string title;    // "Free memory against the watermarks"
  std::string y_label;  // "free memory"
  std::string y_unit;   // "bytes", "faults/s", "% of time", …
  std::string x_label = "time since the run started";
  std::string x_unit = "s";  // may be empty: the label then has no unit
  // x counts things (a sweep's repeats): ticks fall on whole numbers and every point is marked, so
  // a series of one sample still shows.
  bool x_counts = false;
  std::vector<PlotLine> lines;
  std::vector<PlotLevel> levels;
};

// The SVG element of the plot, sized by its viewBox (it scales to its container), for inline use
// in HTML: without xmlns, since the HTML parser puts <svg> in the SVG namespace itself and the
// page then holds no URL at all.
std::string svg_line_plot(const Plot& plot, int width = 760, int height = 300);

// How values of a unit are shown on an axis: value / divisor, followed by suffix.
struct AxisScale {
  double divisor = 1;
  std::string suffix;  // "MiB", "k faults/s", "s"
};
// bytes: the binary unit in which the largest value is at least 1 (B, KiB … TiB); other units:
// k or M when the largest value reaches 10^4 or 10^6.
AxisScale axis_scale(std::string_view unit, double largest);

// Tick positions: multiples of 1, 2 or 5 × 10^k covering [low, high] in about `count` steps, the
// first ≤ low and the last ≥ high.
std::vector<double> nice_ticks(double low, double high, int count);

}  // namespace mmtune::report
