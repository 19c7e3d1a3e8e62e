// `mmtune optimize`'s library on known functions: the search finds the optimum of noisy synthetic
// objectives within its budget for several seeds, honours constraints, measures equivalent
// settings once, and rejects bad input; the Gaussian process fits what it is given.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <numbers>
#include <random>
#include <set>

#include "compare/gaussian_process.hpp"
#include "compare/optimize_search.hpp"
#include "compare/optimize_space.hpp"
#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::compare {
namespace {

using test::error_of;

KnobDomain integer_domain(std::string name, int64_t lo, int64_t hi, Scale scale = Scale::linear) {
  KnobDomain d;
  d.knob = std::move(name);
  d.lo = lo;
  d.hi = hi;
  d.scale = scale;
  return d;
}

double value_of(const Setting& s, std::string_view knob) {
  for (const auto& [name, value] : s)
    if (name == knob) return std::stod(value);
  return NAN;
}

// A synthetic objective with Gaussian noise of sd `noise`, seeded apart from the search.
Measure noisy(std::function<double(const Setting&)> f, double noise, uint64_t seed,
              std::function<std::vector<double>(const Setting&)> constraints = {}) {
  auto rng = std::make_shared<std::mt19937_64>(seed * 7919 + 17);
  return [=](const Setting& s, const Trial&) {
    std::normal_distribution<double> n(0, noise);
    TrialMeasure m;
    m.ok = true;
    m.objective = f(s) + n(*rng);
    if (constraints) m.constraint_values = constraints(s);
    return m;
  };
}

// (x − 637)² / 1000 on 0..1000: minimum 0 at 637, 1000 runs of a grid at step 1.
double quadratic(const Setting& s) {
  const double x = value_of(s, "x");
  return (x - 637) * (x - 637) / 1000;
}

// Branin on [−5, 10] × [0, 15], the knobs in hundredths: minimum 0.397887 at three points.
double branin(const Setting& s) {
  const double x1 = -5 + value_of(s, "a") / 100, x2 = value_of(s, "b") / 100;
  const double b = 5.1 / (4 * std::numbers::pi * std::numbers::pi), c = 5 / std::numbers::pi;
  const double t = 1 / (8 * std::numbers::pi);
  return std::pow(x2 - b * x1 * x1 + c * x1 - 6, 2) + 10 * (1 - t) * std::cos(x1) + 10;
}

SearchSpec quadratic_spec(uint64_t seed) {
  SearchSpec spec;
  spec.space = SearchSpace({integer_domain("x", 0, 1000)});
  spec.rules = literal_rules();
  spec.start = {{"x", "100"}};
  spec.budget = 20;
  spec.repeat_noise = 3;
  spec.seed = seed;
  return spec;
}

const Candidate& best_of(const SearchResult& r) { return r.candidates.at(r.best.value()); }

TEST(OptimizeSearch, FindsTheMinimumOfANoisyQuadraticForEverySeed) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    const SearchSpec spec = quadratic_spec(seed);
    const SearchResult r = run_search(spec, noisy(quadratic, 2, seed));
    EXPECT_LE(int(r.trials.size()), spec.budget);
    const double x = value_of(best_of(r).setting, "x");
    // Within the noise: (x − 637)²/1000 ≤ 2 (one noise sd) ⇔ |x − 637| ≤ 45.
    EXPECT_LE(quadratic(best_of(r).setting), 2.0) << "seed " << seed << " best x " << x;
    std::string kinds;
    for (const Trial& t : r.trials)
      kinds += std::string(trial_kind_name(t.kind)) + "(" + setting_label(t.setting) + ") ";
    EXPECT_TRUE(r.significant) << "seed " << seed << " " << r.stopped << " "
                               << best_of(r).samples.size() << " " << kinds;
    EXPECT_LT(r.low, r.high);
  }
}

