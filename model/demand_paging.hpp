#pragma once
// Demand paging of anonymous memory: how many faults first touches take, what becomes resident and
// what the page tables cost. See the essay in demand_paging.cpp.
#include <cstdint>

#include "model/prediction.hpp"

namespace mmtune::model {

enum class AccessPattern { sequential, random, strided };

struct DemandPagingShape {
  uint64_t region_bytes = 0;  // the anonymous mapping, assumed 2 MiB-aligned
  AccessPattern pattern = AccessPattern::sequential;
  uint64_t stride_bytes = kPageSize;  // strided: distance between touches
  uint64_t random_touches = 0;        // random: touches, uniform over the region
  uint64_t page_bytes = kPageSize;    // kPageSize, or kHugePageSize when faults get PMD THPs
  bool writes = true;                 // false: read faults map the shared zero page
  int threads = 1;                    // threads sharing the touches (does not change counts)
};

struct DemandPagingPrediction {
  uint64_t pages_touched = 0;   // distinct pages (of page_bytes) touched
  Prediction faults;            // first-touch page faults (minor faults)
  Prediction rss_bytes;         // resident anonymous memory afterwards
  Prediction page_table_bytes;  // page tables allocated (VmPTE / PageTables growth)
};

// Throws Error{bad_input} for a zero region, a zero stride, or a page size other than 4 KiB or 2
// MiB.
DemandPagingPrediction predict_demand_paging(const DemandPagingShape& shape);

}  // namespace mmtune::model
