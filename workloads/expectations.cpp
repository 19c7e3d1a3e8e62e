#include "workloads/expectations.hpp"

#include <algorithm>

#include "model/page_tables.hpp"

namespace mmtune::workloads {

Expectation page_table_growth(std::string metric, const model::Prediction& tables,
                              uint64_t region_bytes) {
  // The upper tables the model counts for this region: those of a region with one PTE table,
  // minus that table.
  double upper =
      double(model::table_bytes(model::page_tables_for(region_bytes, 1)) - model::kPageSize);
  return {std::move(metric), tables, std::nullopt, std::max(0.0, tables.value - upper),
          tables.value};
}

}  // namespace mmtune::workloads
