// Demand paging: faults, RSS and page tables of first touches on anonymous memory.
//
// An anonymous mmap() only reserves address space. The first access to each page faults:
// handle_mm_fault() → do_anonymous_page() allocates one zeroed 4 KiB page and installs one PTE; if
// the PTE table for that 2 MiB range does not exist yet, __pte_alloc() allocates it first (4 KiB
// holding 512 entries of 8 bytes), and likewise a PMD table per 1 GiB and a PUD table per 512 GiB
// (__pmd_alloc, __pud_alloc). So
//
//   faults          = distinct pages touched
//   RSS             = faults × page size              (writes; a read fault maps the shared zero
//                                                      page, which is not counted in RSS)
//   page-table bytes = (PTE tables + PMD tables + PUD tables) × 4 KiB
//                    ≈ 8 bytes per 4 KiB page touched, rounded up to whole tables.
//
// With PMD-mapped THP (do_huge_pmd_anonymous_page) one fault maps 2 MiB. The page-table bytes do
// not shrink as folklore says: x86_64 pre-allocates and deposits one PTE table per huge PMD
// (pgtable_trans_huge_deposit, counted by mm_inc_nr_ptes) so that the PMD can be split later
// without allocating. What THP saves is entries to walk and copy (see fork_cow.cpp) and TLB reach.
//
// Access patterns: sequential touches every page; strided touches ceil(region/stride) addresses,
// one page each when stride ≥ page size; random touches N uniform addresses, of which the expected
// number of distinct pages among P is P·(1 − (1 − 1/P)^N). Threads split the touches but not the
// counts: each page still faults once (a racing second thread finds the PTE set and returns).
//
// Assumptions: 2 MiB-aligned region, 4-level paging, no memory pressure during the run (no page is
// reclaimed and faulted again), no khugepaged collapse during the run.
//
// Worked example: 1 GiB written sequentially with 4 KiB pages → 262144 faults, RSS 1 GiB,
// 512 PTE tables + 1 PMD table + 1 PUD table = 514 × 4 KiB = 2.0 MiB of page tables. With THP:
// 512 faults, RSS 1 GiB, the same 514 tables.
#include "model/demand_paging.hpp"

#include <fmt/format.h>

#include <cmath>

#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/page_tables.hpp"

namespace mmtune::model {
namespace {

uint64_t expected_distinct(uint64_t slots, uint64_t touches) {
  if (slots == 0) return 0;
  double p = double(slots);
  return static_cast<uint64_t>(std::llround(p * (1.0 - std::pow(1.0 - 1.0 / p, double(touches)))));
}

const char* pattern_name(AccessPattern pattern) {
  switch (pattern) {
    case AccessPattern::sequential:
      return "sequential";
    case AccessPattern::random:
      return "random";
    case AccessPattern::strided:
      return "strided";
  }
  return "?";
}

}  // namespace

DemandPagingPrediction predict_demand_paging(const DemandPagingShape& shape) {
  if (shape.region_bytes == 0)
    fail(ErrorKind::bad_input, "demand paging: region size must be positive");
  if (shape.page_bytes != kPageSize && shape.page_bytes != kHugePageSize) {
    fail(ErrorKind::bad_input, "demand paging: page size {} must be 4 KiB or 2 MiB",
         shape.page_bytes);
  }
  if (shape.pattern == AccessPattern::strided && shape.stride_bytes == 0) {
    fail(ErrorKind::bad_input, "demand paging: stride must be positive");
  }
  const uint64_t pages_in_region = div_round_up(shape.region_bytes, shape.page_bytes);
  const uint64_t huge_ranges = div_round_up(shape.region_bytes, kHugePageSize);
  const bool huge = shape.page_bytes == kHugePageSize;

  uint64_t pages = 0, pte_tables = 0;
  std::string how;
  switch (shape.pattern) {
    case AccessPattern::sequential:
      pages = pages_in_region;
      pte_tables = huge_ranges;
      how = fmt::format("{} / {}", facts::format_bytes(shape.region_bytes),
                        facts::format_bytes(shape.page_bytes));
      break;
    case AccessPattern::strided: {
      uint64_t touches = div_round_up(shape.region_bytes, shape.stride_bytes);
      pages = shape.stride_bytes >= shape.page_bytes ? touches : pages_in_region;
      pte_tables = shape.stride_bytes >= kHugePageSize ? touches : huge_ranges;
      how = fmt::format("{} touches {} apart, {} per page", touches,
                        facts::format_bytes(shape.stride_bytes),
                        shape.stride_bytes >= shape.page_bytes ? "one" : "several");
      break;
    }
    case AccessPattern::random:
      pages = expected_distinct(pages_in_region, shape.random_touches);
      pte_tables = huge ? pages : expected_distinct(huge_ranges, shape.random_touches);
      how = fmt::format("P·(1−(1−1/P)^N), P = {} pages, N = {} touches", pages_in_region,
                        shape.random_touches);
      break;
  }
  if (huge) pte_tables = pages;  // one deposited PTE table per huge PMD

  DemandPagingPrediction out;
  out.pages_touched = pages;
  const char* fault_fn =
      huge ? "do_huge_pmd_anonymous_page (mm/huge_memory.c)" : "do_anonymous_page (mm/memory.c)";
  out.faults = {"faults",
                double(pages),
                "faults",
                {"faults = distinct pages touched", fault_fn,
                 fmt::format("({}: {}) = {}", pattern_name(shape.pattern), how, pages)}};

  uint64_t rss = shape.writes ? pages * shape.page_bytes : 0;
  out.rss_bytes = {
      "rss", double(rss), "bytes",
      shape.writes
          ? Explanation{"RSS = faults × page size", fault_fn,
                        fmt::format("= {} × {} = {}", pages, facts::format_bytes(shape.page_bytes),
                                    facts::format_bytes(rss))}
          : Explanation{"read faults map the shared zero page: RSS does not grow",
                        huge ? "do_huge_pmd_anonymous_page → huge zero page"
                             : "do_anonymous_page → my_zero_pfn",
                        "= 0"}};

  out.page_table_bytes = page_table_prediction(
      page_tables_for(shape.region_bytes, pte_tables),
      huge ? "page tables = (PTE tables deposited per huge PMD + PMD + PUD tables) × 4 KiB"
           : "page tables = (PTE tables per 2 MiB + PMD tables per 1 GiB + PUD tables) × 4 KiB",
      huge ? "pgtable_trans_huge_deposit + mm_inc_nr_ptes (mm/huge_memory.c)"
           : "__pte_alloc / __pmd_alloc (mm/memory.c)");
  return out;
}

}  // namespace mmtune::model
