// Gaussian process regression: the kernel, the marginal likelihood and its maximisation, the
// posterior.
#include "compare/gaussian_process.hpp"

#include <nlopt.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numbers>

#include "facts/error.hpp"

namespace mmtune::compare {
namespace {

// Hyperparameter bounds, in standardised units and unit-cube coordinates: a length scale below
// 0.03 would fit noise between neighbouring trials, above 20 the dimension does not matter.
constexpr double kMinLength = 0.03, kMaxLength = 20;
constexpr double kMinSignal = 1e-3, kMaxSignal = 20;
constexpr double kMinNoise = 1e-6, kMaxNoise = 4;
constexpr double kJitter = 1e-9;  // on the diagonal, for a factorisation that always succeeds
// A constant term of the covariance (standardised): the level of the function is unknown, not the
// sample mean. Without it a fit that calls everything noise (signal variance at its bound) would
// claim to know the function to within that tiny signal variance everywhere.
constexpr double kLevelVariance = 1;

struct Data {
  Eigen::MatrixXd x;
  Eigen::VectorXd y;  // standardised
  double noise_floor = kMinNoise;
};

Eigen::MatrixXd covariance(const Eigen::MatrixXd& a, const Eigen::MatrixXd& b,
                           const Eigen::VectorXd& inverse_length, double signal) {
  Eigen::MatrixXd k(a.rows(), b.rows());
  for (Eigen::Index i = 0; i < a.rows(); ++i) {
    for (Eigen::Index j = 0; j < b.rows(); ++j) {
      const double r = ((a.row(i) - b.row(j)).transpose().cwiseProduct(inverse_length)).norm();
      k(i, j) = signal * matern52(r) + kLevelVariance;
    }
  }
  return k;
}

struct Factor {
  Eigen::MatrixXd lower;
  Eigen::VectorXd alpha;
  double log_likelihood = -std::numeric_limits<double>::infinity();
};

// theta = log length scales…, log signal variance, log noise variance.
Factor factorise(const Data& data, const std::vector<double>& theta) {
  const Eigen::Index d = data.x.cols(), n = data.x.rows();
  Eigen::VectorXd inverse_length(d);
  for (Eigen::Index i = 0; i < d; ++i) inverse_length(i) = std::exp(-theta[size_t(i)]);
  const double signal = std::exp(theta[size_t(d)]);
  const double noise = std::exp(theta[size_t(d) + 1]);
  Eigen::MatrixXd k = covariance(data.x, data.x, inverse_length, signal);
  k.diagonal().array() += noise + kJitter;
  Eigen::LLT<Eigen::MatrixXd> llt(k);
  Factor f;
  if (llt.info() != Eigen::Success) return f;
  f.lower = llt.matrixL();
  f.alpha = llt.solve(data.y);
  f.log_likelihood = -0.5 * data.y.dot(f.alpha) - f.lower.diagonal().array().log().sum() -
                     0.5 * double(n) * std::log(2 * std::numbers::pi);
  return f;
}

double negative_log_likelihood(unsigned n, const double* theta, double* gradient, void* data) {
  (void)gradient;  // BOBYQA is derivative-free
  const Factor f =
      factorise(*static_cast<const Data*>(data), std::vector<double>(theta, theta + n));
  return std::isfinite(f.log_likelihood) ? -f.log_likelihood : 1e30;
}

// Maximises the marginal likelihood from a few fixed starting points: short, medium and long
// length scales, each with moderate noise.
std::vector<double> best_hyperparameters(const Data& data, double noise_start) {
  const size_t d = size_t(data.x.cols()), n = d + 2;
  std::vector<double> lower(n), upper(n);
  for (size_t i = 0; i < d; ++i) {
    lower[i] = std::log(kMinLength);
    upper[i] = std::log(kMaxLength);
  }
  lower[d] = std::log(kMinSignal);
  upper[d] = std::log(kMaxSignal);
  lower[d + 1] = std::log(data.noise_floor);
  upper[d + 1] = std::log(kMaxNoise);
  std::vector<double> best;
  double best_value = std::numeric_limits<double>::infinity();
  for (double length : {0.15, 0.4, 1.2}) {
    std::vector<double> theta(n, std::log(length));
    theta[d] = 0;
    theta[d + 1] = std::log(std::clamp(noise_start, data.noise_floor * 1.01, kMaxNoise * 0.99));
    nlopt_opt opt = nlopt_create(NLOPT_LN_BOBYQA, unsigned(n));
    nlopt_set_lower_bounds(opt, lower.data());
    nlopt_set_upper_bounds(opt, upper.data());
    nlopt_set_min_objective(opt, negative_log_likelihood, const_cast<Data*>(&data));
    nlopt_set_xtol_rel(opt, 1e-4);
    nlopt_set_maxeval(opt, 400);
    double value = 0;
    const nlopt_result result = nlopt_optimize(opt, theta.data(), &value);
    nlopt_destroy(opt);
    if (result < 0)
      value = negative_log_likelihood(unsigned(n), theta.data(), nullptr, const_cast<Data*>(&data));
    if (value < best_value) {
      best_value = value;
      best = theta;
    }
  }
  return best;
}

}  // namespace

double matern52(double r) {
  const double s = std::sqrt(5.0) * r;
  return (1 + s + s * s / 3) * std::exp(-s);
}

double normal_cdf(double z) { return 0.5 * std::erfc(-z / std::numbers::sqrt2); }

double expected_improvement(const Posterior& posterior, double best) {
  const double gain = best - posterior.mean;
  if (posterior.sd <= 0) return std::max(0.0, gain);
  const double z = gain / posterior.sd;
  const double density = std::exp(-0.5 * z * z) / std::sqrt(2 * std::numbers::pi);
  return std::max(0.0, gain * normal_cdf(z) + posterior.sd * density);
}

GaussianProcess GaussianProcess::fit(const std::vector<std::vector<double>>& points,
                                     const std::vector<double>& values,
                                     const GpFitOptions& options) {
  if (points.empty() || points.size() != values.size())
    fail(ErrorKind::internal, "a Gaussian process needs as many values as points, at least one");
  const Eigen::Index n = Eigen::Index(points.size()), d = Eigen::Index(points.front().size());
  GaussianProcess gp;
  gp.points_.resize(n, d);
  for (Eigen::Index i = 0; i < n; ++i)
    for (Eigen::Index j = 0; j < d; ++j) gp.points_(i, j) = points[size_t(i)][size_t(j)];
  Eigen::VectorXd y = Eigen::Map<const Eigen::VectorXd>(values.data(), n);
  gp.y_mean_ = y.mean();
  const double spread =
      n > 1 ? std::sqrt((y.array() - gp.y_mean_).square().sum() / double(n - 1)) : 0.0;
  // All values equal (or one value): scale by the measured noise, else by 1.
  gp.y_scale_ = spread > 0 ? spread
                           : (options.noise_variance && *options.noise_variance > 0
                                  ? std::sqrt(*options.noise_variance)
                                  : 1.0);
  Data data{gp.points_, (y.array() - gp.y_mean_) / gp.y_scale_, kMinNoise};
  const double scale2 = gp.y_scale_ * gp.y_scale_;
  double noise_start = 0.1;
  if (options.noise_variance && *options.noise_variance > 0) {
    noise_start = *options.noise_variance / scale2;
    data.noise_floor = std::clamp(noise_start / 4, kMinNoise, kMaxNoise / 2);
  }
  const std::vector<double> theta = best_hyperparameters(data, noise_start);
  const Factor f = factorise(data, theta);
  if (!std::isfinite(f.log_likelihood))
    fail(ErrorKind::internal, "Gaussian process: the covariance is not positive definite");
  gp.inverse_length_.resize(d);
  for (Eigen::Index i = 0; i < d; ++i) {
    gp.inverse_length_(i) = std::exp(-theta[size_t(i)]);
    gp.hyper_.length_scales.push_back(std::exp(theta[size_t(i)]));
  }
  gp.signal_ = std::exp(theta[size_t(d)]);
  gp.noise_ = std::exp(theta[size_t(d) + 1]);
  gp.hyper_.signal_variance = gp.signal_ * scale2;
  gp.hyper_.noise_variance = gp.noise_ * scale2;
  gp.cholesky_ = f.lower;
  gp.alpha_ = f.alpha;
  gp.log_likelihood_ = f.log_likelihood - double(n) * std::log(gp.y_scale_);
  return gp;
}

Posterior GaussianProcess::predict(const std::vector<double>& x) const {
  Eigen::MatrixXd point = Eigen::Map<const Eigen::RowVectorXd>(x.data(), Eigen::Index(x.size()));
  const Eigen::VectorXd k = covariance(points_, point, inverse_length_, signal_).col(0);
  const Eigen::VectorXd v = cholesky_.triangularView<Eigen::Lower>().solve(k);
  const double variance = std::max(0.0, signal_ + kLevelVariance - v.squaredNorm());
  return {y_mean_ + y_scale_ * k.dot(alpha_), y_scale_ * std::sqrt(variance)};
}

}  // namespace mmtune::compare
