// The Bayesian-optimisation loop: starting settings, space-filling points, then expected
// improvement × probability of feasibility, with repeats where the noise decides.
#include "compare/optimize_search.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>
#include <set>

#include "compare/gaussian_process.hpp"
#include "facts/error.hpp"

namespace mmtune::compare {
namespace {

constexpr size_t kPoolRandom = 512;     // uniform candidates per acquisition step
constexpr size_t kPoolLocal = 64;       // perturbations of the incumbent per step
constexpr double kLocalSpread = 0.08;   // their standard deviation in unit-cube coordinates
constexpr double kContention = 2;       // noise standard deviations: "within the noise"
constexpr double kInterval = 1.959964;  // two-sided 95 % of the normal
constexpr int kMaxConfirmRuns = 6;
// The search ends when the largest expected improvement is below this fraction of one run's noise
// standard deviation: a gain of 0.1 σ would take about 1,500 runs per side to show at α = 0.05
// with 80 % power (2 (1.96 + 0.84)² / 0.1²), so no run is worth spending on it.
constexpr double kStopFraction = 0.1;

class Search {
 public:
  Search(const SearchSpec& spec, const Measure& measure)
      : spec_(spec), measure_(measure), rng_(spec.seed) {}
  SearchResult run();

 private:
  // One run of a setting; false when the search must stop.
  bool trial(const Setting& setting, TrialKind kind, std::string why,
             std::optional<double> ei = std::nullopt);
  size_t candidate_of(const Setting& setting, const std::string& key);
  void refit();
  double sign() const { return spec_.maximize ? -1 : 1; }
  // Estimate of a candidate in the search's sign (smaller is better): the GP's mean where it has a
  // point, else the median of its runs (the starting settings outside the domains: a run that met
  // cold memory must not make them look worse than they are).
  std::optional<double> estimate(const Candidate& c) const;
  bool feasible(const Candidate& c) const;
  std::optional<size_t> incumbent() const;
  std::optional<double> noise_sd() const;
  std::optional<size_t> contender_to_repeat() const;
  std::string key_of(const Setting& setting);
  std::optional<std::string> invalid(const Setting& setting);
  void space_filling();
  // The best candidate by acquisition; nullopt when the pool has none left.
  struct Choice {
    Setting setting;
    double acquisition = 0, ei = 0, feasibility = 1;
    size_t pool = 0;
  };
  std::optional<Choice> acquire();
  void finish();
  int runs_left() const { return spec_.budget - int(result_.trials.size()); }
  int confirm_runs() const;

