#pragma once
// `mmtune sweep`: one workload under every combination of some knob values, each combination
// applied temporarily through the journal, the workload run N times under it, and the key metrics
// compared across settings.
//
//   SweepPlan plan = plan_sweep(options, facts, fs);  // every input error (exit 2) before any
//   change SweepResult result = run_sweep(plan);              // restores every setting, however it
//   ends
//
// Order: interleaved. Repeat r runs every combination once before repeat r + 1 begins, each time
// setting its knobs, waiting --settle, running, and undoing, so a slow drift of the host (another
// tenant's load, memory going cold) spreads over all settings instead of biasing the last one.
//
// A run that stood on a setting someone else moved (a knob of the sweep, or one the workload
// wrote, whose file no longer held what mmtune wrote: another writer on the host) measured nothing
// that counts: the sweep runs that repeat of that setting once more and keeps the second run when
// nothing moved under it, or drops the repeat when something moved again. Each such run is listed
// (invalidated, notes), and `mmtune sweep` exits 1. When the governor stops a run the host is
// suffering: the sweep stops there (governor_stop) and exits 1.
//
// Significance (stated in the output and the JSON): each setting is compared with the first one by
// the Mann-Whitney U test, two-sided, at α = 0.05 (compare/stats.hpp), and a difference is marked
// only when it is also at least 5 % of the first setting's median: a tiny but consistent shift is
// real yet not worth a tuning decision.
//
// JSON schema "mmtune.sweep/1" (sweep_to_json):
//   { "schema": "mmtune.sweep/1", "workload", "parameters": {name: text}, "host": {mmtune.host/1},
//     "knobs": [{"knob", "values": [...]}], "original": {knob: value}, "repeat", "order",
//     "settle_s", "significance": {"test", "alternative", "alpha", "min_effect", "reference"},
//     "key_metrics": [...],
//     "settings": [{"settings": {knob: value},
//                   "runs": [{"repeat", "result": {mmtune.result/1}}],  (runs that count)
//                   "metrics": {name: {"unit", "samples", "n", "median", "mean", "stddev", "min",
//                                       "max", "q1", "q3",
//                                       "vs_reference": {"u", "p", "change", "significant"} |
//                                       null}}}],
//     "invalidated": [{"settings": {knob: value}, "repeat", "moved_settings": [{"path", "wrote",
//                      "now"}], "then": "repeated" | "dropped"}],
//     "governor_stop": {"settings", "repeat", "reason"} | null, "interrupted", "notes": [...] }
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "compare/stats.hpp"
#include "facts/facts.hpp"
#include "probes/host_fs.hpp"
#include "workloads/result.hpp"
#include "workloads/runner.hpp"

namespace mmtune::changes {
class Journal;
}

