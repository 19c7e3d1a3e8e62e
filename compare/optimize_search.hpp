#pragma once
// The search of `mmtune optimize`, apart from the host (docs/optimize.md): Bayesian optimisation
// with a Gaussian process and expected improvement, noise-aware, with constraints as probability
// of feasibility. The caller measures: run_search calls measure(setting) for every trial, so the
// same loop runs a workload on the host or a synthetic function in a test.
//
// The trials, in order:
//   1. the starting settings (the host's own values), --repeat-noise times: the noise of one run,
//      the baseline of relative constraints and of the final comparison;
//   2. a few space-filling points (a Latin hypercube of the unit cube, seeded);
//   3. the candidate with the largest EI × P(feasible) among a seeded random pool and
//      perturbations of the incumbent, one candidate per equivalence key (the model's thresholds);
//      when a measured candidate's mean is within two noise standard deviations of the
//      incumbent's, it is measured again (up to --repeat-noise times) before the search moves on;
//   4. at the end, the incumbent is measured until it has --repeat-noise runs, for the comparison
//      with the starting settings by the Mann-Whitney U test.
// It stops at the budget, or when the largest expected improvement is below the noise's standard
// deviation (nothing left that one run could tell apart).
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "compare/optimize_space.hpp"
#include "compare/stats.hpp"

namespace mmtune::compare {

struct TrialMeasure {
  bool ok = false;                        // false: the run failed; the candidate is not tried again
  std::string failure;                    // why, when not ok
  double objective = 0;                   // in the objective's unit
  std::vector<double> constraint_values;  // one per constraint, in its metric's unit
  bool stop = false;  // the search must end now (interrupted, the governor stopped the run)
};

struct SearchSpec {
  SearchSpace space;
  CandidateRules rules;
  Setting start;  // the starting settings; may lie outside the domains (then not a GP point)
  bool maximize = false;
  std::vector<Constraint> constraints;
  int budget = 30;       // workload runs in all, the starting settings' included
  int repeat_noise = 3;  // runs of the starting settings, and most runs of one candidate
  uint64_t seed = 1;
  int initial_points = 0;  // space-filling points; 0: max(3, dimensions + 1), within the budget
};

enum class TrialKind { start, space_filling, acquisition, noise_repeat, confirm };
std::string_view trial_kind_name(TrialKind kind);

struct Trial {
  int index = 0;  // from 1
  Setting setting;
  std::string key;  // the equivalence key
  TrialKind kind = TrialKind::start;
  std::string why;  // why this candidate was chosen, in words with the numbers
  std::optional<double> expected_improvement;  // at the time it was chosen (acquisition trials)
  TrialMeasure measure;
  std::optional<double> incumbent;  // the incumbent's estimate after this trial
};

struct Candidate {
  Setting setting;
  std::string key;
  std::vector<double> samples;                          // objective values of its ok runs
  std::vector<std::vector<double>> constraint_samples;  // per constraint
};

struct SearchResult {
  std::vector<Trial> trials;
  std::vector<Candidate> candidates;       // every measured key, in first-measured order
  std::optional<size_t> best;              // index into candidates: the incumbent at the end
  std::optional<size_t> start;             // index of the starting settings
  double estimate = 0, low = 0, high = 0;  // the GP's mean and 95 % interval at the best
  std::string
      estimate_source;  // "the Gaussian process", or "its runs" (median; the mean's interval)
  std::optional<double> noise_sd;           // of one run, from the repeats
  std::vector<double> constraint_bounds;    // resolved (baseline × factor), one per constraint
  std::optional<MannWhitney> versus_start;  // best's runs against the starting settings'
  double change = 0;                        // (best median − start median) / |start median|
  bool significant = false;                 // p < 0.05 and |change| ≥ 5 % (as sweep)
  size_t pruned_equivalent = 0;    // pool candidates the model mapped onto a key already known
  size_t pruned_invalid = 0;       // pool candidates the model rejected
  std::string stopped;             // "budget", "expected improvement below the noise", …
  std::vector<std::string> notes;  // e.g. the GP's favourite lost to the starting settings
  bool interrupted = false;
};

using Measure = std::function<TrialMeasure(const Setting& setting, const Trial& trial)>;

// Throws Error{bad_input} for a budget below 1, a repeat count outside 1..10, a budget that leaves
// nothing after the starting settings' runs, an empty space.
void check_search_spec(const SearchSpec& spec);
// check_search_spec, then the search.
SearchResult run_search(const SearchSpec& spec, const Measure& measure);

}  // namespace mmtune::compare
