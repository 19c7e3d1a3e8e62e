#include "report/prometheus.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <chrono>
#include <cmath>

#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/host_model.hpp"

namespace mmtune::report {
namespace {

using Labels = std::vector<std::pair<std::string, std::string>>;
using facts::kPageSize;

// Families in the order they are first named; a family's HELP and TYPE come from its first use.
class Families {
 public:
  void add(std::string_view name, MetricType type, std::string_view help, Labels labels,
           double value) {
    family(name, type, help).samples.push_back({std::move(labels), value});
  }
  void gauge(std::string_view name, std::string_view help, Labels labels, double value) {
    add(name, MetricType::gauge, help, std::move(labels), value);
  }
  std::vector<MetricFamily> take() { return std::move(families_); }

 private:
  MetricFamily& family(std::string_view name, MetricType type, std::string_view help) {
    for (MetricFamily& existing : families_)
      if (existing.name == name) return existing;
    families_.push_back({std::string(name), type, std::string(help), {}});
    return families_.back();
  }
  std::vector<MetricFamily> families_;
};

std::optional<double> unix_seconds(const std::string& utc) {
  const auto time = facts::parse_utc(utc);
  if (!time) return std::nullopt;
  return std::chrono::duration<double>(time->time_since_epoch()).count();
}

// ---- the model's thresholds for the host as read now ----

void add_zone_watermarks(const model::HostModel& m, Families& out) {
  for (size_t i = 0; i < m.zones.size() && i < m.bands.size(); ++i) {
    const Labels zone = {{"node", std::to_string(m.zones[i].node)}, {"zone", m.zones[i].zone}};
    const model::ReclaimBands& band = m.bands[i];
    out.gauge("mmtune_model_zone_min_bytes",
              "Zone free memory below which allocations enter direct reclaim (min watermark with "
              "boost), computed by mmtune's model",
              zone, double(band.direct_reclaim_below_bytes));
    out.gauge("mmtune_model_zone_low_bytes",
              "Zone free memory below which kswapd wakes (low watermark with boost), computed by "
              "mmtune's model",
              zone, double(band.kswapd_wakes_below_bytes));
    out.gauge("mmtune_model_zone_high_bytes",
              "Zone free memory at which kswapd goes back to sleep (high watermark with boost), "
              "computed by mmtune's model",
              zone, double(band.kswapd_sleeps_at_bytes));
  }
}

void add_dirty_thresholds(const model::DirtyLimits& d, Families& out) {
  out.gauge(
      "mmtune_model_dirtyable_bytes",
      "Memory the dirty ratios apply to (global_dirtyable_memory), computed by mmtune's model", {},
      double(d.dirtyable_pages * kPageSize));
  out.gauge("mmtune_model_dirty_background_bytes",
            "Dirty page cache above which background writeback starts, computed by mmtune's model",
            {}, double(d.background_pages * kPageSize));
  out.gauge("mmtune_model_dirty_freerun_ceiling_bytes",
            "Dirty page cache above which writers are throttled ((background + limit) / 2), "
            "computed by mmtune's model",
            {}, double(d.freerun_pages * kPageSize));
  out.gauge("mmtune_model_dirty_setpoint_bytes",
            "Dirty page cache where throttled writers settle, computed by mmtune's model", {},
            double(d.setpoint_pages * kPageSize));
  out.gauge("mmtune_model_dirty_limit_bytes",
            "Dirty page cache at which writers block (the hard limit), computed by mmtune's model",
            {}, double(d.threshold_pages * kPageSize));
}

// The kernel's own dirty thresholds, read from /proc/vmstat: the model's beside them on a panel.
void add_kernel_dirty_thresholds(const facts::Counters& vmstat, Families& out) {
  if (auto pages = vmstat.get("nr_dirty_threshold"))
    out.gauge("mmtune_kernel_dirty_limit_bytes",
              "The kernel's hard dirty limit as it reports it (/proc/vmstat nr_dirty_threshold)",
              {}, double(*pages * kPageSize));
  if (auto pages = vmstat.get("nr_dirty_background_threshold"))
    out.gauge("mmtune_kernel_dirty_background_bytes",
              "The kernel's background writeback threshold as it reports it (/proc/vmstat "
              "nr_dirty_background_threshold)",
              {}, double(*pages * kPageSize));
}

void add_model(const facts::HostFacts& host, Families& out, std::vector<std::string>& notes) {
  std::optional<model::HostModel> m;
  try {
    m = model::model_host(host);
  } catch (const Error& e) {
    notes.push_back(fmt::format("no model thresholds: {}", e.what()));
    return;
  }
  add_zone_watermarks(*m, out);
  add_dirty_thresholds(m->dirty, out);
  out.gauge("mmtune_model_min_free_default_bytes",
            "The vm.min_free_kbytes the kernel would pick itself for this memory, in bytes, "
            "computed by mmtune's model",
            {}, m->expected_min_free_kbytes.value * 1024);
  if (m->agreement) {
    out.gauge("mmtune_model_zones_compared",
              "Zones whose watermarks the model compared with /proc/zoneinfo", {},
              m->agreement->zones_compared);
    out.gauge("mmtune_model_zones_matching",
              "Zones whose min, low and high watermarks the model computed exactly as the kernel "
              "reports them",
              {}, m->agreement->zones_matching);
  }
}

// ---- /proc/vmstat counters node_exporter's default filter drops ----

struct CounterFamily {
  std::string_view name, help;
  std::string_view label;  // empty: one series
  bool pages;              // the counter counts pages; exported in bytes
  std::vector<std::pair<std::string_view, std::string_view>> keys;  // vmstat key → label value
};

// The table in three parts, one per subsystem, so no function grows past a screenful.
std::vector<CounterFamily> reclaim_families() {
  return {
      {"mmtune_reclaim_scanned_bytes_total",
       "Memory scanned by reclaim, by who reclaimed (/proc/vmstat pgscan_*)",
       "by",
       true,
       {{"pgscan_kswapd", "kswapd"},
        {"pgscan_direct", "direct"},
        {"pgscan_khugepaged", "khugepaged"},
        {"pgscan_proactive", "proactive"}}},
      {"mmtune_reclaim_reclaimed_bytes_total",
       "Memory reclaimed, by who reclaimed (/proc/vmstat pgsteal_*)",
       "by",
       true,
       {{"pgsteal_kswapd", "kswapd"},
        {"pgsteal_direct", "direct"},
        {"pgsteal_khugepaged", "khugepaged"},
        {"pgsteal_proactive", "proactive"}}},
      {"mmtune_reclaim_scanned_lru_bytes_total",
       "Memory scanned by reclaim, by LRU list (/proc/vmstat pgscan_anon, pgscan_file)",
       "lru",
       true,
       {{"pgscan_anon", "anon"}, {"pgscan_file", "file"}}},
      {"mmtune_reclaim_written_bytes_total",
       "Dirty pages reclaim had to write out itself (/proc/vmstat nr_vmscan_write)",
       "",
       true,
       {{"nr_vmscan_write", ""}}},
      {"mmtune_allocation_stalls_total",
       "Allocations that entered direct reclaim, by zone (/proc/vmstat allocstall_*)",
       "zone",
       false,
       {{"allocstall_dma", "DMA"},
        {"allocstall_dma32", "DMA32"},
        {"allocstall_normal", "Normal"},
        {"allocstall_movable", "Movable"},
        {"allocstall_device", "Device"}}},
      {"mmtune_kswapd_low_watermark_hit_quickly_total",
       "kswapd runs that ended with a zone back under its low watermark at once (/proc/vmstat "
       "kswapd_low_wmark_hit_quickly)",
       "",
       false,
       {{"kswapd_low_wmark_hit_quickly", ""}}},
      {"mmtune_kswapd_high_watermark_hit_quickly_total",
       "kswapd runs that found zones above their high watermark at once (/proc/vmstat "
       "kswapd_high_wmark_hit_quickly)",
       "",
       false,
       {{"kswapd_high_wmark_hit_quickly", ""}}},
      {"mmtune_kswapd_runs_total",
       "kswapd reclaim passes (/proc/vmstat pageoutrun)",
       "",
       false,
       {{"pageoutrun", ""}}},
      // Before 5.9 the kernel tracked refaults of file pages only, under one name.
      {"mmtune_workingset_refaults_total",
       "Evicted pages faulted back in soon after: reclaim took memory the work still needed "
       "(/proc/vmstat workingset_refault*)",
       "lru",
       false,
       {{"workingset_refault_anon", "anon"},
        {"workingset_refault_file", "file"},
        {"workingset_refault", "file"}}},
  };
}

std::vector<CounterFamily> compaction_families() {
  return {
      {"mmtune_compaction_stalls_total",
       "Allocations that stalled in direct compaction (/proc/vmstat compact_stall)",
       "",
       false,
       {{"compact_stall", ""}}},
      {"mmtune_compaction_failures_total",
       "Direct compactions that did not free a block of the order asked for (/proc/vmstat "
       "compact_fail)",
       "",
       false,
       {{"compact_fail", ""}}},
      {"mmtune_compaction_successes_total",
       "Direct compactions that freed a block of the order asked for (/proc/vmstat "
       "compact_success)",
       "",
       false,
       {{"compact_success", ""}}},
      {"mmtune_compaction_scanned_bytes_total",
       "Memory compaction scanned, by scanner (/proc/vmstat compact_migrate_scanned, "
       "compact_free_scanned)",
       "scanner",
       true,
       {{"compact_migrate_scanned", "migrate"}, {"compact_free_scanned", "free"}}},
      {"mmtune_compaction_kcompactd_wakes_total",
       "Times kcompactd was woken (/proc/vmstat compact_daemon_wake)",
       "",
       false,
       {{"compact_daemon_wake", ""}}},
  };
}

std::vector<CounterFamily> thp_families() {
  return {
      {"mmtune_thp_fault_alloc_total",
       "Page faults served with a huge page (/proc/vmstat thp_fault_alloc)",
       "",
       false,
       {{"thp_fault_alloc", ""}}},
      {"mmtune_thp_fault_fallback_total",
       "Page faults that wanted a huge page and fell back to small pages (/proc/vmstat "
       "thp_fault_fallback)",
       "",
       false,
       {{"thp_fault_fallback", ""}}},
      {"mmtune_thp_fault_fallback_charge_total",
       "Huge-page faults that fell back because the memory cgroup charge failed (/proc/vmstat "
       "thp_fault_fallback_charge)",
       "",
       false,
       {{"thp_fault_fallback_charge", ""}}},
      {"mmtune_thp_collapse_alloc_total",
       "Huge pages khugepaged allocated to collapse small pages (/proc/vmstat thp_collapse_alloc)",
       "",
       false,
       {{"thp_collapse_alloc", ""}}},
      {"mmtune_thp_collapse_alloc_failed_total",
       "Huge-page allocations khugepaged failed (/proc/vmstat thp_collapse_alloc_failed)",
       "",
       false,
       {{"thp_collapse_alloc_failed", ""}}},
      {"mmtune_thp_split_page_total",
       "Huge pages split into small pages (/proc/vmstat "
       "thp_split_page)",
       "",
       false,
       {{"thp_split_page", ""}}},
      {"mmtune_thp_split_page_failed_total",
       "Huge-page splits that failed (/proc/vmstat thp_split_page_failed)",
       "",
       false,
       {{"thp_split_page_failed", ""}}},
      {"mmtune_thp_deferred_split_page_total",
       "Huge pages queued for a split when partly unmapped (/proc/vmstat thp_deferred_split_page)",
       "",
       false,
       {{"thp_deferred_split_page", ""}}},
  };
}

const std::vector<CounterFamily>& counter_families() {
  static const std::vector<CounterFamily> families = [] {
    std::vector<CounterFamily> all = reclaim_families();
    for (auto part : {compaction_families(), thp_families()})
      all.insert(all.end(), part.begin(), part.end());
    return all;
  }();
  return families;
}

void add_vmstat_counters(const facts::Counters& vmstat, Families& out) {
  for (const CounterFamily& family : counter_families()) {
    for (const auto& [key, label_value] : family.keys) {
      const std::optional<uint64_t> value = vmstat.get(key);
      if (!value) continue;
      Labels labels;
      if (!family.label.empty())
        labels.emplace_back(std::string(family.label), std::string(label_value));
      out.add(family.name, MetricType::counter, family.help, std::move(labels),
              double(*value) * (family.pages ? double(kPageSize) : 1.0));
    }
  }
}

// ---- the advice ----

void add_advice(const advisor::Advice& advice, Families& out) {
  size_t changes = 0;
  for (const advisor::Recommendation& r : advice.recommendations) {
    changes += r.change ? 1 : 0;
    out.gauge("mmtune_recommendation_info",
              "A recommendation of the last advice (always 1; current is empty when this host "
              "lacks the knob)",
              {{"knob", r.knob},
               {"current", r.current.value_or("")},
               {"recommended", r.recommended},
               {"action", r.change ? "set" : "keep"},
               {"confidence", std::string(advisor::to_string(r.confidence))}},
              1);
  }
  out.gauge("mmtune_recommendation_changes",
            "Recommendations of the last advice that change a knob's current value",
            {{"profile", advice.profile}}, double(changes));
}

// ---- the last run's steps ----

constexpr std::array<workloads::Status, 3> kStatuses = {
    workloads::Status::ok, workloads::Status::skipped, workloads::Status::failed};

std::string family_for_unit(std::string_view stem, const BaseUnit& unit) {
  return unit.suffix.empty() ? std::string(stem) : fmt::format("{}_{}", stem, unit.suffix);
}

void add_step(const std::string& step, const workloads::Result& result, Families& out) {
  for (workloads::Status status : kStatuses) {
    out.gauge("mmtune_run_step_status",
              "Verdict of each step of the last run (1 for its status: ok, skipped or failed)",
              {{"step", step}, {"status", std::string(workloads::status_name(status))}},
              result.verdict.status == status ? 1 : 0);
  }
  out.gauge("mmtune_run_step_duration_seconds", "Wall time of each step of the last run",
            {{"step", step}}, result.wall_s);
  for (const workloads::Comparison& c : result.comparisons) {
    const Labels labels = {{"step", step}, {"metric", c.metric}};
    const BaseUnit unit = base_unit(c.unit);
    out.gauge(family_for_unit("mmtune_run_measured", unit),
              "A measurement of the last run that the model predicted, in base units", labels,
              c.measured * unit.scale);
    out.gauge(family_for_unit("mmtune_run_predicted", unit),
              "The model's prediction for a measurement of the last run, in base units", labels,
              c.predicted * unit.scale);
    out.gauge("mmtune_run_model_deviation_ratio",
              "(measured - predicted) / predicted for each measurement the model predicted", labels,
              c.deviation);
    if (c.within) {
      out.gauge("mmtune_run_model_within_tolerance",
                "1 when the measurement is within the model's tolerance or range, else 0", labels,
                *c.within ? 1 : 0);
    }
  }
}

// ---- the last check ----

constexpr std::array<compare::TestStatus, 3> kTestStatuses = {
    compare::TestStatus::pass, compare::TestStatus::fail, compare::TestStatus::skip};
constexpr std::array<std::string_view, 5> kMetricVerdicts = {"ok", "regressed", "noisy", "improved",
                                                             "insufficient"};

void add_check(const compare::CheckReport& check, Families& out) {
  std::vector<std::string> suites;
  for (const compare::CheckTest& test : check.tests)
    if (std::find(suites.begin(), suites.end(), test.suite) == suites.end())
      suites.push_back(test.suite);
  for (const std::string& suite : suites) {
    for (compare::TestStatus status : kTestStatuses) {
      const auto n = std::count_if(check.tests.begin(), check.tests.end(), [&](const auto& t) {
        return t.suite == suite && t.status == status;
      });
      out.gauge("mmtune_check_tests", "Tests of the last check, by suite and status",
                {{"suite", suite}, {"status", std::string(compare::to_string(status))}}, double(n));
    }
  }
  for (const compare::CheckTest& test : check.tests) {
    if (test.status != compare::TestStatus::fail) continue;
    out.gauge("mmtune_check_test_failed",
              "A test the last check failed (always 1; only failed tests have a series)",
              {{"suite", test.suite}, {"test", test.name}, {"verdict", test.verdict}}, 1);
  }
  out.gauge("mmtune_check_passed", "1 when no test of the last check failed, else 0", {},
            check.count(compare::TestStatus::fail) == 0 ? 1 : 0);
  for (const compare::MetricVerdict& metric : check.metrics) {
    out.gauge("mmtune_check_metric_change_ratio",
              "Change of a CI metric's median from the baseline's: (now - baseline) / |baseline|",
              {{"metric", metric.name}}, metric.change);
    for (std::string_view verdict : kMetricVerdicts) {
      out.gauge("mmtune_check_metric_verdict",
                "Verdict on each CI metric of the last check (1 for its verdict)",
                {{"metric", metric.name}, {"verdict", std::string(verdict)}},
                metric.verdict == verdict ? 1 : 0);
    }
  }
}

void add_run_times(const std::vector<RunTime>& runs, Families& out) {
  for (const RunTime& run : runs) {
    const Labels command = {{"command", run.command}};
    if (run.end_unix_s)
      out.gauge("mmtune_last_run_timestamp_seconds",
                "When the last run of each mmtune command ended (Unix time), from its document",
                command, *run.end_unix_s);
    if (run.wall_s)
      out.gauge("mmtune_last_run_duration_seconds", "How long the last run of each command took",
                command, *run.wall_s);
    out.gauge("mmtune_last_run_info",
              "The profile and scenario of the last run of each command (always 1)",
              {{"command", run.command}, {"profile", run.profile}, {"scenario", run.scenario}}, 1);
  }
}

// When a scenario's steps ran: the first step's start and the last step's end.
RunTime scenario_time(std::string command, const advisor::ScenarioRun& run) {
  RunTime time{std::move(command), run.profile, run.scenario, std::nullopt, run.wall_s};
  for (const advisor::StepOutcome& step : run.steps) {
    if (auto start = unix_seconds(step.result.started_at)) {
      const double end = *start + step.result.wall_s;
      time.end_unix_s = std::max(time.end_unix_s.value_or(end), end);
    }
  }
  return time;
}

void set_run_time(ExportInput& input, RunTime time) {
  std::erase_if(input.runs, [&](const RunTime& run) { return run.command == time.command; });
  input.runs.push_back(std::move(time));
}

std::string escape(std::string_view text, bool quotes) {
  std::string out;
  for (char c : text) {
    if (c == '\\')
      out += "\\\\";
    else if (c == '\n')
      out += "\\n";
    else if (c == '"' && quotes)
      out += "\\\"";
    else
      out += c;
  }
  return out;
}

std::string format_value(double value) {
  if (std::isnan(value)) return "NaN";
  if (std::isinf(value)) return value > 0 ? "+Inf" : "-Inf";
  return fmt::format("{}", value);
}

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

std::optional<std::string_view> exported_command(std::string_view schema) {
  constexpr std::array<std::pair<std::string_view, std::string_view>, 6> kCommands = {{
      {"mmtune.tune/1", "tune"},
      {"mmtune.scenario/1", "scenario"},
      {"mmtune.result/1", "run"},
      {"mmtune.advice/1", "advise"},
      {"mmtune.check/1", "check"},
      {compare::kBaselineSchema, "baseline"},
  }};
  for (const auto& [known, command] : kCommands)
    if (known == schema) return command;
  return std::nullopt;
}

void add_document(ExportInput& input, const ReportInput& document) {
  const std::optional<std::string_view> command = exported_command(document.schema);
  if (!command || *command == "baseline") {
    fail(ErrorKind::bad_input,
         "a {} document: export reads tune, scenario, run, advice and check results",
         document.schema);
  }
  if (document.advice) input.advice = document.advice;
  if (document.scenario) {
    input.scenario = document.scenario;
    input.result.reset();
    set_run_time(input, scenario_time(std::string(*command), *document.scenario));
  } else if (document.result) {
    const workloads::Result& result = *document.result;
    input.result = result;
    input.scenario.reset();
    RunTime time{"run", "", "", unix_seconds(result.started_at), result.wall_s};
    if (time.end_unix_s) *time.end_unix_s += result.wall_s;
    set_run_time(input, std::move(time));
  }
  if (document.check) {
    const compare::CheckReport& check = *document.check;
    input.check = check;
    RunTime time{"check", check.baseline.profile, check.baseline.scenario,
                 unix_seconds(check.started_at), check.wall_s};
    if (time.end_unix_s) *time.end_unix_s += check.wall_s;
    set_run_time(input, std::move(time));
  }
}

void add_baseline(ExportInput& input, const compare::Baseline& baseline) {
  set_run_time(input, {"baseline", baseline.profile, baseline.scenario,
                       unix_seconds(baseline.created_at), std::nullopt});
}

std::vector<MetricFamily> prometheus_families(const ExportInput& input,
                                              std::vector<std::string>* notes) {
  Families out;
  std::vector<std::string> ignored;
  out.gauge("mmtune_build_info", "The mmtune build that wrote these metrics (always 1)",
            {{"version", input.version}}, 1);
  if (input.host) {
    add_model(*input.host, out, notes ? *notes : ignored);
    add_kernel_dirty_thresholds(input.host->vmstat, out);
    add_vmstat_counters(input.host->vmstat, out);
  }
  if (input.advice) add_advice(*input.advice, out);
  if (input.scenario)
    for (const advisor::StepOutcome& step : input.scenario->steps)
      add_step(step.id, step.result, out);
  if (input.result) add_step(input.result->workload, *input.result, out);
  if (input.check) add_check(*input.check, out);
  add_run_times(input.runs, out);
  return out.take();
}

std::string render_prometheus(const std::vector<MetricFamily>& families) {
  std::string text;
  for (const MetricFamily& family : families) {
    if (family.samples.empty()) continue;
    fmt::format_to(std::back_inserter(text), "# HELP {} {}\n# TYPE {} {}\n", family.name,
                   escape(family.help, false), family.name,
                   family.type == MetricType::counter ? "counter" : "gauge");
    for (const MetricSample& sample : family.samples) {
      text += family.name;
      if (!sample.labels.empty()) {
        text += '{';
        for (size_t i = 0; i < sample.labels.size(); ++i)
          fmt::format_to(std::back_inserter(text), "{}{}=\"{}\"", i ? "," : "",
                         sample.labels[i].first, escape(sample.labels[i].second, true));
        text += '}';
      }
      fmt::format_to(std::back_inserter(text), " {}\n", format_value(sample.value));
    }
  }
  return text;
}

BaseUnit base_unit(std::string_view unit) {
  if (auto slash = unit.find('/'); slash != std::string_view::npos && unit.substr(slash) == "/s") {
    BaseUnit per = base_unit(unit.substr(0, slash));
    return {per.suffix.empty() ? "per_second" : per.suffix + "_per_second", per.scale};
  }
  const std::string u = lower(unit);
  struct Known {
    std::string_view unit, suffix;
    double scale;
  };
  static constexpr std::array<Known, 15> kKnown = {{
      {"bytes", "bytes", 1},
      {"b", "bytes", 1},
      {"kib", "bytes", 1024.0},
      {"mib", "bytes", 1024.0 * 1024},
      {"gib", "bytes", 1024.0 * 1024 * 1024},
      {"pages", "bytes", double(kPageSize)},
      {"s", "seconds", 1},
      {"seconds", "seconds", 1},
      {"ms", "seconds", 1e-3},
      {"us", "seconds", 1e-6},
      {"ns", "seconds", 1e-9},
      {"ratio", "ratio", 1},
      {"x", "ratio", 1},
      {"fraction", "ratio", 1},
      {"%", "ratio", 0.01},
  }};
  for (const Known& known : kKnown)
    if (known.unit == u) return {std::string(known.suffix), known.scale};
  std::string suffix;
  for (char c : u) {
    const bool keep = std::isalnum(static_cast<unsigned char>(c));
    if (keep)
      suffix += c;
    else if (!suffix.empty() && suffix.back() != '_')
      suffix += '_';
  }
  while (!suffix.empty() && suffix.back() == '_') suffix.pop_back();
  return {suffix, 1};
}

}  // namespace mmtune::report
