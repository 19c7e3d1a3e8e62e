// `mmtune run NAME [--PARAM VALUE …]`: one workload on this host with probes attached; prints each
// measurement beside the model's prediction, the verdict and the explanation, and with --json
// FILE writes the whole result (schema mmtune.result/1). Exit: 0 ok, 1 the workload failed,
// 2 bad input (nothing ran), 3 skipped (this host cannot run it), 130 interrupted.
#include <fmt/format.h>

#include <cmath>
#include <cstdio>
#include <fstream>

#include "advisor/progress.hpp"
#include "cli/commands.hpp"
#include "cli/identity.hpp"
#include "cli/run_options.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"
#include "probes/readers.hpp"
#include "workloads/params.hpp"
#include "workloads/result.hpp"
#include "workloads/runner.hpp"

namespace mmtune::cli {
namespace {

struct RunArgs {
  std::string workload;
  std::string json;
  RunOptionArgs run;
};

std::string show(double value, std::string_view unit) { return facts::format_value(value, unit); }

void print_summary(std::FILE* out, const workloads::Result& r) {
  // A skipped run is one this host cannot do (exit 3): say it in those words.
  const std::string_view status = r.verdict.status == workloads::Status::skipped
                                      ? "not supported here"
                                      : workloads::status_name(r.verdict.status);
  fmt::print(out, "{}: {}{} ({:.2f} s)\n", r.workload, status,
             r.verdict.reason.empty() ? "" : ": " + r.verdict.reason, r.wall_s);
  std::string params;
  for (const workloads::ParamRecord& p : r.parameters)
    params += fmt::format(" {}={}", p.name, p.text);
  fmt::print(out, "parameters:{}\n", params);

  struct Row {
    std::string name, measured, model, comparison;
  };
  std::vector<Row> rows;
  for (const workloads::Measurement& m : r.measurements) {
    Row row{m.name, show(m.value, m.unit), "", ""};
    if (const workloads::Expectation* e = r.prediction_for(m.name)) {
      row.model = show(e->prediction.value, e->prediction.unit);
      if (e->low && e->high && *e->low != *e->high) {
        row.model = fmt::format("{} – {}", show(*e->low, e->prediction.unit),
                                show(*e->high, e->prediction.unit));
      }
      for (const workloads::Comparison& c : r.comparisons) {
        if (c.metric != m.name) continue;
        std::string verdict = !c.within ? "informational" : (*c.within ? "within" : "OUTSIDE");
        if (c.tolerance) verdict += fmt::format(" ±{:g} %", *c.tolerance * 100);
        if (e->low && e->high) verdict += " the model's range";
        row.comparison =
            c.predicted != 0 ? fmt::format("{:+.2f} %, {}", c.deviation * 100, verdict) : verdict;
      }
    }
    rows.push_back(std::move(row));
  }
  if (!rows.empty()) {
    size_t w_name = 11, w_measured = 8, w_model = 5;
    for (const Row& row : rows) {
      w_name = std::max(w_name, row.name.size());
      w_measured = std::max(w_measured, row.measured.size());
      w_model = std::max(w_model, row.model.size());
    }
    fmt::print(out, "\n{:<{}}  {:<{}}  {:<{}}\n", "measurement", w_name, "measured", w_measured,
               "model", w_model);
    for (const Row& row : rows) {
      fmt::print(out, "{:<{}}  {:<{}}  {:<{}}  {}\n", row.name, w_name, row.measured, w_measured,
                 row.model, w_model, row.comparison);
    }
  }
  bool header = false;
  for (const workloads::Expectation& e : r.predictions) {
    if (!e.metric.empty() && r.find(e.metric)) continue;
    if (!header) fmt::print(out, "\nthe model also predicts:\n");
    header = true;
    fmt::print(out, "  {}: {} — {} {}\n", e.metric.empty() ? e.prediction.name : e.metric,
               show(e.prediction.value, e.prediction.unit), e.prediction.why.rule,
               e.prediction.why.text);
  }
  if (!r.explanation.empty()) fmt::print(out, "\nexplanation:\n");
  for (const std::string& line : r.explanation) fmt::print(out, "  {}\n", line);
  if (!r.notes.empty()) fmt::print(out, "\nnotes:\n");
  for (const std::string& line : r.notes) fmt::print(out, "  {}\n", line);
}

void write_json(const std::string& path, const workloads::Result& result, const probes::HostFs& fs,
                std::FILE* out) {
  std::string text =
      with_identity(nlohmann::json::parse(workloads::to_json(result)), fs).dump(2) + "\n";
  if (path == "-") {
    fmt::print(out, "{}", text);
    return;
  }
  std::ofstream file(path);
  file << text;
  if (!file.flush()) fail(ErrorKind::bad_input, "--json: cannot write \"{}\"", path);
}

}  // namespace

Action attach_run(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<RunArgs>();
  sub.add_option("workload", args->workload, "The workload (see `mmtune list`)")->required();
  sub.add_option("--json", args->json, "Write the whole result as JSON to FILE (- for stdout)")
      ->type_name("FILE");
  args->run.attach(sub, RunScope::workload);
  sub.footer(
      "Workload parameters follow as --PARAM VALUE; `mmtune list` shows them with units and "
      "defaults.");
  return [args, &sub, &globals](const Io& io) {
    workloads::RunOptions options = args->run.run_options(sub, globals, "mmtune run");
    // Nothing predicts how long a workload takes: a terminal sees the elapsed time and the limit.
    advisor::Progress status(io.err);
    options.log = status.log();

    facts::HostFacts facts = probes::read_host_facts(globals.host_fs());
    workloads::RunPlan plan = workloads::plan_run(args->workload, options, facts);
    const changes::HostLock host = args->run.safety.hold(globals, io);
    status.begin(
        fmt::format("{} (time limit {:g} s)", args->workload, facts::seconds(options.time_limit)),
        0);
    workloads::Result result = workloads::execute(plan, options);
    status.end();
    print_summary(args->json == "-" ? io.err : io.out, result);
    if (!args->json.empty()) write_json(args->json, result, globals.host_fs(), io.out);
    if (result.verdict.interrupted)
      fail(ErrorKind::interrupted, "{} stopped; everything it changed was restored",
           result.workload);
    switch (result.verdict.status) {
      case workloads::Status::ok:
        return 0;
      case workloads::Status::skipped:
        return 3;
      case workloads::Status::failed:
        return 1;
    }
    return 1;
  };
}

}  // namespace mmtune::cli
