// The sweep: plan every combination before touching anything, then apply, run and undo each one
// through the journal, interleaving the repeats.
#include "compare/sweep.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "changes/journal.hpp"
#include "changes/signal_guard.hpp"
#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "probes/parsers.hpp"
#include "probes/readers.hpp"

namespace mmtune::compare {
namespace {

// The two forms of one dirty limit: the kernel keeps one of each pair (writing one zeroes the
// other), so a sweep may vary only one of them.
constexpr std::pair<std::string_view, std::string_view> kDirtyPairs[] = {
    {"vm.dirty_ratio", "vm.dirty_bytes"},
    {"vm.dirty_background_ratio", "vm.dirty_background_bytes"},
};

std::vector<std::string> split_values(std::string_view text) {
  std::vector<std::string> values;
  while (true) {
    size_t comma = text.find(',');
    values.emplace_back(probes::trim(text.substr(0, comma)));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return values;
}

std::vector<Setting> combinations(const std::vector<KnobSweep>& knobs) {
  std::vector<Setting> settings{{}};
  for (const KnobSweep& knob : knobs) {
    std::vector<Setting> next;
    for (const Setting& prefix : settings) {
      for (const std::string& value : knob.values) {
        Setting setting = prefix;
        setting.emplace_back(knob.knob, value);
        next.push_back(std::move(setting));
      }
    }
    settings = std::move(next);
  }
  return settings;
}

// Sleeps up to duration, waking early when a signal arrives.
void settle(std::chrono::nanoseconds duration) {
  const auto end = std::chrono::steady_clock::now() + duration;
  while (std::chrono::steady_clock::now() < end && changes::SignalGuard::received() == 0)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
}

workloads::Result failed_run(const SweepOptions& options, const facts::HostFacts& facts,
                             std::string reason) {
  workloads::Result result;
  result.workload = options.workload;
  result.host = facts;
  result.verdict = {workloads::Status::failed, std::move(reason), false};
  return result;
}

}  // namespace

std::string setting_label(const Setting& setting) {
  std::string label;
  for (const auto& [knob, value] : setting)
    label += fmt::format("{}{}={}", label.empty() ? "" : " ", knob, value);
  return label;
}

KnobSweep parse_knob_sweep(std::string_view text) {
  size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    fail(ErrorKind::bad_input,
         "--knob: \"{}\" must be NAME=VALUE[,VALUE…], e.g. vm.dirty_ratio=5,10", text);
  }
  KnobSweep sweep{std::string(probes::trim(text.substr(0, eq))), split_values(text.substr(eq + 1))};
  auto knob = facts::find_knob(sweep.knob);
  if (!knob) {
    std::string guess = facts::suggest_knob(sweep.knob);
    if (guess.empty()) fail(ErrorKind::bad_input, "--knob: unknown knob \"{}\"", sweep.knob);
    fail(ErrorKind::bad_input, "--knob: unknown knob \"{}\"; did you mean \"{}\"?", sweep.knob,
         guess);
  }
  std::set<std::string> seen;
  for (const std::string& value : sweep.values) {
    if (value.empty())
      fail(ErrorKind::bad_input, "--knob {}: an empty value in \"{}\"", sweep.knob, text);
    if (auto why = facts::invalid_knob_value(*knob, value))
      fail(ErrorKind::bad_input, "--knob {}: \"{}\" {}", sweep.knob, value, *why);
    if (!seen.insert(value).second)
      fail(ErrorKind::bad_input, "--knob {}: \"{}\" is listed twice", sweep.knob, value);
  }
  return sweep;
}

void check_one_form_per_dirty_limit(const std::vector<std::string>& knobs) {
  const auto has = [&](std::string_view knob) {
    return std::find(knobs.begin(), knobs.end(), knob) != knobs.end();
  };
  for (const auto& [ratio, bytes] : kDirtyPairs) {
    if (has(ratio) && has(bytes)) {
      fail(ErrorKind::bad_input,
           "--knob: {} and {} are one setting in the kernel (writing one zeroes the other); "
           "give one of them",
           ratio, bytes);
    }
  }
}

Setting current_knob_values(const std::vector<std::string>& knobs, const probes::HostFs& fs) {
  Setting values;
  for (const std::string& name : knobs) {
    const facts::Knob knob = *facts::find_knob(name);
    auto current = fs.read(knob.path);
    if (!current) {
      fail(ErrorKind::unsupported, "--knob {}: this host has no {}", name,
           fs.path(knob.path).string());
    }
    if (::access(fs.path(knob.path).c_str(), W_OK) != 0) {
      fail(ErrorKind::unsupported, "--knob {}: {} cannot be written here (changing it needs root)",
           name, fs.path(knob.path).string());
    }
    values.emplace_back(name, probes::parse_bracketed_choice(*current));
  }
  return values;
}

SweepPlan plan_sweep(const SweepOptions& options, const facts::HostFacts& facts,
                     const probes::HostFs& fs) {
  if (options.knobs.empty())
    fail(ErrorKind::bad_input, "--knob: give at least one, e.g. --knob vm.dirty_ratio=5,10,20");
  if (options.repeat < 1 || options.repeat > 100)
    fail(ErrorKind::bad_input, "--repeat: {} must be between 1 and 100", options.repeat);
  if (options.settle < std::chrono::nanoseconds::zero() ||
      options.settle > std::chrono::minutes(10))
    fail(ErrorKind::bad_input, "--settle: must be between 0 and 10m");
  std::set<std::string> knobs;
  size_t count = 1;
  for (const KnobSweep& sweep : options.knobs) {
    if (!knobs.insert(sweep.knob).second)
      fail(ErrorKind::bad_input, "--knob {}: given twice; list all its values in one --knob",
           sweep.knob);
    count *= sweep.values.size();
  }
  check_one_form_per_dirty_limit({knobs.begin(), knobs.end()});
  if (count > kSweepMaxCombinations) {
    fail(ErrorKind::bad_input, "--knob: {} combinations; at most {} per sweep", count,
         kSweepMaxCombinations);
  }

  SweepPlan plan;
  plan.options = options;
  plan.run_plan = workloads::plan_run(options.workload, options.run, facts);
  if (plan.run_plan.unsupported) {
    fail(ErrorKind::unsupported, "{} cannot run on this host: {}", options.workload,
         *plan.run_plan.unsupported);
  }
  std::vector<std::string> names;
  for (const KnobSweep& sweep : options.knobs) names.push_back(sweep.knob);
  plan.original = current_knob_values(names, fs);
  plan.settings = combinations(options.knobs);
  plan.metrics = options.metrics.empty() ? key_metrics(options.workload) : options.metrics;
  return plan;
}

namespace {

workloads::Result run_once(const SweepPlan& plan, const Setting& setting, changes::Journal& journal,
                           SweepResult& result) {
  return run_under_setting(plan.options, plan.run_plan.facts, setting, journal, result.notes);
}

std::string moved_text(const std::vector<workloads::MovedSettingRecord>& moved) {
  std::string text;
  for (const workloads::MovedSettingRecord& m : moved)
    text += fmt::format("{}/{} was {}, not the {} mmtune wrote", text.empty() ? "" : "; ", m.path,
                        m.now, m.wrote);
  return text;
}

// Repeat `repeat` of one setting: once, and once more when someone else moved a setting under the
// first run. Keeps the run that counts; false when the sweep must stop (interrupted, governor).
bool run_repeat(const SweepPlan& plan, SettingRuns& runs, int repeat, changes::Journal& journal,
                SweepResult& result) {
  const std::string label = setting_label(runs.setting);
  for (int attempt = 1; attempt <= kSweepAttempts; ++attempt) {
    workloads::Result run = run_once(plan, runs.setting, journal, result);
    if (run.verdict.interrupted) {
      result.interrupted = true;
      return false;
    }
    if (run.governor_stop) {
      result.governor_stop = GovernorHalt{runs.setting, repeat, run.verdict.reason};
      result.notes.push_back(
          fmt::format("{} repeat {}: {}; the sweep stops here", label, repeat, run.verdict.reason));
      return false;
    }
    if (!run.moved_settings.empty()) {
      const bool dropped = attempt == kSweepAttempts;
      result.invalidated.push_back({runs.setting, repeat, run.moved_settings, dropped});
      result.notes.push_back(fmt::format(
          "{} repeat {}: invalid, someone else changed a setting during the run ({}); {}", label,
          repeat, moved_text(run.moved_settings),
          dropped ? "it moved again, this repeat is dropped" : "this repeat runs once more"));
      if (plan.options.run.log)
        fmt::print(plan.options.run.log, "mmtune: {}\n", result.notes.back());
      continue;
    }
    if (run.verdict.status == workloads::Status::failed) {
      result.notes.push_back(fmt::format("{} repeat {}: {}", label, repeat, run.verdict.reason));
    }
    runs.runs.push_back(std::move(run));
    runs.repeats.push_back(repeat);
    return true;
  }
  return true;
}

}  // namespace

SweepResult run_sweep(const SweepPlan& plan) {
  changes::SignalGuard guard;
  const workloads::RunOptions& run_options = plan.options.run;
  std::FILE* log = run_options.log;
  SweepResult result;
  result.plan = plan;
  for (const Setting& setting : plan.settings) result.settings.push_back({setting, {}, {}});

  probes::HostFs fs("/");
  for (const changes::UndoOutcome& outcome : changes::restore_leftovers(run_options.state_dir)) {
    result.notes.push_back(
        fmt::format("restored what an earlier, killed run left: {}", outcome.message));
  }
  changes::Journal journal(fs, run_options.state_dir);
  const size_t total = plan.settings.size() * size_t(plan.options.repeat);
  size_t done = 0;
  for (int repeat = 1; repeat <= plan.options.repeat; ++repeat) {
    for (SettingRuns& runs : result.settings) {
      if (changes::SignalGuard::received() != 0) {
        result.interrupted = true;
        return result;
      }
      ++done;
      if (log) {
        fmt::print(log, "mmtune: sweep [{}/{}] {} (repeat {}/{})\n", done, total,
                   setting_label(runs.setting), repeat, plan.options.repeat);
      }
      if (!run_repeat(plan, runs, repeat, journal, result)) return result;
    }
  }
  return result;
}

// The run's options name the journal, so a knob someone else moves invalidates the run.
workloads::Result run_under_setting(const SweepOptions& options, const facts::HostFacts& facts,
                                    const Setting& setting, changes::Journal& journal,
                                    std::vector<std::string>& notes) {
  for (const auto& [knob, value] : setting) journal.set_knob(knob, value);
  if (options.settle > std::chrono::nanoseconds::zero()) settle(options.settle);
  workloads::Result run;
  if (changes::SignalGuard::received() != 0) {
    run.verdict.interrupted = true;
  } else {
    workloads::RunOptions run_options = options.run;
    run_options.outer_journal = &journal;
    try {
      const facts::HostFacts now = probes::read_host_facts(journal.fs());
      run =
          workloads::execute(workloads::plan_run(options.workload, run_options, now), run_options);
    } catch (const Error& e) {
      if (e.kind() == ErrorKind::internal) throw;
      run = failed_run(options, facts, e.what());
    }
  }
  for (const changes::UndoOutcome& outcome : journal.undo_all()) {
    if (outcome.status != changes::UndoStatus::restored) notes.push_back(outcome.message);
  }
  return run;
}

std::vector<std::string> key_metrics(std::string_view workload) {
  struct Keys {
    std::string_view workload;
    std::vector<std::string> metrics;
  };
  // What a person reads first for each workload; `--metric` overrides, --json has everything.
  static const std::vector<Keys> kKeys = {
      {"demand-paging", {"ns_per_fault", "faults_per_s", "gib_per_s", "minor_faults"}},
      {"cow-fork", {"fork_ms_per_gib", "fork_exit_wait_ms.*", "cow_faults_per_s.*"}},
      {"thp", {"random_access_speedup", "coverage.*", "fault_gib_per_s.*"}},
      {"false-sharing", {"slowdown", "ops_per_s.padded", "ops_per_s.packed"}},
      {"dirty-flood",
       {"write_mib_per_s", "write_latency*", "bystander_stall*", "throttle_onset_bytes",
        "dirty_peak_bytes"}},
      {"reclaim", {"allocstall*", "reclaim_efficiency.*", "read_latency.*", "pswpout"}},
      {"oom", {"oom_point_bytes", "time_to_oom_s", "oom_kills"}},
      {"dio-fork-race", {"data_loss.*", "affected"}},
      {"numa-misplacement", {"latency_penalty", "read_bandwidth_penalty", "numa_pages_migrated"}},
  };
  for (const Keys& keys : kKeys) {
    if (keys.workload == workload) return keys.metrics;
  }
  return {};
}

bool metric_matches(std::string_view pattern, std::string_view name) {
  if (pattern.ends_with('*')) return name.starts_with(pattern.substr(0, pattern.size() - 1));
  return pattern == name;
}

}  // namespace mmtune::compare