namespace mmtune::compare {

inline constexpr std::string_view kSweepSchema = "mmtune.sweep/1";
inline constexpr double kSweepAlpha = 0.05;
inline constexpr double kSweepMinEffect = 0.05;  // of the reference median
inline constexpr size_t kSweepMaxCombinations = 64;

struct KnobSweep {
  std::string knob;
  std::vector<std::string> values;
};

// "vm.dirty_ratio=5,10,20,40" → {vm.dirty_ratio, [5, 10, 20, 40]}. Throws Error{bad_input} naming
// --knob for a malformed text, an unknown knob (with "did you mean") or a value the kernel's range
// rejects.
KnobSweep parse_knob_sweep(std::string_view text);

using Setting = std::vector<std::pair<std::string, std::string>>;  // knob → value, in --knob order

struct SweepOptions {
  std::string workload;
  std::vector<KnobSweep> knobs;
  int repeat = 5;
  std::chrono::nanoseconds settle{};  // wait after setting a combination, before the workload runs
  std::vector<std::string> metrics;   // shown in the table; "name" or "prefix*"; empty: key metrics
  workloads::RunOptions run;          // parameters, time limit, memory limit, state dir, log
};

struct SweepPlan {
  SweepOptions options;
  workloads::RunPlan run_plan;
  std::vector<Setting> settings;  // every combination, the first --knob varying slowest
  Setting original;               // the knobs' values before the sweep
  std::vector<std::string> metrics;
};

// Checks everything: knobs (names, values, duplicates, both forms of one dirty limit, present on
// this host), the repeat count, the workload and its parameters (workloads::plan_run), and that the
// knobs can be written (root). Error{bad_input} or Error{unsupported}, before any change.
SweepPlan plan_sweep(const SweepOptions& options, const facts::HostFacts& facts,
                     const probes::HostFs& fs);

struct SettingRuns {
  Setting setting;
  std::vector<workloads::Result> runs;  // in repeat order, the runs that count
  std::vector<int> repeats;             // the repeat (from 1) of each of them
};

// A run that stood on a setting someone else moved, and what the sweep did about it.
struct InvalidatedRun {
  Setting setting;
  int repeat = 0;  // from 1
  std::vector<workloads::MovedSettingRecord> moved;
  bool dropped = false;  // false: that repeat ran once more
};

struct GovernorHalt {
  Setting setting;
  int repeat = 0;
  std::string reason;  // "stopped by the governor: psi-memory-full at 12.30 % (…)"
};

struct SweepResult {
  SweepPlan plan;
  std::vector<SettingRuns> settings;
  std::vector<InvalidatedRun> invalidated;
  std::optional<GovernorHalt> governor_stop;  // set: the sweep stopped there
  bool interrupted = false;
  std::vector<std::string> notes;  // restores that were left alone, failed runs, …
};

// The knobs' values now (the selected word of a choice file). Throws Error{unsupported} naming the
// knob when this host lacks its file or it cannot be written (root).
Setting current_knob_values(const std::vector<std::string>& knobs, const probes::HostFs& fs);
// Throws Error{bad_input} when knobs hold both forms of one dirty limit (vm.dirty_ratio and
// vm.dirty_bytes, or the background pair): writing one zeroes the other.
void check_one_form_per_dirty_limit(const std::vector<std::string>& knobs);

// One run of the workload under setting: its knobs written through journal, options.settle, the
// run (planned again under the setting: the model's predictions depend on the knobs), every knob
// undone. What the undo left alone goes to notes. A workload error becomes a failed run.
workloads::Result run_under_setting(const SweepOptions& options, const facts::HostFacts& facts,
                                    const Setting& setting, changes::Journal& journal,
                                    std::vector<std::string>& notes);

// Runs a setting gets when one stood on a setting someone else moved (the first, and one more).
inline constexpr int kSweepAttempts = 2;

// Runs the plan on the live host; the journal undoes every setting after each run and, however
// the sweep ends (error, SIGINT/SIGTERM: result.interrupted), before run_sweep returns or throws.
SweepResult run_sweep(const SweepPlan& plan);

// One metric of one setting: the samples of its ok runs and their comparison with the reference.
struct MetricCell {
  std::vector<double> samples;
  std::optional<Summary> summary;   // nullopt: no ok run measured it
  std::optional<MannWhitney> test;  // vs the first setting; nullopt for the first one
  double change = 0;                // (median − reference median) / |reference median|
  bool significant = false;
};

struct MetricRow {
  std::string name, unit;
  std::vector<MetricCell> cells;  // one per setting
};

// The metrics to show (plan.metrics matched against what the runs measured), each across settings.
std::vector<MetricRow> analyze_sweep(const SweepResult& result);

nlohmann::json sweep_to_json(const SweepResult& result);
std::string render_sweep(const SweepResult& result);
std::string setting_label(const Setting& setting);

// The default key metrics of a workload ("name" or "prefix*"); empty for one not listed.
std::vector<std::string> key_metrics(std::string_view workload);
bool metric_matches(std::string_view pattern, std::string_view name);

}  // namespace mmtune::compare