TEST(OptimizeSearch, FindsAMinimumOfNoisyBraninForEverySeed) {
  for (uint64_t seed = 1; seed <= 5; ++seed) {
    SearchSpec spec;
    spec.space = SearchSpace({integer_domain("a", 0, 1500), integer_domain("b", 0, 1500)});
    spec.rules = literal_rules();
    spec.start = {{"a", "1000"}, {"b", "1000"}};
    spec.budget = 40;
    spec.seed = seed;
    const SearchResult r = run_search(spec, noisy(branin, 1, seed));
    // The range of Branin over the box is 0.4 .. 308; the start is at 66.
    std::string kinds;
    for (const Trial& t : r.trials)
      kinds += std::string(trial_kind_name(t.kind)) + "(" + setting_label(t.setting) + ") ";
    EXPECT_LE(branin(best_of(r).setting), 0.397887 + 2.5)
        << "seed " << seed << " best " << setting_label(best_of(r).setting) << " " << r.stopped
        << " " << kinds;
  }
}

TEST(OptimizeSearch, MaximisesWhenAsked) {
  SearchSpec spec = quadratic_spec(3);
  spec.maximize = true;
  const SearchResult r =
      run_search(spec, noisy([](const Setting& s) { return 500 - quadratic(s); }, 2, 3));
  EXPECT_LE(quadratic(best_of(r).setting), 2.0);
  EXPECT_GT(r.estimate, 490);
  EXPECT_GT(r.change, 0);
}

TEST(OptimizeSearch, SameSeedSameTrials) {
  const SearchResult a = run_search(quadratic_spec(9), noisy(quadratic, 2, 9));
  const SearchResult b = run_search(quadratic_spec(9), noisy(quadratic, 2, 9));
  ASSERT_EQ(a.trials.size(), b.trials.size());
  for (size_t i = 0; i < a.trials.size(); ++i) EXPECT_EQ(a.trials[i].setting, b.trials[i].setting);
  const SearchResult c = run_search(quadratic_spec(10), noisy(quadratic, 2, 9));
  EXPECT_NE(setting_label(a.trials[3].setting), setting_label(c.trials[3].setting));
}

TEST(OptimizeSearch, ConstraintKeepsTheBestFeasible) {
  // Minimise x subject to throughput(x) = x ≥ 0.5 × the baseline's (800 at the start): x ≥ 400.
  SearchSpec spec = quadratic_spec(4);
  spec.start = {{"x", "800"}};
  spec.constraints = {parse_constraint("throughput>=0.5*baseline")};
  spec.budget = 25;
  const SearchResult r = run_search(
      spec, noisy([](const Setting& s) { return value_of(s, "x"); }, 1, 4,
                  [](const Setting& s) { return std::vector<double>{value_of(s, "x")}; }));
  ASSERT_EQ(r.constraint_bounds.size(), 1u);
  EXPECT_DOUBLE_EQ(r.constraint_bounds[0], 400);
  const double x = value_of(best_of(r).setting, "x");
  EXPECT_GE(x, 400);
  EXPECT_LE(x, 480);  // unconstrained it would be 0
}

TEST(OptimizeSearch, EquivalentSettingsAreMeasuredOnce) {
  // The "model" says only x / 100 matters: 11 distinct candidates in 0..1000.
  SearchSpec spec = quadratic_spec(2);
  spec.rules.key = [](const Setting& s) {
    return std::to_string(int(std::lround(value_of(s, "x"))) / 100);
  };
  spec.budget = 30;
  const SearchResult r = run_search(spec, noisy(quadratic, 0.01, 2));
  std::set<std::string> explored;
  for (const Trial& t : r.trials) {
    if (t.kind == TrialKind::space_filling || t.kind == TrialKind::acquisition) {
      EXPECT_TRUE(explored.insert(t.key).second) << "key " << t.key << " measured twice";
    }
  }
  EXPECT_GT(r.pruned_equivalent, 0u);
  EXPECT_LE(explored.size(), 11u);
}

TEST(OptimizeSearch, InvalidSettingsAreNeverTried) {
  SearchSpec spec = quadratic_spec(5);
  spec.rules.invalid = [](const Setting& s) -> std::optional<std::string> {
    if (value_of(s, "x") > 600) return "above 600";
    return std::nullopt;
  };
  const SearchResult r = run_search(spec, noisy(quadratic, 1, 5));
  for (const Trial& t : r.trials) EXPECT_LE(value_of(t.setting, "x"), 600);
  EXPECT_GT(r.pruned_invalid, 0u);
  EXPECT_GE(value_of(best_of(r).setting, "x"), 550);  // the boundary nearest 637
}

