#pragma once
// The fleet report's drawings, as inline SVG like report/svg_plot.hpp: no script, no font file,
// and the numbers a reader needs kept in attributes (each cell's data-deviating/data-advised, each
// outlier's data-host and data-value).
#include <string>

#include "fleet/fleet.hpp"

namespace mmtune::fleet {

// Knobs down, groups across (the first `columns` groups), each cell shaded by the share of the
// group's advised hosts that deviate from the advice.
std::string svg_heat_table(const FleetAnalysis& analysis, size_t columns);

// A histogram of a metric's values across hosts with its outliers as red dots (the largest named).
std::string svg_metric_histogram(const FleetAnalysis& analysis, const MetricRow& metric);

}  // namespace mmtune::fleet
