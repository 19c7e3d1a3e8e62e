#include "compare/stats.hpp"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "facts/error.hpp"

namespace mmtune::compare {
namespace {

constexpr double kExactLimit = 2e5;  // splits enumerated at most (C(18, 9) = 48 620)

double binomial(size_t n, size_t k) {
  double result = 1;
  for (size_t i = 1; i <= k; ++i) result = result * double(n - k + i) / double(i);
  return result;
}

double quantile(const std::vector<double>& sorted, double q) {
  const double position = q * double(sorted.size() - 1);
  const size_t below = static_cast<size_t>(std::floor(position));
  const size_t above = std::min(below + 1, sorted.size() - 1);
  const double weight = position - double(below);
  return sorted[below] * (1 - weight) + sorted[above] * weight;
}

// Midranks (1-based) of the pooled values: tied values share the mean of their ranks.
std::vector<double> midranks(const std::vector<double>& pooled) {
  std::vector<size_t> order(pooled.size());
  std::iota(order.begin(), order.end(), 0);
  std::sort(order.begin(), order.end(), [&](size_t x, size_t y) { return pooled[x] < pooled[y]; });
  std::vector<double> ranks(pooled.size());
  for (size_t i = 0; i < order.size();) {
    size_t j = i;
    while (j + 1 < order.size() && pooled[order[j + 1]] == pooled[order[i]]) ++j;
    const double rank = (double(i) + double(j)) / 2 + 1;
    for (size_t k = i; k <= j; ++k) ranks[order[k]] = rank;
    i = j + 1;
  }
  return ranks;
}

// Every rank sum a first sample of size k could have, drawn from ranks[from…]: the exact null
// distribution, walked recursively (the counts are small enough to enumerate).
void enumerate_sums(const std::vector<double>& ranks, size_t from, size_t k, double sum,
                    std::vector<double>& sums) {
  if (k == 0) {
    sums.push_back(sum);
    return;
  }
  for (size_t i = from; i + k <= ranks.size(); ++i)
    enumerate_sums(ranks, i + 1, k - 1, sum + ranks[i], sums);
}

double normal_upper_tail(double z) { return 0.5 * std::erfc(z / std::sqrt(2.0)); }

}  // namespace

double Summary::range_fraction() const { return median == 0 ? 0 : (max - min) / std::fabs(median); }

double median(std::span<const double> samples) {
  if (samples.empty()) fail(ErrorKind::internal, "median of no samples");
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  return quantile(sorted, 0.5);
}

Summary summarize(std::span<const double> samples) {
  if (samples.empty()) fail(ErrorKind::internal, "summary of no samples");
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  Summary s;
  s.n = sorted.size();
  s.median = quantile(sorted, 0.5);
  s.q1 = quantile(sorted, 0.25);
  s.q3 = quantile(sorted, 0.75);
  s.min = sorted.front();
  s.max = sorted.back();
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / double(s.n);
  if (s.n > 1) {
    double squares = 0;
    for (double x : sorted) squares += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(squares / double(s.n - 1));
  }
  return s;
}

MannWhitney mann_whitney_u(std::span<const double> a, std::span<const double> b) {
  if (a.empty() || b.empty()) fail(ErrorKind::internal, "Mann-Whitney U needs two samples");
  const size_t na = a.size(), nb = b.size(), n = na + nb;
  std::vector<double> pooled(a.begin(), a.end());
  pooled.insert(pooled.end(), b.begin(), b.end());
  const std::vector<double> ranks = midranks(pooled);
  const double rank_sum = std::accumulate(ranks.begin(), ranks.begin() + long(na), 0.0);
  const double offset = double(na) * double(na + 1) / 2;

  MannWhitney result;
  result.u = rank_sum - offset;
  const double mean_u = double(na) * double(nb) / 2;
  // Rank sums are multiples of 0.5: compare with a little slack against rounding.
  constexpr double kSlack = 1e-9;

  if (binomial(n, na) <= kExactLimit) {
    std::vector<double> sums;
    sums.reserve(static_cast<size_t>(binomial(n, na)));
    enumerate_sums(ranks, 0, na, 0, sums);
    double at_least = 0, at_most = 0, as_extreme = 0;
    const double distance = std::fabs(result.u - mean_u);
    for (double sum : sums) {
      const double u = sum - offset;
      at_least += u >= result.u - kSlack;
      at_most += u <= result.u + kSlack;
      as_extreme += std::fabs(u - mean_u) >= distance - kSlack;
    }
    const double total = double(sums.size());
    result.p_greater = at_least / total;
    result.p_less = at_most / total;
    result.p_two_sided = std::min(1.0, as_extreme / total);
    result.exact = true;
    return result;
  }

  // Normal approximation, variance corrected for ties, with a continuity correction of 1/2.
  std::vector<double> sorted = pooled;
  std::sort(sorted.begin(), sorted.end());
  double tie_term = 0;
  for (size_t i = 0; i < sorted.size();) {
    size_t j = i;
    while (j + 1 < sorted.size() && sorted[j + 1] == sorted[i]) ++j;
    const double t = double(j - i + 1);
    tie_term += t * t * t - t;
    i = j + 1;
  }
  const double variance =
      double(na) * double(nb) / 12 * (double(n) + 1 - tie_term / (double(n) * double(n - 1)));
  result.exact = false;
  if (variance <= 0) return result;  // every value equal: no evidence either way
  const double sd = std::sqrt(variance);
  result.p_greater = normal_upper_tail((result.u - mean_u - 0.5) / sd);
  result.p_less = normal_upper_tail((mean_u - result.u - 0.5) / sd);
  result.p_two_sided =
      std::min(1.0, 2 * normal_upper_tail((std::fabs(result.u - mean_u) - 0.5) / sd));
  return result;
}

double smallest_two_sided_p(size_t n_a, size_t n_b) {
  if (n_a == 0 || n_b == 0) return 1;
  return std::min(1.0, 2 / binomial(n_a + n_b, n_a));
}

}  // namespace mmtune::compare