TEST(OptimizeSearch, TheStartStaysBestWhenNoCandidateBeatsItsMedian) {
  // The starting settings lie outside the domain (as a dirty_bytes of 0 does) and are better than
  // any candidate; one cold first run must not make them lose.
  SearchSpec spec = quadratic_spec(8);
  spec.start = {{"x", "2000"}};
  int calls = 0;
  const SearchResult r = run_search(spec, [&](const Setting& s, const Trial&) {
    TrialMeasure m;
    m.ok = true;
    m.objective = value_of(s, "x") == 2000 ? (++calls == 1 ? 500.0 : 1.0) : 5 + quadratic(s);
    return m;
  });
  ASSERT_TRUE(r.best && r.start);
  EXPECT_EQ(*r.best, *r.start);
  EXPECT_EQ(r.estimate_source, "its runs");
  EXPECT_DOUBLE_EQ(r.estimate, 1.0);  // the median of 500, 1, 1
}

TEST(OptimizeSearch, StopsWhenNothingIsLeftToGain) {
  // A flat objective in large noise: the expected improvement falls below the noise.
  SearchSpec spec = quadratic_spec(6);
  spec.budget = 40;
  const SearchResult r = run_search(spec, noisy([](const Setting&) { return 10.0; }, 3, 6));
  EXPECT_LT(int(r.trials.size()), spec.budget);
  EXPECT_NE(r.stopped.find("of the noise's standard deviation"), std::string::npos) << r.stopped;
  EXPECT_FALSE(r.significant);
}

TEST(OptimizeSearch, RepeatsAContenderWithinTheNoise) {
  const SearchResult r = run_search(quadratic_spec(7), noisy(quadratic, 20, 7));
  bool repeated = false;
  for (const Trial& t : r.trials) repeated |= t.kind == TrialKind::noise_repeat;
  EXPECT_TRUE(repeated);
  EXPECT_GE(best_of(r).samples.size(), 3u);  // confirmed for the comparison
}

TEST(OptimizeSearch, StopsAtAFailedOrInterruptedRun) {
  int calls = 0;
  const SearchResult r = run_search(quadratic_spec(1), [&](const Setting&, const Trial&) {
    TrialMeasure m;
    m.ok = ++calls < 5;
    m.objective = 1;
    m.stop = calls == 5;
    m.failure = "interrupted";
    return m;
  });
  EXPECT_EQ(r.trials.size(), 5u);
  EXPECT_TRUE(r.interrupted);
}

TEST(OptimizeSearch, BadBudgetAndRepeats) {
  SearchSpec spec = quadratic_spec(1);
  spec.budget = 0;
  const Measure never = [](const Setting&, const Trial&) -> TrialMeasure {
    ADD_FAILURE() << "measured";
    return {};
  };
  EXPECT_EQ(error_of([&] { run_search(spec, never); }), "--budget: 0 must be at least 1");
  spec.budget = 3;
  EXPECT_NE(error_of([&] { run_search(spec, never); }).find("leave none for the search"),
            std::string::npos);
  spec.budget = 10;
  spec.repeat_noise = 0;
  EXPECT_NE(error_of([&] { run_search(spec, never); }).find("--repeat-noise"), std::string::npos);
}

TEST(OptimizeSpace, ParsesRangesSizesAndEnumerations) {
  const KnobDomain bytes = parse_knob_domain("vm.dirty_bytes=64MiB..2GiB");
  EXPECT_EQ(bytes.lo, 64ll << 20);
  EXPECT_EQ(bytes.hi, 2ll << 30);
  EXPECT_EQ(bytes.scale, Scale::log);
  const KnobDomain ratio = parse_knob_domain("vm.dirty_ratio=5..10");
  EXPECT_EQ(ratio.scale, Scale::linear);
  EXPECT_EQ(parse_knob_domain("vm.min_free_kbytes=64MiB..256MiB").lo, 65536);
  const KnobDomain thp = parse_knob_domain("thp.enabled=always, madvise,never");
  EXPECT_EQ(thp.choices, (std::vector<std::string>{"always", "madvise", "never"}));
}

