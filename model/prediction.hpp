#pragma once
// What every model function returns: a number, its unit, and why. The explanation names the rule,
// the kernel function it mirrors and the arithmetic with this case's numbers, short enough to print
// in one or two lines of a report:
//   low = min + max(min/4, managed·wsf/10000) = 60 + max(15, 3) = 75 pages
//   mirrors __setup_per_zone_wmarks (mm/page_alloc.c)
#include <cstdint>
#include <string>

#include "facts/facts.hpp"

namespace mmtune::model {

using facts::kGiB;
using facts::kKiB;
using facts::kMiB;
using facts::kPageSize;

inline constexpr uint64_t kHugePageSize = 2 * kMiB;  // PMD-mapped THP on x86_64
inline constexpr uint64_t kPagesPerHugePage =
    kHugePageSize / kPageSize;            // 512 = pageblock_nr_pages
inline constexpr uint64_t kPteBytes = 8;  // one page-table entry

struct Explanation {
  std::string rule;             // the formula: "low = min + max(min/4, managed·wsf/10000)"
  std::string kernel_function;  // what it mirrors: "__setup_per_zone_wmarks (mm/page_alloc.c)"
  std::string text;             // this case: "= 60 + max(15, 3) = 75 pages"
};

struct Prediction {
  std::string name;  // "faults", "zone Normal low watermark"
  double value = 0;  // exact for integers below 2^53
  std::string unit;  // "faults", "pages", "bytes", "ratio", "x"
  Explanation why;
};

// "faults: 262144 faults (1 GiB / 4 KiB) — mirrors do_anonymous_page": the rule's arithmetic on the
// first line, the kernel function on the second.
std::string describe(const Prediction& prediction);
// "38400 pages (150.0 MiB)".
std::string format_pages(uint64_t pages);

// True when the kernel is at least major.minor. An unknown kernel (release "" → 0.0) counts as new:
// the model then describes the current upstream behaviour.
bool kernel_at_least(const facts::KernelInfo& kernel, int major, int minor);

uint64_t div_round_up(uint64_t value, uint64_t divisor);

}  // namespace mmtune::model
