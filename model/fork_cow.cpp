// fork() and copy-on-write of private anonymous memory.
//
// fork() → dup_mmap() → copy_page_range() copies the page tables of every VMA that has anon pages
// (vma_needs_copy: src_vma->anon_vma), not the pages: copy_pte_range() copies each PTE (8 bytes),
// takes a reference on the page and write-protects it in both processes. With PMD-mapped THP,
// copy_huge_pmd() copies one PMD entry per 2 MiB instead of 512 PTEs, and allocates a PTE table
// for the child to deposit (so the table *bytes* are the same, the entries 512× fewer). Hence
//
//   fork cost       ∝ entries copied = RSS / 4 KiB   (THP: RSS / 2 MiB)
//   child's tables  = PTE tables (one per 2 MiB) + PMD tables (one per 1 GiB) + PUD tables, × 4 KiB
//
// After fork every private page is shared read-only. The first write to a page by either side
// faults: do_wp_page() copies it (wp_page_copy) unless the writer holds the only reference
// (since 5.9 "reuse only if refcount == 1"; 5.19 PG_anon_exclusive), which is the case once the
// other process has exited. So with the other side alive
//
//   COW faults = pages written,  pages copied = pages written = ⌈f·S / 4 KiB⌉,  growth = f·S
//
// (whoever writes first gets the copy; the last sharer reuses the original). THP: since 5.8
// ("thp: change CoW semantics for anon-THP", do_huge_pmd_wp_page) a write to a shared huge page
// splits the PMD and copies only the 4 KiB page written — COW granularity is 4 KiB, not 2 MiB as
// folklore holds. Before 5.8 the fault copied the whole 2 MiB, so a contiguous range costs
// ⌈f·S / 2 MiB⌉ huge copies and spread writes can copy every huge page they touch.
//
// Assumptions: one child, private anonymous memory only, no KSM, no swap, no pinned (DMA) pages
// (fork copies maybe-pinned pages eagerly since 5.9), 2 MiB-aligned memory.
//
// Worked example: S = 1 GiB, f = 0.25, 4 KiB pages: fork copies 262144 PTEs into 514 tables
// (2.0 MiB); 65536 COW faults copy 65536 pages = 256 MiB; growth 258 MiB.
#include "model/fork_cow.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/page_tables.hpp"

namespace mmtune::model {
namespace {

// What the writes after fork fault and copy, and which rule and kernel function say so.
struct CowCopies {
  uint64_t faults = 0, copied = 0;  // copied in 4 KiB pages
  std::string fault_text, rule, kernel_function;
};

CowCopies cow_copies(const ForkShape& shape, uint64_t small_pages, uint64_t huge_ranges) {
  // Pages written after fork, in 4 KiB pages.
  const auto written =
      static_cast<uint64_t>(std::ceil(shape.written_fraction * double(small_pages)));
  CowCopies cow;
  if (shape.huge_pages && !kernel_at_least(shape.kernel, 5, 8)) {
    // Each first write to a huge page copies all of it; later writes there hit the private copy.
    const uint64_t touched = shape.spread_writes ? std::min(huge_ranges, written)
                                                 : div_round_up(written * kPageSize, kHugePageSize);
    cow = {touched, touched * kPagesPerHugePage, fmt::format("= {} huge pages written", touched),
           "kernel < 5.8: a write to a shared THP copies the whole 2 MiB",
           "do_huge_pmd_wp_page (mm/huge_memory.c, before 5.8)"};
  } else {
    cow = {written, shape.other_side_alive ? written : 0,
           fmt::format("= ⌈{:.3g} × {}⌉ = {} pages written", shape.written_fraction, small_pages,
                       written),
           shape.huge_pages
               ? "5.8+: a write to a shared THP splits the PMD and copies only the 4 KiB page"
               : "a write to a shared page copies it",
           shape.huge_pages ? "do_huge_pmd_wp_page → __split_huge_pmd → wp_page_copy"
                            : "do_wp_page → wp_page_copy (mm/memory.c)"};
  }
  if (!shape.other_side_alive) {
    cow.copied = 0;
    cow.rule = "the other process exited: the writer holds the only reference and reuses the page";
    cow.kernel_function = "do_wp_page → wp_can_reuse_anon_folio (refcount == 1)";
  }
  return cow;
}

}  // namespace

ForkPrediction predict_fork(const ForkShape& shape) {
  if (!(shape.written_fraction >= 0 && shape.written_fraction <= 1)) {
    fail(ErrorKind::bad_input, "fork: written fraction {} must be in [0, 1]",
         shape.written_fraction);
  }
  ForkPrediction out;
  const uint64_t small_pages = div_round_up(shape.rss_bytes, kPageSize);
  const uint64_t huge_ranges = div_round_up(shape.rss_bytes, kHugePageSize);

  const uint64_t entries = shape.huge_pages ? huge_ranges : small_pages;
  out.entries_copied = {
      "entries_copied",
      double(entries),
      "entries",
      {shape.huge_pages ? "fork copies one PMD per 2 MiB huge page"
                        : "fork copies one PTE per 4 KiB page",
       shape.huge_pages ? "copy_huge_pmd (mm/huge_memory.c)" : "copy_pte_range (mm/memory.c)",
       fmt::format("= {} / {} = {}", facts::format_bytes(shape.rss_bytes),
                   shape.huge_pages ? "2 MiB" : "4 KiB", entries)}};

  const PageTableFootprint tables = page_tables_for(shape.rss_bytes, huge_ranges);
  out.page_table_bytes = page_table_prediction(
      tables,
      shape.huge_pages ? "child's tables = (PTE tables deposited per huge PMD + PMD + PUD) × 4 KiB"
                       : "child's tables = (PTE tables per 2 MiB + PMD per 1 GiB + PUD) × 4 KiB",
      "copy_page_range (mm/memory.c)");

  const CowCopies cow = cow_copies(shape, small_pages, huge_ranges);
  out.cow_faults = {"cow_faults",
                    double(cow.faults),
                    "faults",
                    {"every first write to a write-protected shared page faults",
                     cow.kernel_function, cow.fault_text}};
  out.pages_copied = {
      "pages_copied",
      double(cow.copied),
      "pages",
      {cow.rule, cow.kernel_function,
       fmt::format("= {} ({})", cow.copied, facts::format_bytes(cow.copied * kPageSize))}};

  const uint64_t table_size = table_bytes(tables);
  const uint64_t growth = table_size + cow.copied * kPageSize;
  out.memory_growth_bytes = {
      "memory_growth_bytes",
      double(growth),
      "bytes",
      {"growth = child's page tables + pages copied × 4 KiB", "copy_page_range + wp_page_copy",
       fmt::format("= {} + {} = {}", facts::format_bytes(table_size),
                   facts::format_bytes(cow.copied * kPageSize), facts::format_bytes(growth))}};
  return out;
}

}  // namespace mmtune::model
