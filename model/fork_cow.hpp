#pragma once
// fork() and copy-on-write: what fork copies, what later writes copy, and how memory grows.
// See the essay in fork_cow.cpp.
#include <cstdint>

#include "model/prediction.hpp"

namespace mmtune::model {

struct ForkShape {
  uint64_t rss_bytes = 0;         // private anonymous memory resident in the parent (2 MiB-aligned)
  double written_fraction = 0;    // f: the part of it written after fork (by parent or child)
  bool spread_writes = false;     // false: one contiguous f·S range; true: f of the pages, spread
                                  // evenly (one write per touched 4 KiB page)
  bool huge_pages = false;        // the memory is PMD-mapped THP
  bool other_side_alive = true;   // false: the other process exited before the writes (no copies)
  facts::KernelInfo kernel = {};  // COW of THP changed in 5.8
};

struct ForkPrediction {
  Prediction entries_copied;    // PTEs (or huge PMDs) fork copies: its cost is proportional to this
  Prediction page_table_bytes;  // the child's page tables, allocated by fork
  Prediction cow_faults;        // write faults after fork
  Prediction pages_copied;      // 4 KiB pages copied by those faults
  Prediction memory_growth_bytes;  // page tables + copies
};

// Throws Error{bad_input} when written_fraction is outside [0, 1].
ForkPrediction predict_fork(const ForkShape& shape);

}  // namespace mmtune::model
