// The SVG line plots: ticks, unit scaling, escaping, thinning that keeps extremes, and the data
// attributes from which a reader recovers every drawn value.
#include <gtest/gtest.h>

#include <cmath>

#include "facts/facts_json.hpp"
#include "probes/host_fs.hpp"
#include "probes/readers.hpp"
#include "report/plots.hpp"
#include "report/svg_plot.hpp"
#include "tests/report/report_text.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::report {
namespace {

TEST(NiceTicks, CoverTheRangeInSteps125) {
  EXPECT_EQ(nice_ticks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  EXPECT_EQ(nice_ticks(0, 9.3, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  const std::vector<double> ticks = nice_ticks(0.13, 0.87, 4);
  EXPECT_LE(ticks.front(), 0.13);
  EXPECT_GE(ticks.back(), 0.87);
  EXPECT_NEAR(ticks[1] - ticks[0], 0.2, 1e-12);
  EXPECT_EQ(nice_ticks(5, 5, 5).size(), 2u) << "a flat range still gets an axis";
}

TEST(AxisScale, BytesInBinaryUnitsAndLargeRatesInKOrM) {
  EXPECT_EQ(axis_scale("bytes", 512).suffix, "B");
  EXPECT_EQ(axis_scale("bytes", 3.0 * 1024 * 1024).suffix, "MiB");
  EXPECT_EQ(axis_scale("bytes", 20.0 * (1ull << 30)).divisor, double(1ull << 30));
  EXPECT_EQ(axis_scale("faults/s", 2.5e6).suffix, "M faults/s");
  EXPECT_EQ(axis_scale("faults/s", 4.2e4).suffix, "k faults/s");
  EXPECT_EQ(axis_scale("% of time", 12).suffix, "% of time");
}

TEST(SvgPlot, AnAxisWithoutAUnitHasNoEmptyParentheses) {
  Plot plot;
  plot.title = "max_ptes_none tried, per trial";
  plot.y_label = "thp.khugepaged.max_ptes_none";
  plot.x_label = "trial";
  plot.lines.push_back({"set for the trial", {1, 2, 3}, {179, 385, 475}});
  const std::string svg = svg_line_plot(plot);
  EXPECT_NE(svg.find(">thp.khugepaged.max_ptes_none</text>"), std::string::npos) << svg;
  EXPECT_EQ(svg.find("()"), std::string::npos) << svg;
}

TEST(SvgPlot, PointsAndThresholdsReadBackAsTheirValues) {
  Plot plot;
  plot.title = "Free memory";
  plot.y_label = "free";
  plot.y_unit = "bytes";
  PlotLine free{"free, observed", {0, 0.1, 0.2, 0.3, 0.4}, {}};
  for (double gib : {20.0, 19.5, 19.9, 18.2, 19.0}) free.y.push_back(gib * (1ull << 30));
  plot.lines.push_back(free);
  plot.levels = {{"predicted low watermark", 96.0 * (1 << 20)},
                 {"predicted min watermark", 77.0 * (1 << 20)}};
  const std::string svg = svg_line_plot(plot);
  const test::Drawn d = test::read_svg(svg);
  ASSERT_EQ(d.series.count("free, observed"), 1u) << svg;
  const auto& points = d.series.at("free, observed");
  ASSERT_EQ(points.size(), free.y.size());
  const double pixel_y = (d.y1 - d.y0) / d.height, pixel_x = (d.x1 - d.x0) / d.width;
  for (size_t i = 0; i < points.size(); ++i) {
    EXPECT_NEAR(points[i].first, free.x[i], pixel_x * 0.06);  // drawn to 0.1 px
    EXPECT_NEAR(points[i].second, free.y[i], pixel_y * 0.06);
  }
  EXPECT_DOUBLE_EQ(d.levels.at("predicted low watermark"), 96.0 * (1 << 20));
  EXPECT_DOUBLE_EQ(d.levels.at("predicted min watermark"), 77.0 * (1 << 20));
  EXPECT_NE(svg.find("predicted low watermark 96.0 MiB"), std::string::npos) << "labelled";
  EXPECT_NE(svg.find("free (GiB)"), std::string::npos) << "the axis names its unit";
  EXPECT_NE(svg.find("time since the run started (s)"), std::string::npos);
  EXPECT_LE(d.y0, 0.0) << "the value axis starts at zero";
}

TEST(SvgPlot, EscapesEveryTextFromData) {
  Plot plot;
  plot.title = "<script>alert('x')</script>";
  plot.y_label = "a&b";
  plot.y_unit = "\"units\"";
  plot.lines.push_back({"<b>line</b>", {0, 1}, {1, 2}});
  plot.levels.push_back({"predicted <i>", 1.5});
  const std::string svg = svg_line_plot(plot);
  EXPECT_EQ(svg.find("<script>"), std::string::npos);
  EXPECT_EQ(svg.find("<b>"), std::string::npos);
  EXPECT_EQ(svg.find("<i>"), std::string::npos);
  EXPECT_NE(svg.find("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;"), std::string::npos);
  EXPECT_NE(svg.find("a&amp;b"), std::string::npos);
}

TEST(SvgPlot, LongSeriesKeepTheirExtremesAndOnlyTheirOwnValues) {
  Plot plot;
  plot.title = "spiky";
  plot.y_label = "latency";
  plot.y_unit = "ms";
  PlotLine line{"latency, observed", {}, {}};
  for (int i = 0; i < 100000; ++i) {
    line.x.push_back(i * 1e-3);
    line.y.push_back(i == 54321 ? 250.0 : (i == 77777 ? -3.0 : 1.0 + (i % 7) * 0.1));
  }
  plot.lines.push_back(line);
  const std::string svg = svg_line_plot(plot, 760, 300);
  EXPECT_LT(svg.size(), 200000u) << "thinned to about two points per pixel column";
  const test::Drawn d = test::read_svg(svg);
  const auto& points = d.series.at("latency, observed");
  const double pixel_y = (d.y1 - d.y0) / d.height;
  double high = -1e9, low = 1e9;
  for (const auto& [x, y] : points) {
    high = std::max(high, y);
    low = std::min(low, y);
  }
  EXPECT_NEAR(high, 250.0, pixel_y * 0.06) << "the spike survives";
  EXPECT_NEAR(low, -3.0, pixel_y * 0.06) << "so does the dip";
  EXPECT_LE(points.size(), 2 * 760u);
}

TEST(SvgPlot, GapsSplitTheLine) {
  Plot plot;
  plot.title = "rates";
  plot.y_unit = "faults/s";
  plot.lines.push_back({"rate", {0, 1, 2, 3, 4}, {1, 2, NAN, 3, 4}});
  const std::string svg = svg_line_plot(plot);
  size_t count = 0;
  for (size_t at = svg.find("<polyline"); at != std::string::npos;
       at = svg.find("<polyline", at + 1))
    ++count;
  EXPECT_EQ(count, 2u);
}

TEST(ModelThresholds, WatermarksAreTheZonesSumsAndDirtyLimitsInBytes) {
  const facts::HostFacts facts =
      probes::read_host_facts(probes::HostFs(test::test_data("hosts/local-6.18")));
  const std::optional<ModelThresholds> t = model_thresholds(facts);
  ASSERT_TRUE(t);
  ASSERT_EQ(t->watermarks.size(), 3u);
  ASSERT_EQ(t->dirty.size(), 3u);
  double kernel_low = 0;
  for (const facts::Zone& z : facts.zones) {
    if (z.managed_pages) kernel_low += double(z.low_pages) * 4096;
  }
  // The recorded kernel's own low watermarks (boost included) are what the model predicts.
  EXPECT_DOUBLE_EQ(t->watermarks[1].value, kernel_low);
  EXPECT_LT(t->watermarks[0].value, t->watermarks[1].value);
  EXPECT_LT(t->watermarks[1].value, t->watermarks[2].value);
  EXPECT_LT(t->dirty[0].value, t->dirty[2].value) << "background below the hard threshold";
  EXPECT_EQ(t->dirty[2].unit, "bytes");
  if (auto thresh = facts.vmstat.get("nr_dirty_threshold")) {
    EXPECT_NEAR(t->dirty[2].value, double(*thresh) * 4096, 0.02 * double(*thresh) * 4096);
  }
}

TEST(PlotsFor, HostSeriesBecomeRatesBytesAndThresholdLines) {
  workloads::Result r;
  r.workload = "demand-paging";
  r.host = probes::read_host_facts(probes::HostFs(test::test_data("hosts/local-6.18")));
  workloads::Series host;
  host.name = "host";
  host.t_s = {0, 0.5, 1.0};
  host.columns["zone_free"] = {1000, 900, 950};
  host.columns["pgfault"] = {100, 600, 700};
  host.columns["nr_dirty"] = {0, 0, 0};
  host.columns["nr_writeback"] = {0, 0, 0};
  for (const auto& [name, _] : host.columns) host.units[name] = "pages";
  r.series.push_back(host);
  workloads::Series own;
  own.name = "dirty";
  own.t_s = {0, 1};
  own.columns["nr_dirty_bytes"] = {0, 4096};
  own.columns["model_threshold_bytes"] = {8192, 8192};
  own.units = {{"nr_dirty_bytes", "bytes"}, {"model_threshold_bytes", "bytes"}};
  r.series.push_back(own);

  const std::optional<ModelThresholds> t = model_thresholds(r.host);
  const std::vector<Plot> plots = plots_for(r, t ? &*t : nullptr);
  ASSERT_EQ(plots.size(), 3u) << "free memory, fault rate, the workload's own; dirty stayed 0";
  EXPECT_EQ(plots[0].title, "Free memory against the watermarks");
  EXPECT_EQ(plots[0].lines[0].y, (std::vector<double>{1000 * 4096.0, 900 * 4096.0, 950 * 4096.0}));
  ASSERT_EQ(plots[0].levels.size(), 3u);
  EXPECT_EQ(plots[0].levels[1].label, "predicted low watermark");
  EXPECT_EQ(plots[1].y_unit, "faults/s");
  EXPECT_EQ(plots[1].lines[0].x, (std::vector<double>{0.5, 1.0}));
  EXPECT_EQ(plots[1].lines[0].y, (std::vector<double>{1000, 200}));
  EXPECT_EQ(plots[2].lines.size(), 1u);
  ASSERT_EQ(plots[2].levels.size(), 1u) << "model_ columns are thresholds, not observations";
  EXPECT_EQ(plots[2].levels[0].label, "predicted threshold");
  EXPECT_EQ(plots[2].levels[0].y, 8192);
}

}  // namespace
}  // namespace mmtune::report
