#pragma once
// Page-table footprint of anonymous memory on x86_64 (4-level paging, 4 KiB pages): one 4 KiB PTE
// table maps 2 MiB, one PMD table maps 1 GiB, one PUD table maps 512 GiB. Shared by the
// demand-paging and fork models.
#include <cstdint>
#include <string>

#include "model/prediction.hpp"

namespace mmtune::model {

inline constexpr uint64_t kPmdTableSpan = kGiB;        // 512 PMD entries × 2 MiB
inline constexpr uint64_t kPudTableSpan = 512 * kGiB;  // 512 PUD entries × 1 GiB

struct PageTableFootprint {
  uint64_t pte_tables = 0;  // 4 KiB each; with THP these are the tables deposited per huge PMD
  uint64_t pmd_tables = 0;
  uint64_t pud_tables = 0;
};

// Tables for a 2 MiB-aligned region of region_bytes in which pte_tables 2 MiB ranges are mapped.
// Upper levels are counted as if the region were populated densely (at most a few pages more).
PageTableFootprint page_tables_for(uint64_t region_bytes, uint64_t pte_tables);
uint64_t table_bytes(const PageTableFootprint& footprint);
// "page_table_bytes" in bytes, with the caller's rule and kernel function and the arithmetic
// "= (PTE + PMD + PUD tables) × 4 KiB = total".
Prediction page_table_prediction(const PageTableFootprint& footprint, std::string rule,
                                 std::string kernel_function);

}  // namespace mmtune::model
