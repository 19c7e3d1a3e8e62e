// The statistics behind sweep and check: summaries, and Mann-Whitney U against p-values
// enumerated independently (a brute-force Python enumeration of every split, recorded here).
#include "compare/stats.hpp"

#include <gtest/gtest.h>

#include <vector>

#include "facts/error.hpp"

namespace mmtune::compare {
namespace {

TEST(Stats, SummaryOfOddAndEvenSamples) {
  std::vector<double> odd = {5, 1, 4, 2, 3};
  Summary s = summarize(odd);
  EXPECT_EQ(s.n, 5u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.q1, 2);
  EXPECT_DOUBLE_EQ(s.q3, 4);
  EXPECT_NEAR(s.stddev, 1.5811388, 1e-6);
  EXPECT_NEAR(s.range_fraction(), 4.0 / 3, 1e-12);
  std::vector<double> even = {10, 40, 20, 30};
  EXPECT_DOUBLE_EQ(median(even), 25);
  EXPECT_THROW(summarize(std::vector<double>{}), Error);
}

TEST(Stats, FullySeparatedFiveAndFiveIsTheSmallestP) {
  std::vector<double> low = {1, 2, 3, 4, 5}, high = {6, 7, 8, 9, 10};
  MannWhitney t = mann_whitney_u(low, high);
  EXPECT_TRUE(t.exact);
  EXPECT_DOUBLE_EQ(t.u, 0);
  EXPECT_NEAR(t.p_less, 1.0 / 252, 1e-12);
  EXPECT_NEAR(t.p_greater, 1.0, 1e-12);
  EXPECT_NEAR(t.p_two_sided, 2.0 / 252, 1e-12);
  MannWhitney reverse = mann_whitney_u(high, low);
  EXPECT_DOUBLE_EQ(reverse.u, 25);
  EXPECT_NEAR(reverse.p_greater, 1.0 / 252, 1e-12);
  EXPECT_NEAR(smallest_two_sided_p(5, 5), 2.0 / 252, 1e-12);
  EXPECT_GT(smallest_two_sided_p(3, 3), 0.05) << "3 + 3 repeats can never reach p < 0.05";
  EXPECT_LT(smallest_two_sided_p(4, 4), 0.05);
}

TEST(Stats, TiesUseMidranksAndTheExactPermutationDistribution) {
  // Reference: every split of the pooled midranks enumerated in Python.
  std::vector<double> a = {1, 2, 2, 3}, b = {2, 3, 4, 4};
  MannWhitney t = mann_whitney_u(a, b);
  EXPECT_DOUBLE_EQ(t.u, 2.5);
  EXPECT_NEAR(t.p_less, 0.1, 1e-12);
  EXPECT_NEAR(t.p_greater, 0.9857142857142858, 1e-12);
  EXPECT_NEAR(t.p_two_sided, 0.2, 1e-12);

  std::vector<double> c = {10, 12, 11, 13, 15}, d = {11, 14, 16, 17, 12};
  MannWhitney overlap = mann_whitney_u(c, d);
  EXPECT_DOUBLE_EQ(overlap.u, 7);
  EXPECT_NEAR(overlap.p_less, 0.14285714285714285, 1e-12);
  EXPECT_NEAR(overlap.p_two_sided, 0.2857142857142857, 1e-12);
}

TEST(Stats, ConstantSamplesDifferOnlyWhenTheirValuesDo) {
  std::vector<double> same = {5, 5, 5, 5, 5};
  MannWhitney t = mann_whitney_u(same, same);
  EXPECT_DOUBLE_EQ(t.p_two_sided, 1);
  EXPECT_DOUBLE_EQ(t.p_greater, 1);
  // A deterministic count (minor faults) that moved in every repeat: as extreme as 5 + 5 allows.
  std::vector<double> more = {7, 7, 7, 7, 7};
  MannWhitney moved = mann_whitney_u(more, same);
  EXPECT_NEAR(moved.p_greater, 1.0 / 252, 1e-12);
  EXPECT_NEAR(moved.p_two_sided, 2.0 / 252, 1e-12);
}

TEST(Stats, NormalApproximationIsCloseToTheExactValue) {
  // 11 + 11: C(22, 11) = 705 432 splits, above the exact limit. Exact reference (Python):
  // two-sided 0.047307, one-sided 0.023654.
  std::vector<double> a = {1, 2, 4, 5, 7, 9, 10, 12, 14, 15, 17};
  std::vector<double> b = {3, 6, 8, 11, 13, 16, 18, 19, 20, 21, 22};
  MannWhitney t = mann_whitney_u(a, b);
  EXPECT_FALSE(t.exact);
  EXPECT_DOUBLE_EQ(t.u, 30);
  EXPECT_NEAR(t.p_two_sided, 0.047307, 0.004);
  EXPECT_NEAR(t.p_less, 0.023654, 0.002);
}

}  // namespace
}  // namespace mmtune::compare
