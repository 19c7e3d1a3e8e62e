#include "model/page_tables.hpp"

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

}  // namespace mmtune::model
