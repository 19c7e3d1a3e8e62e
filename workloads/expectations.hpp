#pragma once
// Ways of holding a model prediction against a measurement that more than one workload uses.
#include <cstdint>
#include <string>

#include "model/prediction.hpp"
#include "workloads/result.hpp"

namespace mmtune::workloads {

// Page-table growth (VmPTE after − before) from touching a region, as a range. At most the
// model's figure, which counts the region's PMD and PUD tables as new; at least that minus those
// upper tables, because a process whose other mappings share the same 1 GiB (or 512 GiB) span
// already has them and VmPTE counts only tables it allocates.
Expectation page_table_growth(std::string metric, const model::Prediction& tables,
                              uint64_t region_bytes);

}  // namespace mmtune::workloads
