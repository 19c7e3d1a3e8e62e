#pragma once
// A Gaussian process regression on the unit cube for `mmtune optimize` (docs/optimize.md):
// Matérn 5/2 kernel with one length scale per dimension (ARD) plus a constant term for the unknown
// level of the function, a signal variance and a noise variance, all chosen by maximising the log
// marginal likelihood (NLopt's BOBYQA from a few fixed starting points, so a fit is deterministic);
// Cholesky factorisation by Eigen.
//
//   GaussianProcess gp = GaussianProcess::fit(points, values, {.noise_variance = 0.04});
//   Posterior p = gp.predict(x);  // mean and standard deviation of the latent function at x
//
// Values are standardised inside (mean 0, variance 1); predictions come back in their units.
#include <Eigen/Dense>
#include <optional>
#include <vector>

namespace mmtune::compare {

struct GpHyperparameters {
  std::vector<double> length_scales;  // in unit-cube coordinates
  double signal_variance = 1;         // in the values' units squared
  double noise_variance = 0;          // the same units: the measurement noise the fit settled on
};

struct GpFitOptions {
  // The noise variance measured by repeats, in the values' units squared: the fit starts there
  // and may not go below a quarter of it (repeats showed that much noise). nullopt: learned freely.
  std::optional<double> noise_variance;
};

struct Posterior {
  double mean = 0;
  double sd = 0;  // of the latent function, without the measurement noise
};

class GaussianProcess {
 public:
  // points: one row per observation, in [0, 1]^d; several rows may be equal (repeats). Needs at
  // least one observation; Error{internal} otherwise.
  static GaussianProcess fit(const std::vector<std::vector<double>>& points,
                             const std::vector<double>& values, const GpFitOptions& options = {});

  Posterior predict(const std::vector<double>& x) const;
  const GpHyperparameters& hyperparameters() const { return hyper_; }
  double log_marginal_likelihood() const { return log_likelihood_; }

 private:
  Eigen::MatrixXd points_;
  Eigen::VectorXd alpha_;     // K⁻¹ (y − mean), standardised
  Eigen::MatrixXd cholesky_;  // lower factor of K + σn² I (standardised)
  Eigen::VectorXd inverse_length_;
  double signal_ = 1, noise_ = 0;  // standardised variances
  double y_mean_ = 0, y_scale_ = 1;
  double log_likelihood_ = 0;
  GpHyperparameters hyper_;
};

// Matérn 5/2 correlation at scaled distance r: (1 + √5 r + 5r²/3) e^(−√5 r).
double matern52(double r);

// Expected improvement of a minimisation below best, for a posterior (mean, sd): the mean of
// max(0, best − f). 0 when sd is 0 and mean ≥ best.
double expected_improvement(const Posterior& posterior, double best);
// Standard normal cumulative distribution.
double normal_cdf(double z);

}  // namespace mmtune::compare