  const SearchSpec& spec_;
  const Measure& measure_;
  std::mt19937_64 rng_;
  SearchResult result_;
  std::map<std::string, size_t> by_key_;
  std::set<std::string> failed_;
  std::map<std::string, std::string> key_cache_;  // setting label → key
  std::optional<GaussianProcess> gp_;
  std::vector<GaussianProcess> constraint_gps_;
  bool stop_ = false;
};

std::string Search::key_of(const Setting& setting) {
  const std::string label = setting_label(setting);
  auto it = key_cache_.find(label);
  if (it != key_cache_.end()) return it->second;
  return key_cache_[label] = spec_.rules.key(setting);
}

std::optional<std::string> Search::invalid(const Setting& setting) {
  return spec_.rules.invalid ? spec_.rules.invalid(setting) : std::nullopt;
}

size_t Search::candidate_of(const Setting& setting, const std::string& key) {
  auto it = by_key_.find(key);
  if (it != by_key_.end()) return it->second;
  result_.candidates.push_back(
      {setting, key, {}, std::vector<std::vector<double>>(spec_.constraints.size())});
  return by_key_[key] = result_.candidates.size() - 1;
}

bool Search::trial(const Setting& setting, TrialKind kind, std::string why,
                   std::optional<double> ei) {
  Trial t;
  t.index = int(result_.trials.size()) + 1;
  t.setting = setting;
  t.key = key_of(setting);
  t.kind = kind;
  t.why = std::move(why);
  t.expected_improvement = ei;
  t.measure = measure_(setting, t);
  Candidate& c = result_.candidates[candidate_of(setting, t.key)];
  if (t.measure.ok) {
    c.samples.push_back(t.measure.objective);
    for (size_t i = 0; i < spec_.constraints.size() && i < t.measure.constraint_values.size(); ++i)
      c.constraint_samples[i].push_back(t.measure.constraint_values[i]);
  } else {
    failed_.insert(t.key);
  }
  const bool stop = t.measure.stop;
  result_.trials.push_back(std::move(t));
  if (stop) {
    result_.interrupted = true;
    result_.stopped = "the run was stopped: " + result_.trials.back().measure.failure;
    return false;
  }
  refit();
  if (auto best = incumbent()) {
    if (auto e = estimate(result_.candidates[*best])) result_.trials.back().incumbent = sign() * *e;
  }
  return true;
}

void Search::refit() {
  std::vector<std::vector<double>> points;
  std::vector<double> values;
  std::vector<std::vector<double>> constraint_values(spec_.constraints.size());
  for (const Candidate& c : result_.candidates) {
    auto x = spec_.space.encode(c.setting);
    if (!x) continue;
    for (size_t s = 0; s < c.samples.size(); ++s) {
      points.push_back(*x);
      values.push_back(sign() * c.samples[s]);
      for (size_t i = 0; i < constraint_values.size(); ++i)
        constraint_values[i].push_back(c.constraint_samples[i][s]);
    }
  }
  gp_.reset();
  constraint_gps_.clear();
  if (points.empty()) return;
  GpFitOptions options;
  if (auto sd = noise_sd()) options.noise_variance = *sd * *sd;
  gp_ = GaussianProcess::fit(points, values, options);
  for (const std::vector<double>& v : constraint_values)
    constraint_gps_.push_back(GaussianProcess::fit(points, v));
}

std::optional<double> Search::estimate(const Candidate& c) const {
  if (c.samples.empty()) return std::nullopt;
  if (gp_) {
    if (auto x = spec_.space.encode(c.setting)) return gp_->predict(*x).mean;
  }
  return sign() * median(c.samples);
}

bool Search::feasible(const Candidate& c) const {
  for (size_t i = 0; i < spec_.constraints.size(); ++i) {
    const std::vector<double>& v = c.constraint_samples[i];
    if (v.empty() || i >= result_.constraint_bounds.size()) return false;
    const double mean = std::accumulate(v.begin(), v.end(), 0.0) / double(v.size());
    const double bound = result_.constraint_bounds[i];
    if (spec_.constraints[i].at_least ? mean < bound : mean > bound) return false;
  }
  return true;
}

std::optional<size_t> Search::incumbent() const {
  std::optional<size_t> best;
  double best_value = 0;
  for (size_t i = 0; i < result_.candidates.size(); ++i) {
    const Candidate& c = result_.candidates[i];
    auto e = estimate(c);
    if (!e || !feasible(c)) continue;
    if (!best || *e < best_value) {
      best = i;
      best_value = *e;
    }
  }
  return best;
}

// Pooled over every candidate measured more than once.
std::optional<double> Search::noise_sd() const {
  double squares = 0, degrees = 0;
  for (const Candidate& c : result_.candidates) {
    if (c.samples.size() < 2) continue;
    const Summary s = summarize(c.samples);
    squares += s.stddev * s.stddev * double(s.n - 1);
    degrees += double(s.n - 1);
  }
  if (degrees == 0) return std::nullopt;
  return std::sqrt(squares / degrees);
}

std::optional<size_t> Search::contender_to_repeat() const {
  const auto best = incumbent();
  const auto sd = noise_sd();
  if (!best || !sd) return std::nullopt;
  const double best_value = *estimate(result_.candidates[*best]);
  std::optional<size_t> pick;
  for (size_t i = 0; i < result_.candidates.size(); ++i) {
    const Candidate& c = result_.candidates[i];
    if (i == *best || c.samples.empty() || int(c.samples.size()) >= spec_.repeat_noise ||
        failed_.contains(c.key) || !feasible(c))
      continue;
    const double mean = sign() * std::accumulate(c.samples.begin(), c.samples.end(), 0.0) /
                        double(c.samples.size());
    if (std::fabs(mean - best_value) > kContention * *sd) continue;
    if (!pick || c.samples.size() < result_.candidates[*pick].samples.size()) pick = i;
  }
  return pick;
}

void Search::space_filling() {
  const size_t d = spec_.space.dimensions();
  size_t wanted =
      spec_.initial_points > 0 ? size_t(spec_.initial_points) : std::max<size_t>(3, d + 1);
  wanted = std::min(wanted, size_t(std::max(0, runs_left() - 1)));
  // A Latin hypercube of three times the points wanted, taken in order until enough are new.
  const size_t n = 3 * std::max<size_t>(wanted, 1);
  std::vector<std::vector<double>> points(n, std::vector<double>(d));
  std::uniform_real_distribution<double> unit(0, 1);
  for (size_t j = 0; j < d; ++j) {
    std::vector<size_t> strata(n);
    std::iota(strata.begin(), strata.end(), 0);
    std::shuffle(strata.begin(), strata.end(), rng_);
    for (size_t i = 0; i < n; ++i) points[i][j] = (double(strata[i]) + unit(rng_)) / double(n);
  }
  size_t taken = 0;
  for (size_t i = 0; i < n && taken < wanted && !stop_; ++i) {
    const Setting setting = spec_.space.decode(points[i]);
    if (invalid(setting)) {
      ++result_.pruned_invalid;
      continue;
    }
    if (by_key_.contains(key_of(setting))) {
      ++result_.pruned_equivalent;
      continue;
    }
    ++taken;
    stop_ =
        !trial(setting, TrialKind::space_filling,
               fmt::format("space-filling: point {} of {} of a Latin hypercube", taken, wanted));
  }
}

std::optional<Search::Choice> Search::acquire() {
  const size_t d = spec_.space.dimensions();
  std::vector<std::vector<double>> pool;
  std::uniform_real_distribution<double> unit(0, 1);
  for (size_t i = 0; i < kPoolRandom; ++i) {
    std::vector<double> x(d);
    for (double& v : x) v = unit(rng_);
    pool.push_back(std::move(x));
  }
  const auto best = incumbent();
  std::optional<std::vector<double>> centre;
  if (best) centre = spec_.space.encode(result_.candidates[*best].setting);
  std::normal_distribution<double> step(0, kLocalSpread);
  for (size_t i = 0; centre && i < kPoolLocal; ++i) {
    std::vector<double> x = *centre;
    for (double& v : x) v = std::clamp(v + step(rng_), 0.0, 1.0);
    pool.push_back(std::move(x));
  }
  const std::optional<double> best_value =
      best ? estimate(result_.candidates[*best]) : std::nullopt;
  std::set<std::string> seen;
  std::optional<Choice> choice;
  size_t evaluated = 0;
  for (const std::vector<double>& raw : pool) {
    const Setting setting = spec_.space.decode(raw);
    const std::string key = key_of(setting);
    if (!seen.insert(key).second || by_key_.contains(key)) {
      ++result_.pruned_equivalent;
      continue;
    }
    if (invalid(setting)) {
      ++result_.pruned_invalid;
      continue;
    }
    const std::vector<double> x = *spec_.space.encode(setting);
    Choice c{setting};
    for (size_t i = 0; i < constraint_gps_.size(); ++i) {
      const Posterior p = constraint_gps_[i].predict(x);
      const double bound = result_.constraint_bounds[i];
      const double z = p.sd > 0 ? (p.mean - bound) / p.sd : (p.mean >= bound ? 1e9 : -1e9);
      c.feasibility *= normal_cdf(spec_.constraints[i].at_least ? z : -z);
    }
    c.ei = gp_ && best_value ? expected_improvement(gp_->predict(x), *best_value) : 0;
    c.acquisition = best_value ? c.ei * c.feasibility : c.feasibility;
    ++evaluated;
    if (!choice || c.acquisition > choice->acquisition) choice = std::move(c);
  }
  if (choice) choice->pool = evaluated;
  return choice;
}

void Search::finish() {
  result_.noise_sd = noise_sd();
  result_.best = incumbent();
  for (size_t i = 0; i < result_.candidates.size(); ++i) {
    if (result_.candidates[i].key == key_of(spec_.start)) result_.start = i;
  }
  if (!result_.best) return;
  const Candidate& best = result_.candidates[*result_.best];
  const double mean = *estimate(best);
  double sd = 0;
  result_.estimate_source = "its runs";
  if (gp_) {
    if (auto x = spec_.space.encode(best.setting)) {
      sd = gp_->predict(*x).sd;
      result_.estimate_source = "the Gaussian process";
    }
  }
  if (sd == 0 && best.samples.size() > 1)
    sd = summarize(best.samples).stddev / std::sqrt(double(best.samples.size()));
  result_.estimate = sign() * mean;
  result_.low = std::min(sign() * (mean - kInterval * sd), sign() * (mean + kInterval * sd));
  result_.high = std::max(sign() * (mean - kInterval * sd), sign() * (mean + kInterval * sd));
  if (!result_.start || *result_.start == *result_.best) return;
  const Candidate& start = result_.candidates[*result_.start];
  if (start.samples.empty() || best.samples.empty()) return;
  if (sign() * median(best.samples) >= sign() * median(start.samples)) {
    // The model's favourite did not beat the starting settings where it counts, in the runs.
    result_.notes.push_back(fmt::format(
        "{} had the best estimate of the Gaussian process, but the median of its {} runs is not "
        "better than the starting settings': they stay the best",
        setting_label(best.setting), best.samples.size()));
    result_.best = result_.start;
    result_.estimate_source = "its runs";
    result_.estimate = median(start.samples);
    const Summary st = summarize(start.samples);
    const double half = kInterval * st.stddev / std::sqrt(double(st.n));
    result_.low = result_.estimate - half;
    result_.high = result_.estimate + half;
    return;
  }
  result_.versus_start = mann_whitney_u(best.samples, start.samples);
  const double base = median(start.samples);
  const double diff = median(best.samples) - base;
  result_.change = base != 0 ? diff / std::fabs(base) : (diff == 0 ? 0 : INFINITY);
  result_.significant = result_.versus_start->p_two_sided < kSweepAlpha &&
                        std::fabs(result_.change) >= kSweepMinEffect;
}

// Runs of the best for the final comparison: --repeat-noise, or more (up to 6) when the
// Mann-Whitney U test against the starting settings' runs could not reach p < α with that many
// (3 + 3: at best 0.1; 5 + 3: 0.036).
int Search::confirm_runs() const {
  const size_t start = result_.candidates.empty() ? 0 : result_.candidates.front().samples.size();
  for (int n = spec_.repeat_noise; n <= kMaxConfirmRuns; ++n) {
    if (smallest_two_sided_p(size_t(n), start) < kSweepAlpha) return n;
  }
  return spec_.repeat_noise;
}

SearchResult Search::run() {
  for (int r = 1; r <= spec_.repeat_noise && !stop_; ++r) {
    stop_ = !trial(spec_.start, TrialKind::start,
                   fmt::format("starting settings, run {} of {}: the reference and the noise", r,
                               spec_.repeat_noise));
  }
  const Candidate& start = result_.candidates.front();
  if (!stop_ && start.samples.empty()) {
    result_.stopped = "the starting settings failed: " + result_.trials.back().measure.failure;
    return result_;
  }
  for (size_t i = 0; i < spec_.constraints.size() && !stop_; ++i) {
    const Constraint& c = spec_.constraints[i];
    result_.constraint_bounds.push_back(
        c.of_baseline ? c.value * median(start.constraint_samples[i]) : c.value);
  }
  if (!stop_) refit();
  if (!stop_) space_filling();
  bool converged = false;
  while (!stop_ && runs_left() > 0) {
    const auto best = incumbent();
    // Candidate 0 is the starting settings: nothing to compare them with, nothing to confirm.
    const int deficit =
        best && *best != 0 ? confirm_runs() - int(result_.candidates[*best].samples.size()) : 0;
    // A new candidate needs confirm_runs() runs to be compared: fewer left, the search ends with
    // confirming the incumbent.
    const bool endgame = runs_left() < confirm_runs();
    if (best && deficit <= 0 && endgame && !converged) {
      result_.stopped =
          fmt::format("budget: {} run(s) left, too few to confirm a new best ({} runs)",
                      runs_left(), confirm_runs());
      break;
    }
    if (best && deficit > 0 && (runs_left() <= deficit || endgame || converged)) {
      const Candidate& c = result_.candidates[*best];
      stop_ = !trial(c.setting, TrialKind::confirm,
                     fmt::format("confirm the best: run {} of {} for the comparison with the "
                                 "starting settings",
                                 c.samples.size() + 1, confirm_runs()));
      continue;
    }
    if (converged) break;
    if (auto again = contender_to_repeat()) {
      const Candidate& c = result_.candidates[*again];
      stop_ =
          !trial(c.setting, TrialKind::noise_repeat,
                 fmt::format("repeat: its mean is within {}σ of the noise ({:.4g}) of the best; "
                             "run {} of {}",
                             kContention, *noise_sd(), c.samples.size() + 1, spec_.repeat_noise));
      continue;
    }
    const std::optional<Choice> choice = acquire();
    if (!choice) {
      result_.stopped = "every candidate of the space was measured";
      break;
    }
    const std::optional<double> sd = noise_sd();
    const double noise = sd ? *sd : std::sqrt(gp_ ? gp_->hyperparameters().noise_variance : 0.0);
    if (best && choice->ei * choice->feasibility < kStopFraction * noise) {
      result_.stopped = fmt::format(
          "the largest expected improvement ({:.4g}) is below {:g} of the noise's standard "
          "deviation ({:.4g})",
          choice->ei * choice->feasibility, kStopFraction, noise);
      converged = true;  // the incumbent is confirmed first, then the search ends
      continue;
    }
    stop_ = !trial(choice->setting, TrialKind::acquisition,
                   best ? fmt::format("expected improvement {:.4g} × P(feasible) {:.2f}: the "
                                      "largest of {} candidates",
                                      choice->ei, choice->feasibility, choice->pool)
                        : fmt::format("no feasible setting yet: P(feasible) {:.2f}, the largest "
                                      "of {} candidates",
                                      choice->feasibility, choice->pool),
                   choice->ei);
  }
  if (result_.stopped.empty()) result_.stopped = "budget";
  finish();
  return result_;
}

}  // namespace

std::string_view trial_kind_name(TrialKind kind) {
  switch (kind) {
    case TrialKind::start:
      return "start";
    case TrialKind::space_filling:
      return "space-filling";
    case TrialKind::acquisition:
      return "expected-improvement";
    case TrialKind::noise_repeat:
      return "noise-repeat";
    case TrialKind::confirm:
      return "confirm";
  }
  return "start";
}

void check_search_spec(const SearchSpec& spec) {
  if (spec.budget < 1) fail(ErrorKind::bad_input, "--budget: {} must be at least 1", spec.budget);
  if (spec.repeat_noise < 1 || spec.repeat_noise > 10) {
    fail(ErrorKind::bad_input, "--repeat-noise: {} must be between 1 and 10", spec.repeat_noise);
  }
  if (spec.budget <= spec.repeat_noise) {
    fail(ErrorKind::bad_input,
         "--budget: {} runs leave none for the search after the {} runs of the starting settings "
         "(--repeat-noise)",
         spec.budget, spec.repeat_noise);
  }
  if (spec.space.dimensions() == 0) fail(ErrorKind::bad_input, "--knob: give at least one");
}

SearchResult run_search(const SearchSpec& spec, const Measure& measure) {
  check_search_spec(spec);
  return Search(spec, measure).run();
}

}  // namespace mmtune::compare
