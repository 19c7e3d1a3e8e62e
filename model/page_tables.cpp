#include "model/page_tables.hpp"

#include <fmt/format.h>

#include <utility>

#include "facts/units.hpp"

namespace mmtune::model {

PageTableFootprint page_tables_for(uint64_t region_bytes, uint64_t pte_tables) {
  PageTableFootprint footprint;
  footprint.pte_tables = pte_tables;
  if (pte_tables == 0) return footprint;
  footprint.pmd_tables = div_round_up(region_bytes, kPmdTableSpan);
  footprint.pud_tables = div_round_up(region_bytes, kPudTableSpan);
  return footprint;
}

uint64_t table_bytes(const PageTableFootprint& footprint) {
  return (footprint.pte_tables + footprint.pmd_tables + footprint.pud_tables) * kPageSize;
}

Prediction page_table_prediction(const PageTableFootprint& footprint, std::string rule,
                                 std::string kernel_function) {
  const uint64_t bytes = table_bytes(footprint);
  return {"page_table_bytes",
          double(bytes),
          "bytes",
          {std::move(rule), std::move(kernel_function),
           fmt::format("= ({} + {} + {}) × 4 KiB = {}", footprint.pte_tables, footprint.pmd_tables,
                       footprint.pud_tables, facts::format_bytes(bytes))}};
}

}  // namespace mmtune::model