TEST(OptimizeSpace, EveryBadKnobIsNamed) {
  EXPECT_EQ(error_of([] { parse_knob_domain("vm.dirty_byts=1..2"); }),
            "--knob: unknown knob \"vm.dirty_byts\"; did you mean \"vm.dirty_bytes\"?");
  EXPECT_EQ(error_of([] { parse_knob_domain("vm.dirty_ratio=10..10"); }),
            "--knob vm.dirty_ratio: the range 10..10 is empty (one value); give LO < HI");
  EXPECT_EQ(error_of([] { parse_knob_domain("vm.dirty_bytes=2GiB..64MiB"); }),
            "--knob vm.dirty_bytes: the range 2GiB..64MiB is inverted; give LO..HI with LO < HI");
  EXPECT_NE(error_of([] { parse_knob_domain("vm.dirty_ratio=5..500"); }).find("500 must be in"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_knob_domain("thp.enabled=always..never"); }).find("choice knob"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_knob_domain("thp.enabled=always"); }).find("one value"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_knob_domain("vm.dirty_ratio"); }).find("NAME=LO..HI"),
            std::string::npos);
  EXPECT_NE(error_of([] { parse_knob_domain("vm.dirty_bytes=1x..2GiB"); }).find("not a size"),
            std::string::npos);
}

TEST(OptimizeSpace, ObjectiveAndConstraints) {
  EXPECT_TRUE(parse_objective("max:write_mib_per_s").maximize);
  EXPECT_EQ(parse_objective("min: bystander_stall_p99_ms").metric, "bystander_stall_p99_ms");
  EXPECT_NE(error_of([] { parse_objective("lowest:x"); }).find("--objective"), std::string::npos);
  EXPECT_NE(error_of([] { parse_objective("min:"); }).find("--objective"), std::string::npos);
  const Constraint c = parse_constraint("write_mib_per_s>=0.9*baseline");
  EXPECT_EQ(c.metric, "write_mib_per_s");
  EXPECT_TRUE(c.at_least && c.of_baseline);
  EXPECT_DOUBLE_EQ(c.value, 0.9);
  const Constraint d = parse_constraint("rss_bytes <= 1e9");
  EXPECT_FALSE(d.at_least || d.of_baseline);
  EXPECT_TRUE(parse_constraint("x>=baseline").of_baseline);
  EXPECT_NE(error_of([] { parse_constraint("x>0.9"); }).find("--constraint"), std::string::npos);
  EXPECT_NE(error_of([] { parse_constraint("x>=0.9baseline"); }).find("--constraint"),
            std::string::npos);
}

TEST(OptimizeSpace, EncodeDecodeRoundTrips) {
  KnobDomain mode;
  mode.knob = "thp.enabled";
  mode.kind = facts::KnobKind::choice;
  mode.choices = {"always", "madvise", "never"};
  const SearchSpace space({integer_domain("vm.dirty_bytes", 1 << 20, 1 << 30, Scale::log), mode});
  EXPECT_EQ(space.dimensions(), 4u);
  const Setting s = {{"vm.dirty_bytes", "33554432"}, {"thp.enabled", "madvise"}};
  const auto x = space.encode(s);
  ASSERT_TRUE(x);
  EXPECT_NEAR((*x)[0], 0.5, 1e-12);  // 32 MiB is halfway between 1 MiB and 1 GiB on a log scale
  EXPECT_EQ(space.decode(*x), s);
  EXPECT_FALSE(space.encode({{"vm.dirty_bytes", "0"}, {"thp.enabled", "madvise"}}));
}

TEST(OptimizeModelRules, DirtySettingsEqualInPagesAreOneCandidate) {
  const facts::HostFacts facts =
      probes::read_host_facts(probes::HostFs(test::test_data("hosts") / "local-6.18"));
  const CandidateRules rules = model_rules(facts);
  const auto key = [&](const std::string& bytes, const std::string& bg) {
    return rules.key({{"vm.dirty_bytes", bytes}, {"vm.dirty_background_bytes", bg}});
  };
  // ⌈bytes / 4 KiB⌉: 400 MiB and 400 MiB − 100 B are the same number of pages.
  EXPECT_EQ(key("419430400", "104857600"), key("419430300", "104857600"));
  EXPECT_NE(key("419430400", "104857600"), key("419430400", "209715200"));
  EXPECT_TRUE(
      rules.invalid({{"vm.dirty_bytes", "104857600"}, {"vm.dirty_background_bytes", "209715200"}}));
  // Bytes against the host's ratio: dirty_background_ratio 10 of ≈ 22 GiB dirtyable is above a
  // 400 MiB hard limit, but not above 16 GiB.
  EXPECT_TRUE(rules.invalid({{"vm.dirty_bytes", "419430400"}}));
  EXPECT_FALSE(rules.invalid({{"vm.dirty_bytes", "17179869184"}}));
}

