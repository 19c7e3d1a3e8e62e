// `mmtune optimize` on the host: the plan checked before any change, each trial a workload run
// under its setting through the journal, the result as text and JSON.
#include "compare/optimize.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <random>
#include <set>

#include "changes/journal.hpp"
#include "changes/restore.hpp"
#include "changes/signal_guard.hpp"
#include "facts/error.hpp"
#include "facts/facts_json.hpp"
#include "facts/units.hpp"
#include "probes/readers.hpp"

namespace mmtune::compare {
namespace {

using nlohmann::json;

constexpr size_t kValidityProbes = 256;  // random settings tried for "is any setting valid"

// Fails when no setting of the space is valid by the model: a few hundred seeded points, the
// corners first (a range of dirty limits whose every background is above every hard limit).
void check_some_setting_is_valid(const SearchSpec& spec) {
  std::mt19937_64 rng(spec.seed);
  std::uniform_real_distribution<double> unit(0, 1);
  std::optional<std::string> first_reason;
  for (size_t i = 0; i < kValidityProbes; ++i) {
    std::vector<double> x(spec.space.dimensions());
    for (double& v : x) v = i == 0 ? 1.0 : (i == 1 ? 0.0 : unit(rng));
    const auto why = spec.rules.invalid(spec.space.decode(x));
    if (!why) return;
    if (!first_reason) first_reason = why;
  }
  fail(ErrorKind::bad_input, "--knob: no setting in these ranges is valid on this host: {}",
       *first_reason);
}

const workloads::Measurement* find_measurement(const workloads::Result& run,
                                               std::string_view name) {
  for (const workloads::Measurement& m : run.measurements)
    if (m.name == name) return &m;
  return nullptr;
}

[[noreturn]] void missing_metric(std::string_view option, std::string_view metric,
                                 const workloads::Result& run) {
  const std::string guess =
      facts::nearest_name(metric, run.measurements, &workloads::Measurement::name);
  if (guess.empty()) {
    fail(ErrorKind::bad_input, "{}: {} reports no measurement \"{}\" (see its --json)", option,
         run.workload, metric);
  }
  fail(ErrorKind::bad_input, "{}: {} reports no measurement \"{}\"; did you mean \"{}\"?", option,
       run.workload, metric, guess);
}

// The numbers of an ok run: the objective and each constrained measurement. The starting
// settings' first run decides whether the workload reports them at all.
TrialMeasure read_measure(const OptimizePlan& plan, const Trial& trial,
                          const workloads::Result& run, OptimizeResult& result) {
  TrialMeasure m;
  const workloads::Measurement* objective = find_measurement(run, plan.options.objective.metric);
  if (!objective) {
    if (trial.index == 1) missing_metric("--objective", plan.options.objective.metric, run);
    m.failure = fmt::format("reported no {}", plan.options.objective.metric);
    return m;
  }
  result.objective_unit = objective->unit;
  m.objective = objective->value;
  for (const Constraint& c : plan.options.constraints) {
    const workloads::Measurement* value = find_measurement(run, c.metric);
    if (!value) {
      if (trial.index == 1) missing_metric("--constraint", c.metric, run);
      m.failure = fmt::format("reported no {}", c.metric);
      return m;
    }
    m.constraint_values.push_back(value->value);
  }
  m.ok = true;
  return m;
}

TrialMeasure measure_trial(const OptimizePlan& plan, const Setting& setting, const Trial& trial,
                           changes::Journal& journal, OptimizeResult& result) {
  // The starting settings are the host's own: nothing is written (a dirty_bytes of 0, the form
  // not in use, could not even be written back), whatever the trial's kind.
  const Setting applied = setting == plan.original ? Setting{} : setting;
  if (std::FILE* log = plan.options.run.run.log) {
    fmt::print(log, "mmtune: optimize [{}/{}] {} ({})\n", trial.index, plan.options.budget,
               setting_label(setting), trial_kind_name(trial.kind));
  }
  TrialMeasure m;
  for (int attempt = 1; attempt <= kSweepAttempts; ++attempt) {
    workloads::Result run =
        run_under_setting(plan.options.run, plan.run_plan.facts, applied, journal, result.notes);
    TrialRun record{run.measurements,
                    run.verdict.status == workloads::Status::ok ? "ok" : run.verdict.reason};
    if (run.verdict.interrupted) {
      m.stop = true;
      m.failure = "interrupted";
    } else if (run.governor_stop) {
      result.governor_stop = GovernorHalt{setting, trial.index, run.verdict.reason};
      m.stop = true;
      m.failure = run.verdict.reason;
    } else if (!run.moved_settings.empty()) {
      const bool dropped = attempt == kSweepAttempts;
      result.invalidated.push_back({setting, trial.index, run.moved_settings, dropped});
      result.notes.push_back(fmt::format(
          "trial {}: invalid, someone else changed a setting during the run; {}", trial.index,
          dropped ? "it moved again, the trial counts as failed" : "it runs once more"));
      if (!dropped) continue;
      m.failure = "someone else changed a setting during the run, twice";
    } else if (run.verdict.status != workloads::Status::ok) {
      m.failure = run.verdict.reason;
    } else {
      m = read_measure(plan, trial, run, result);
    }
    if (!m.ok && record.verdict == "ok") record.verdict = m.failure;
    result.runs.push_back(std::move(record));
    return m;
  }
  return m;
}

}  // namespace

OptimizePlan plan_optimize(const OptimizeOptions& options, const facts::HostFacts& facts,
                           const probes::HostFs& fs) {
  if (options.knobs.empty())
    fail(ErrorKind::bad_input, "--knob: give at least one, e.g. --knob vm.dirty_bytes=64MiB..1GiB");
  std::vector<std::string> names;
  for (const KnobDomain& d : options.knobs) {
    if (std::find(names.begin(), names.end(), d.knob) != names.end())
      fail(ErrorKind::bad_input, "--knob {}: given twice", d.knob);
    names.push_back(d.knob);
  }
  check_one_form_per_dirty_limit(names);
  OptimizePlan plan;
  plan.options = options;
  plan.spec.space = SearchSpace(options.knobs);
  plan.spec.maximize = options.objective.maximize;
  plan.spec.constraints = options.constraints;
  plan.spec.budget = options.budget;
  plan.spec.repeat_noise = options.repeat_noise;
  plan.spec.seed = options.seed;
  check_search_spec(plan.spec);
  plan.run_plan = workloads::plan_run(options.run.workload, options.run.run, facts);
  if (plan.run_plan.unsupported) {
    fail(ErrorKind::unsupported, "{} cannot run on this host: {}", options.run.workload,
         *plan.run_plan.unsupported);
  }
  plan.original = current_knob_values(names, fs);
  plan.spec.start = plan.original;
  plan.spec.rules = model_rules(facts);
  check_some_setting_is_valid(plan.spec);
  return plan;
}

OptimizeResult run_optimize(const OptimizePlan& plan) {
  changes::SignalGuard guard;
  OptimizeResult result;
  result.plan = plan;
  const workloads::RunOptions& run_options = plan.options.run.run;
  probes::HostFs fs("/");
  for (const changes::UndoOutcome& outcome : changes::restore_leftovers(run_options.state_dir)) {
    result.notes.push_back(
        fmt::format("restored what an earlier, killed run left: {}", outcome.message));
  }
  changes::Journal journal(fs, run_options.state_dir);
  result.search = run_search(plan.spec, [&](const Setting& setting, const Trial& trial) {
    return measure_trial(plan, setting, trial, journal, result);
  });
  if (result.governor_stop) result.search.interrupted = false;  // stopped, not interrupted
  return result;
}

namespace {

json setting_json(const Setting& setting) {
  json j = json::object();
  for (const auto& [knob, value] : setting) j[knob] = value;
  return j;
}

json knobs_json(const std::vector<KnobDomain>& knobs) {
  json list = json::array();
  for (const KnobDomain& d : knobs) {
    if (d.enumeration()) {
      list.push_back({{"knob", d.knob}, {"values", d.choices}});
    } else {
      list.push_back({{"knob", d.knob},
                      {"lo", d.lo},
                      {"hi", d.hi},
                      {"scale", d.scale == Scale::log ? "log" : "linear"}});
    }
  }
  return list;
}

// The constraints a trial's run missed, in words; empty when it met them all (or there are none).
std::string missed_constraints(const OptimizeResult& result, const Trial& t) {
  const std::vector<Constraint>& constraints = result.plan.options.constraints;
  const std::vector<double>& bounds = result.search.constraint_bounds;
  std::string text;
  for (size_t i = 0; i < constraints.size() && i < bounds.size() && t.measure.ok; ++i) {
    const double value = t.measure.constraint_values.at(i);
    const bool met = constraints[i].at_least ? value >= bounds[i] : value <= bounds[i];
    if (!met) {
      text +=
          fmt::format("{}misses {} ({:.4g} {} {:.4g})", text.empty() ? "" : "; ",
                      constraints[i].text, value, constraints[i].at_least ? "<" : ">", bounds[i]);
    }
  }
  return text;
}

json trials_json(const OptimizeResult& result) {
  json trials = json::array();
  for (size_t i = 0; i < result.search.trials.size(); ++i) {
    const Trial& t = result.search.trials[i];
    json measurements = json::object();
    if (i < result.runs.size()) {
      for (const workloads::Measurement& m : result.runs[i].measurements)
        measurements[m.name] = {{"value", m.value}, {"unit", m.unit}};
    }
    trials.push_back({{"index", t.index},
                      {"kind", trial_kind_name(t.kind)},
                      {"settings", setting_json(t.setting)},
                      {"applied", t.setting != result.plan.original},
                      {"key", t.key},
                      {"why", t.why},
                      {"expected_improvement",
                       t.expected_improvement ? json(*t.expected_improvement) : json(nullptr)},
                      {"ok", t.measure.ok},
                      {"failure", t.measure.failure},
                      {"objective", t.measure.ok ? json(t.measure.objective) : json(nullptr)},
                      {"constraints", t.measure.constraint_values},
                      {"feasible", t.measure.ok && !result.search.constraint_bounds.empty()
                                       ? json(missed_constraints(result, t).empty())
                                       : json(nullptr)},
                      {"incumbent", t.incumbent ? json(*t.incumbent) : json(nullptr)},
                      {"measurements", measurements}});
  }
  return trials;
}

json best_json(const SearchResult& s) {
  if (!s.best) return nullptr;
  const Candidate& c = s.candidates[*s.best];
  return {{"settings", setting_json(c.setting)},
          {"estimate", s.estimate},
          {"low", s.low},
          {"high", s.high},
          {"estimate_source", s.estimate_source},
          {"runs", c.samples.size()},
          {"samples", c.samples},
          {"median", median(c.samples)}};
}

}  // namespace

json optimize_to_json(const OptimizeResult& result) {
  const OptimizePlan& plan = result.plan;
  const SearchResult& s = result.search;
  json parameters = json::object();
  for (const auto& [name, value] : plan.run_plan.params.values) parameters[name] = value.text;
  json constraints = json::array();
  for (size_t i = 0; i < plan.options.constraints.size(); ++i) {
    const Constraint& c = plan.options.constraints[i];
    constraints.push_back(
        {{"text", c.text},
         {"metric", c.metric},
         {"op", c.at_least ? ">=" : "<="},
         {"bound", i < s.constraint_bounds.size() ? json(s.constraint_bounds[i]) : json(nullptr)}});
  }
  json start = nullptr;
  if (s.start && !s.candidates[*s.start].samples.empty()) {
    const Candidate& c = s.candidates[*s.start];
    start = {{"samples", c.samples}, {"median", median(c.samples)}};
  }
  json versus = nullptr;
  if (s.versus_start) {
    versus = {{"test", "mann-whitney-u"},
              {"alternative", "two-sided"},
              {"p", s.versus_start->p_two_sided},
              {"u", s.versus_start->u},
              {"change", s.change},
              {"significant", s.significant},
              {"alpha", kSweepAlpha},
              {"min_effect", kSweepMinEffect}};
  }
  json governor_stop = nullptr;
  if (result.governor_stop) {
    governor_stop = {{"settings", setting_json(result.governor_stop->setting)},
                     {"trial", result.governor_stop->repeat},
                     {"reason", result.governor_stop->reason}};
  }
  return {{"schema", kOptimizeSchema},
          {"workload", plan.options.run.workload},
          {"parameters", parameters},
          {"host", facts::host_facts_to_json(plan.run_plan.facts)},
          {"knobs", knobs_json(plan.options.knobs)},
          {"objective",
           {{"metric", plan.options.objective.metric},
            {"direction", plan.options.objective.maximize ? "max" : "min"},
            {"unit", result.objective_unit}}},
          {"constraints", constraints},
          {"budget", plan.options.budget},
          {"repeat_noise", plan.options.repeat_noise},
          {"seed", plan.options.seed},
          {"original", setting_json(plan.original)},
          {"trials", trials_json(result)},
          {"best", best_json(s)},
          {"start", start},
          {"versus_start", versus},
          {"noise_sd", s.noise_sd ? json(*s.noise_sd) : json(nullptr)},
          {"pruned", {{"equivalent", s.pruned_equivalent}, {"invalid", s.pruned_invalid}}},
          {"runs", s.trials.size()},
          {"stopped", s.stopped},
          {"interrupted", s.interrupted},
          {"governor_stop", governor_stop},
          {"winner_thresholds",
           s.best && s.best != s.start
               ? json(explain_thresholds(plan.run_plan.facts, s.candidates[*s.best].setting))
               : json::array()},
          {"search_notes", s.notes},
          {"notes", result.notes}};
}

std::string render_optimize(const OptimizeResult& result) {
  const OptimizePlan& plan = result.plan;
  const SearchResult& s = result.search;
  const std::string& unit = result.objective_unit;
  const auto show = [&](double v) { return facts::format_value(v, unit); };
  std::string text = fmt::format(
      "optimize {}: {} {} in at most {} runs (seed {}); each setting applied through the journal "
      "and restored after every run\n",
      plan.options.run.workload, plan.options.objective.maximize ? "maximise" : "minimise",
      plan.options.objective.metric, plan.options.budget, plan.options.seed);
  text += fmt::format("before the search: {} (restored)\n", setting_label(plan.original));
  text += fmt::format("\n{:>3}  {:<13}  {:<44}  {:>14}  {:>14}  {}\n", "#", "kind", "setting",
                      "measured", "best so far", "why");
  for (const Trial& t : s.trials) {
    std::string why = t.why;
    if (!t.measure.ok) why += "; " + t.measure.failure;
    if (const std::string missed = missed_constraints(result, t); !missed.empty())
      why += "; " + missed;
    text +=
        fmt::format("{:>3}  {:<13}  {:<44}  {:>14}  {:>14}  {}\n", t.index, trial_kind_name(t.kind),
                    setting_label(t.setting), t.measure.ok ? show(t.measure.objective) : "failed",
                    t.incumbent ? show(*t.incumbent) : "—", why);
  }
  text += fmt::format("\nstopped: {} after {} runs\n", s.stopped, s.trials.size());
  text += fmt::format(
      "model: {} candidates pruned as equivalent to one already known (same thresholds), {} "
      "never tried (invalid)\n",
      s.pruned_equivalent, s.pruned_invalid);
  if (s.noise_sd) text += fmt::format("noise of one run (pooled sd): {}\n", show(*s.noise_sd));
  if (!s.best) {
    text += "no setting was measured that meets every constraint\n";
  } else {
    const Candidate& best = s.candidates[*s.best];
    text += fmt::format(
        "best: {}\n  estimate {} (95 % interval {} – {}, from {}), median of its {} runs {}\n",
        setting_label(best.setting), show(s.estimate), show(s.low), show(s.high), s.estimate_source,
        best.samples.size(), show(median(best.samples)));
    if (s.versus_start) {
      text += fmt::format(
          "  against the starting settings (median {}): {:+.1f} % (Mann-Whitney U p={:.3f}){}\n",
          show(median(s.candidates[*s.start].samples)), s.change * 100, s.versus_start->p_two_sided,
          s.significant ? ", significant" : ", not significant (p ≥ 0.05 or under 5 %)");
    }
    if (s.start && *s.start == *s.best) {
      text += "  the starting settings are the best found\n";
    } else {
      for (const std::string& line : explain_thresholds(plan.run_plan.facts, best.setting))
        text += fmt::format("  model: {}\n", line);
    }
  }
  for (const std::string& note : s.notes) text += fmt::format("note: {}\n", note);
  for (const std::string& note : result.notes) text += fmt::format("note: {}\n", note);
  if (result.governor_stop) {
    text += fmt::format("stopped by the governor at trial {}: {}\n", result.governor_stop->repeat,
                        result.governor_stop->reason);
  }
  if (s.interrupted && !result.governor_stop)
    text += "interrupted: the table holds the runs finished before\n";
  return text;
}

}  // namespace mmtune::compare
