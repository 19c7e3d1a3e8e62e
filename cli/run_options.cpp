#include "cli/run_options.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include "cli/options.hpp"
#include "facts/error.hpp"

namespace mmtune::cli {
namespace {

constexpr uint64_t kMinMemoryLimit = 4u << 20;

void refuse_root(std::string_view command) {
  fail(ErrorKind::bad_input,
       "--root: {} runs workloads on the live host; --root only reads a "
       "recorded one",
       command);
}

// "--size 1GiB" and "--size=1GiB" pairs from what CLI11 left over.
std::vector<workloads::ParamInput> workload_params(const std::vector<std::string>& extras,
                                                   std::string_view command) {
  std::vector<workloads::ParamInput> params;
  for (size_t i = 0; i < extras.size(); ++i) {
    std::string_view word = extras[i];
    if (!word.starts_with("--") || word.size() == 2)
      fail(ErrorKind::bad_input, "unexpected argument \"{}\"", word);
    word.remove_prefix(2);
    if (word == "root" || word.starts_with("root=")) refuse_root(command);
    if (size_t eq = word.find('='); eq != std::string_view::npos) {
      params.push_back({std::string(word.substr(0, eq)), std::string(word.substr(eq + 1))});
      continue;
    }
    if (i + 1 >= extras.size()) fail(ErrorKind::bad_input, "--{}: needs a value", word);
    params.push_back({std::string(word), extras[++i]});
  }
  return params;
}

}  // namespace

void RunOptionArgs::attach(CLI::App& sub, RunScope scope) {
  if (scope == RunScope::workload) {
    sub.add_flag("--force", force, "Lift the size cap (a fraction of MemAvailable)");
    sub.add_option("--time-limit", time_limit, "Stop a run of the workload after this long")
        ->capture_default_str()
        ->type_name("DURATION");
    sub.add_option("--memory-limit", memory_limit,
                   "Run the workload inside a new memory cgroup with this limit")
        ->type_name("SIZE");
    sub.allow_extras();
    sub.fallthrough(false);  // what the command does not know is a workload parameter
  }
  sub.add_option("--interval", interval, "Host sampling interval")
      ->capture_default_str()
      ->type_name("DURATION");
  sub.add_option("--state-dir", state_dir, "Where the journal of host changes lives")
      ->type_name("DIR");
}

workloads::RunOptions RunOptionArgs::run_options(const CLI::App& sub, const Globals& globals,
                                                 std::string_view command) const {
  if (globals.root != "/") refuse_root(command);
  workloads::RunOptions options;
  options.params = workload_params(sub.remaining(), command);
  options.time_limit = duration_option("--time-limit", time_limit, std::chrono::milliseconds(1));
  options.sample_interval = duration_option("--interval", interval, kMinSampleInterval);
  if (!memory_limit.empty())
    options.memory_limit_bytes = size_option("--memory-limit", memory_limit, kMinMemoryLimit);
  options.force = force;
  if (!state_dir.empty()) options.state_dir = state_dir;
  return options;
}

advisor::ScenarioOptions RunOptionArgs::scenario_options(const Globals& globals,
                                                         std::string_view command) const {
  if (globals.root != "/") refuse_root(command);
  advisor::ScenarioOptions options;
  options.sample_interval = duration_option("--interval", interval, kMinSampleInterval);
  if (!state_dir.empty()) options.state_dir = state_dir;
  return options;
}

void show_progress(advisor::ScenarioOptions& options, advisor::Progress& progress) {
  options.log = progress.log();
  options.progress = &progress;
}

}  // namespace mmtune::cli
