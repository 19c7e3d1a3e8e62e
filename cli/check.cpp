// `mmtune check --baseline FILE [--junit FILE] [--json FILE]`: re-runs the baseline's CI scenario
// here and compares: configuration drift, correctness, performance. TAP 13 on stdout ending with
// "N passed, N failed, N skipped"; progress on stderr. Exit: 0 all passed, 1 any failed, 2 bad
// input, 3 nothing could run here, 130 interrupted (the reports cover what finished).
#include "compare/check.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/identity.hpp"
#include "cli/output_files.hpp"
#include "cli/run_options.hpp"
#include "compare/baseline.hpp"
#include "facts/error.hpp"
#include "report/junit.hpp"
#include "report/tap.hpp"

namespace mmtune::cli {
namespace {

struct CheckArgs {
  std::string baseline;
  int repeat = 0;  // 0: as many as the baseline has
  std::string junit;
  std::string json;
  RunOptionArgs run;
};

constexpr const char* kCheckFooter = R"(
Three kinds of test, in this order:
  drift        every fingerprint setting that differs from the baseline fails, named
               (vm.dirty_ratio, thp.enabled, kernel.release, config.CONFIG_LRU_GEN, …)
  correctness  a step that failed in any repeat, any data lost in dio-fork-race, an oom step whose
               controller did not survive: always a failure
  performance  a metric fails only when it is worse than the baseline significantly (Mann-Whitney
               U, one-sided, alpha 0.05, 5+ samples each side) AND by more than the profile's
               tolerance (max of tolerance × baseline median, the absolute margin, and the range
               of the baseline's own samples: noise this host showed with nothing changed). Worse
               beyond that but not significant is reported as noisy and passes.
A step this host cannot run, or a metric with too few samples, is "ok … # SKIP reason".)";

std::string hostname() {
  char name[256] = {};
  if (::gethostname(name, sizeof name - 1) != 0) return "unknown";
  return name;
}

}  // namespace

Action attach_check(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<CheckArgs>();
  sub.add_option("--baseline", args->baseline, "The file `mmtune baseline` wrote")
      ->required()
      ->type_name("FILE");
  sub.add_option("--repeat", args->repeat,
                 "Repeats of the scenario, at least 5 (default: as many as the baseline)");
  sub.add_option("--junit", args->junit, "Also write JUnit XML to FILE")->type_name("FILE");
  sub.add_option("--json", args->json, "Also write the whole comparison as JSON to FILE")
      ->type_name("FILE");
  args->run.attach(sub, RunScope::scenario);
  sub.footer(kCheckFooter);
  return [args, &globals](const Io& io) {
    advisor::ScenarioOptions options = args->run.scenario_options(globals, "a check");
    std::optional<OutputFile> junit, json;
    if (!args->junit.empty()) junit = check_output_file("--junit", args->junit);
    if (!args->json.empty()) json = check_output_file("--json", args->json);
    const compare::Baseline baseline = compare::read_baseline(args->baseline);
    const int repeats =
        args->repeat == 0 ? std::max(baseline.repeats, compare::kMinRepeats) : args->repeat;
    if (repeats < compare::kMinRepeats || repeats > 100) {
      fail(ErrorKind::bad_input, "--repeat: {} must be between {} and 100", repeats,
           compare::kMinRepeats);
    }

    // A status line on a terminal only; in a pipe just the runner's lines.
    advisor::Progress status(io.err, baseline.time_budget_s * repeats);
    show_progress(options, status);
    const changes::HostLock host = args->run.safety.hold(globals, io);
    const compare::CheckReport report =
        compare::run_check(baseline, args->baseline, repeats, options, globals.host_fs());

    fmt::print(io.out, "{}", report::render_tap(report));
    std::fflush(io.out);
    if (junit) write_output_file(*junit, report::render_junit(report, hostname()));
    if (json)
      write_output_file(
          *json, with_identity(compare::check_to_json(report), globals.host_fs(), baseline.profile)
                         .dump(2) +
                     "\n");
    if (report.interrupted)
      fail(ErrorKind::interrupted, "check stopped; everything it changed was restored");
    return compare::check_exit_code(report);
  };
}

}  // namespace mmtune::cli
