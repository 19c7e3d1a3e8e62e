#pragma once
// Which plots a run's time series make, and the model's thresholds drawn on them.
//
// The host series (the runner's sampler: /proc/vmstat, /proc/zoneinfo, PSI, the workload process
// and its memory cgroup) give a fixed set of plots: free memory against the watermarks, dirty and
// writeback pages against the dirty thresholds, fault rates, reclaim, stalls, swap, THP faults,
// PSI, the process's RSS and the cgroup's memory. Cumulative counters are drawn as rates between
// consecutive samples; pages as bytes. A workload's own series (dirty-flood's "dirty", …) give one
// plot per unit; its columns named "model_…" are the model's values and are drawn as threshold
// lines ("predicted …"), not as observations.
//
// A plot is made only when one of its lines changes over the run, or when it carries thresholds
// (free memory, dirty pages): a flat line of zeros says nothing a table would not.
#include <optional>
#include <vector>

#include "facts/facts.hpp"
#include "model/prediction.hpp"
#include "report/svg_plot.hpp"
#include "workloads/result.hpp"

namespace mmtune::report {

// The thresholds the model derives for a host as its facts were read: sums over the zones with
// managed pages (watermarks, boost included, as /proc/zoneinfo prints them) and the global dirty
// limits, all in bytes.
struct ModelThresholds {
  std::vector<model::Prediction> watermarks;  // min, low, high
  std::vector<model::Prediction> dirty;       // background, free-run ceiling, hard threshold
};

// nullopt when the facts are too thin for the model (no zones: a skipped run's empty host).
std::optional<ModelThresholds> model_thresholds(const facts::HostFacts& facts);

// The plots of one run, in a fixed order: host series first, then the workload's own.
std::vector<Plot> plots_for(const workloads::Result& result, const ModelThresholds* thresholds);

}  // namespace mmtune::report
