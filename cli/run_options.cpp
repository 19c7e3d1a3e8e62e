#include "cli/run_options.hpp"

#include <chrono>
#include <utility>
#include <vector>

#include "cli/host_hold.hpp"
#include "cli/options.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"

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

// "off", or a share ("10%", "0.1") of at most 1.
std::optional<double> share_or_off(std::string_view option, const std::string& text) {
  if (text == "off") return std::nullopt;
  std::optional<double> share = facts::parse_fraction(text);
  if (!share || *share < 0)
    fail(ErrorKind::bad_input, "--{}: \"{}\" is neither off nor a share such as 10% or 0.1", option,
         text);
  return share;
}

// "off", or a number of at least 0.
std::optional<double> number_or_off(std::string_view option, const std::string& text) {
  if (text == "off") return std::nullopt;
  char* end = nullptr;
  const double value = std::strtod(text.c_str(), &end);
  if (text.empty() || end != text.c_str() + text.size() || !(value >= 0) || value > 1e6)
    fail(ErrorKind::bad_input, "--{}: \"{}\" is neither off nor a number of at least 0", option,
         text);
  return value;
}

}  // namespace

void HostSafetyArgs::attach(CLI::App& sub) {
  add_host_wait_option(sub, wait);
  sub.add_option("--governor", governor,
                 "Stop a workload before the host suffers: defaults (safe for production), "
                 "strict, or off (docs/governor.md)")
      ->capture_default_str()
      ->type_name("PRESET");
  struct Tripwire {
    const char* flag;
    std::string* text;
    const char* help;
  };
  for (const Tripwire& t :
       {Tripwire{"--stop-at-psi-memory", &psi_memory,
                 "Memory PSI full avg10 above this share (10%), or off"},
        Tripwire{"--stop-at-psi-io", &psi_io, "I/O PSI full avg10 above this share, or off"},
        Tripwire{"--stop-at-zone-margin", &zone_margin,
                 "A zone's free pages below min + this × (low − min), or off"},
        Tripwire{"--stop-at-swap-fill", &swap_fill,
                 "The host's own swap fuller than this share (50%), or off"},
        Tripwire{"--stop-at-foreign-oom", &foreign_oom,
                 "on: the OOM killer killing a process that is not mmtune's; or off"},
        Tripwire{"--stop-at-foreign-cpu", &foreign_cpu,
                 "Other processes' CPU rising by this share of the online CPUs, or off"}}) {
    sub.add_option(t.flag, *t.text, t.help)->type_name("LIMIT|off");
  }
}

workloads::GovernorLimits HostSafetyArgs::governor_limits() const {
  workloads::GovernorLimits limits = workloads::governor_preset(governor);
  // A share given as a percentage where the governor keeps a percentage.
  auto percent = [](std::optional<double> share) {
    return share ? std::optional<double>(*share * 100) : std::nullopt;
  };
  if (!psi_memory.empty())
    limits.psi_memory_full_pct = percent(share_or_off("stop-at-psi-memory", psi_memory));
  if (!psi_io.empty()) {
    limits.psi_io_full_pct = percent(share_or_off("stop-at-psi-io", psi_io));
    limits.psi_io_asked = true;
  }
  if (!zone_margin.empty()) limits.zone_margin = number_or_off("stop-at-zone-margin", zone_margin);
  if (!swap_fill.empty()) limits.swap_fill = share_or_off("stop-at-swap-fill", swap_fill);
  if (!foreign_cpu.empty())
    limits.foreign_cpu_rise = share_or_off("stop-at-foreign-cpu", foreign_cpu);
  if (!foreign_oom.empty()) {
    if (foreign_oom != "on" && foreign_oom != "off")
      fail(ErrorKind::bad_input, "--stop-at-foreign-oom: \"{}\" is neither on nor off",
           foreign_oom);
    limits.foreign_oom_kill = foreign_oom == "on";
  }
  return limits;
}

changes::HostLockWait HostSafetyArgs::lock_wait() const { return host_lock_wait(wait); }

changes::HostLock HostSafetyArgs::hold(const Globals& globals, const Io& io) const {
  return hold_host(globals, lock_wait(), io);
}

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
  safety.attach(sub);
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
  options.governor = safety.governor_limits();
  safety.lock_wait();
  return options;
}

advisor::ScenarioOptions RunOptionArgs::scenario_options(const Globals& globals,
                                                         std::string_view command) const {
  if (globals.root != "/") refuse_root(command);
  advisor::ScenarioOptions options;
  options.sample_interval = duration_option("--interval", interval, kMinSampleInterval);
  if (!state_dir.empty()) options.state_dir = state_dir;
  options.governor = safety.governor_limits();
  safety.lock_wait();
  return options;
}

void show_progress(advisor::ScenarioOptions& options, advisor::Progress& progress) {
  options.log = progress.log();
  options.progress = &progress;
}

}  // namespace mmtune::cli
