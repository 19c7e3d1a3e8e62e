#pragma once
// The statistics behind `mmtune sweep` and `mmtune check`: a summary of repeated measurements, and
// the Mann-Whitney U test (Wilcoxon rank-sum) that says whether two sets of repeats differ.
//
// Why Mann-Whitney U and not Welch's t: timings on a shared VM are skewed and have outliers (a run
// that met cold memory is 2.5–12× slower, docs/workloads.md), and a rank test is not dragged by
// one such run, nor does it assume normal errors. With few repeats the exact distribution of U is
// enumerated (every way to split the pooled ranks, midranks for ties), so the p-value is exact at
// n = 5 + 5: the smallest two-sided p there is 2/252 ≈ 0.008, the smallest one-sided 1/252. Below
// 4 + 4 no split can reach p < 0.05 two-sided, which callers report rather than guess.
#include <cstddef>
#include <optional>
#include <span>
#include <vector>

namespace mmtune::compare {

struct Summary {
  size_t n = 0;
  double median = 0, mean = 0;
  double stddev = 0;  // sample standard deviation (n − 1); 0 when n < 2
  double min = 0, max = 0;
  double q1 = 0, q3 = 0;  // quartiles, linear interpolation between order statistics
  // (max − min) / |median|: the spread people read beside a median; 0 when the median is 0.
  double range_fraction() const;
};

// Throws Error{internal} for an empty sample (a caller's bug).
Summary summarize(std::span<const double> samples);
double median(std::span<const double> samples);

struct MannWhitney {
  double u = 0;  // U of the first sample: pairs (a, b) with a > b, ties counting one half
  double p_two_sided = 1;
  double p_greater = 1;  // H1: the first sample tends to be larger than the second
  double p_less = 1;     // H1: the first sample tends to be smaller
  bool exact = true;     // false: normal approximation with tie and continuity correction
};

// Compares a with b. Exact when C(n_a + n_b, n_a) ≤ 2·10^5 (up to 10 + 10 repeats), else normal
// approximation. Throws Error{internal} when either sample is empty.
MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b);

// The smallest two-sided p-value any outcome can have with these sample sizes (no ties): whether
// a test at level alpha can find anything at all.
double smallest_two_sided_p(size_t n_a, size_t n_b);

}  // namespace mmtune::compare