TEST(OptimizeModelRules, AWatermarkStepThatMovesNoWatermarkIsOneCandidate) {
  const facts::HostFacts facts =
      probes::read_host_facts(probes::HostFs(test::test_data("hosts") / "local-6.18"));
  const CandidateRules rules = model_rules(facts);
  // Above min_free_kbytes/4 the gap is wsf/10000 of the zone; DMA (about 4000 pages) moves by a
  // page only every 2.5 steps of wsf, but the larger zones move on every step: keys differ.
  EXPECT_NE(rules.key({{"vm.watermark_scale_factor", "100"}}),
            rules.key({{"vm.watermark_scale_factor", "101"}}));
  // Below the min/4 floor every zone's gap is min/4: wsf 1 and 2 give the same watermarks.
  EXPECT_EQ(rules.key({{"vm.watermark_scale_factor", "1"}}),
            rules.key({{"vm.watermark_scale_factor", "2"}}));
  // A knob the model does not compute is keyed by its value.
  EXPECT_NE(rules.key({{"vm.swappiness", "10"}}), rules.key({{"vm.swappiness", "20"}}));
}

TEST(GaussianProcess, InterpolatesAndKnowsWhereItIsUnsure) {
  std::vector<std::vector<double>> x;
  std::vector<double> y;
  for (int i = 0; i <= 10; ++i) {
    if (i == 7) continue;
    x.push_back({i / 10.0});
    y.push_back(std::sin(6 * i / 10.0));
  }
  const GaussianProcess gp = GaussianProcess::fit(x, y);
  const Posterior at = gp.predict({0.3});
  EXPECT_NEAR(at.mean, std::sin(1.8), 0.05);
  const Posterior gap = gp.predict({0.7});
  EXPECT_NEAR(gap.mean, std::sin(4.2), 0.3);
  EXPECT_GT(gap.sd, at.sd);
  EXPECT_LT(gp.hyperparameters().noise_variance, 0.01);  // the data had none
}

TEST(GaussianProcess, RepeatsGiveAnIntervalLikeTheirStandardError) {
  // Three runs at each of three points, noise sd ≈ 1000 around a gentle slope.
  const std::vector<std::vector<double>> x = {{0.1}, {0.1}, {0.1}, {0.5}, {0.5},
                                              {0.5}, {0.9}, {0.9}, {0.9}};
  const std::vector<double> y = {8000, 9500, 7200, 6000, 4800, 7100, 5000, 3600, 4400};
  const GaussianProcess gp = GaussianProcess::fit(x, y, {.noise_variance = 1000.0 * 1000});
  const Posterior p = gp.predict({0.9});
  const double standard_error = 1000 / std::sqrt(3.0);
  EXPECT_GT(p.sd, 0.3 * standard_error) << gp.hyperparameters().noise_variance;
  EXPECT_LT(p.sd, 1.5 * standard_error);
  EXPECT_NEAR(p.mean, 4333, 1000);
}

TEST(GaussianProcess, ExpectedImprovement) {
  EXPECT_DOUBLE_EQ(expected_improvement({5, 0}, 3), 0);
  EXPECT_DOUBLE_EQ(expected_improvement({1, 0}, 3), 2);
  // At the incumbent's mean, EI = sd · φ(0) = 0.3989 sd.
  EXPECT_NEAR(expected_improvement({3, 2}, 3), 2 * 0.398942, 1e-5);
  EXPECT_NEAR(matern52(0), 1, 1e-15);
  EXPECT_NEAR(normal_cdf(1.959964), 0.975, 1e-6);
}

}  // namespace
}  // namespace mmtune::compare
