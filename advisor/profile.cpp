// Loading and checking profiles. Every check names the file, the line and the field, so a typo in a
// profile is found by reading one line of output.
#include "advisor/profile.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <utility>

#include "advisor/located_json.hpp"
#include "advisor/sources.hpp"
#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "facts/units.hpp"
#include "workloads/params.hpp"
#include "workloads/registry.hpp"

namespace mmtune::advisor {
namespace {

using nlohmann::json;

template <typename E>
using Options = std::initializer_list<std::pair<std::string_view, E>>;

const Options<SwapGoal> kSwapGoals = {{"avoid", SwapGoal::avoid},
                                      {"low", SwapGoal::low},
                                      {"keep", SwapGoal::keep},
                                      {"compressed", SwapGoal::compressed}};
const Options<PageCacheUse> kPageCacheUses = {{"normal", PageCacheUse::normal},
                                              {"important", PageCacheUse::important},
                                              {"streaming", PageCacheUse::streaming}};
const Options<WritePattern> kWritePatterns = {{"light", WritePattern::light},
                                              {"mixed", WritePattern::mixed},
                                              {"streaming", WritePattern::streaming}};
const Options<ThpGoal> kThpGoals = {{"never", ThpGoal::never},
                                    {"madvise", ThpGoal::madvise},
                                    {"always", ThpGoal::always},
                                    {"measure", ThpGoal::measure}};
const Options<NumaBalancingGoal> kNumaGoals = {{"keep", NumaBalancingGoal::keep},
                                               {"off", NumaBalancingGoal::off}};
const Options<OvercommitGoal> kOvercommitGoals = {{"keep", OvercommitGoal::keep},
                                                  {"fork-safe", OvercommitGoal::fork_safe},
                                                  {"strict", OvercommitGoal::strict}};
const Options<Direction> kDirections = {{"lower", Direction::lower_is_better},
                                        {"higher", Direction::higher_is_better}};

template <typename E>
std::string_view name_of(Options<E> options, E value) {
  for (const auto& [name, option] : options) {
    if (option == value) return name;
  }
  return "?";
}

template <typename E>
std::string joined(Options<E> options) {
  std::string out;
  for (const auto& [name, value] : options) out += (out.empty() ? "" : "|") + std::string(name);
  return out;
}

std::string nearest(std::string_view word, std::initializer_list<std::string_view> words) {
  return facts::nearest_name(word, words);
}

// Reads fields of the document, failing with "LABEL:LINE: FIELD: message".
class Checker {
 public:
  Checker(const LocatedJson& doc, std::string label) : doc_(doc), label_(std::move(label)) {}

  [[noreturn]] void error(std::string_view pointer, std::string_view message) const {
    fail(ErrorKind::bad_input, "{}:{}: {}: {}", label_, doc_.line_of(pointer), field_name(pointer),
         message);
  }
  int line(std::string_view pointer) const { return doc_.line_of(pointer); }

  const json& at(std::string_view pointer) const {
    return doc_.value.at(json::json_pointer(std::string(pointer)));
  }
  bool has(std::string_view pointer, std::string_view key) const {
    const json& node = at(pointer);
    return node.is_object() && node.contains(key);
  }

  // The value at pointer must be an object whose keys are all allowed; required keys must be there.
  void object(std::string_view pointer, std::initializer_list<std::string_view> allowed,
              std::initializer_list<std::string_view> required = {}) const {
    const json& node = at(pointer);
    if (!node.is_object())
      error(pointer, fmt::format("must be an object, not {}", node.type_name()));
    for (const auto& [key, value] : node.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string guess = nearest(key, allowed);
      error(child(pointer, key), guess.empty()
                                     ? std::string("unknown field")
                                     : fmt::format("unknown field; did you mean \"{}\"?", guess));
    }
    for (std::string_view key : required) {
      if (!node.contains(key)) error(pointer, fmt::format("the field \"{}\" is required", key));
    }
  }

  std::string text(std::string_view pointer) const {
    const json& node = at(pointer);
    if (!node.is_string())
      error(pointer, fmt::format("must be a string, not {}", node.type_name()));
    std::string value = node.get<std::string>();
    if (value.empty()) error(pointer, "must not be empty");
    return value;
  }
  double number(std::string_view pointer, double min,
                std::optional<double> max = std::nullopt) const {
    const json& node = at(pointer);
    if (!node.is_number())
      error(pointer, fmt::format("must be a number, not {}", node.type_name()));
    const double value = node.get<double>();
    if (value < min || (max && value > *max)) {
      error(pointer, max ? fmt::format("{} must be in [{}, {}]", value, min, *max)
                         : fmt::format("{} must be at least {}", value, min));
    }
    return value;
  }
  bool boolean(std::string_view pointer) const {
    const json& node = at(pointer);
    if (!node.is_boolean())
      error(pointer, fmt::format("must be true or false, not {}", node.type_name()));
    return node.get<bool>();
  }
  uint64_t size(std::string_view pointer) const {
    std::string value = text(pointer);
    auto bytes = facts::parse_size(value);
    if (!bytes) error(pointer, fmt::format("\"{}\" is not a size such as 64MiB or 1GiB", value));
    return *bytes;
  }
  template <typename E>
  E choice(std::string_view pointer, Options<E> options) const {
    std::string value = text(pointer);
    for (const auto& [name, option] : options) {
      if (name == value) return option;
    }
    error(pointer, fmt::format("\"{}\" must be one of {}", value, joined(options)));
  }
  std::string source(std::string_view pointer) const {
    std::string id = text(pointer);
    if (!find_source(id)) {
      std::string known;
      for (const Source& s : all_sources())
        known += (known.empty() ? "" : ", ") + std::string(s.id);
      error(pointer, fmt::format("unknown source \"{}\" (known: {})", id, known));
    }
    return id;
  }

  static std::string child(std::string_view pointer, std::string_view key) {
    return fmt::format("{}/{}", pointer, key);
  }
  static std::string child(std::string_view pointer, size_t index) {
    return fmt::format("{}/{}", pointer, index);
  }

 private:
  const LocatedJson& doc_;
  std::string label_;
};

const std::initializer_list<std::string_view> kGoalFields = {
    "swap",           "page_cache",     "writes", "write_stall_budget_ms", "dirty_drain_s",
    "dirty_fallback", "fork_snapshots", "thp",    "latency_sensitive",     "allocation_bursts",
    "numa_balancing", "overcommit",     "sources"};

DirtyFallback read_dirty_fallback(const Checker& c, const std::string& p) {
  c.object(p, {"bytes", "background_bytes", "ratio", "background_ratio", "source"}, {"source"});
  DirtyFallback f;
  f.line = c.line(p);
  f.source = c.source(p + "/source");
  const bool bytes = c.has(p, "bytes") || c.has(p, "background_bytes");
  const bool ratio = c.has(p, "ratio") || c.has(p, "background_ratio");
  if (bytes == ratio)
    c.error(p, "give either bytes and background_bytes, or ratio and background_ratio");
  if (bytes) {
    if (!c.has(p, "bytes") || !c.has(p, "background_bytes")) {
      c.error(p, "bytes and background_bytes go together");
    }
    f.bytes = c.size(p + "/bytes");
    f.background_bytes = c.size(p + "/background_bytes");
    if (*f.bytes < 2 * 4096) c.error(p + "/bytes", "the kernel rejects dirty_bytes below 2 pages");
    if (*f.background_bytes >= *f.bytes) {
      c.error(p + "/background_bytes", "must be below bytes (the kernel would halve it)");
    }
  } else {
    if (!c.has(p, "ratio") || !c.has(p, "background_ratio")) {
      c.error(p, "ratio and background_ratio go together");
    }
    f.ratio = int64_t(c.number(p + "/ratio", 1, 100));
    f.background_ratio = int64_t(c.number(p + "/background_ratio", 1, 100));
    if (*f.background_ratio >= *f.ratio) c.error(p + "/background_ratio", "must be below ratio");
  }
  return f;
}

Goals read_goals(const Checker& c) {
  const std::string p = "/goals";
  c.object(p, kGoalFields, {"swap", "thp"});
  Goals g;
  auto field = [&](std::string_view key) { return Checker::child(p, key); };
  g.swap = c.choice(field("swap"), kSwapGoals);
  g.thp = c.choice(field("thp"), kThpGoals);
  if (c.has(p, "page_cache")) g.page_cache = c.choice(field("page_cache"), kPageCacheUses);
  if (c.has(p, "writes")) g.writes = c.choice(field("writes"), kWritePatterns);
  if (c.has(p, "write_stall_budget_ms")) {
    g.write_stall_budget_ms = c.number(field("write_stall_budget_ms"), 1, 60000);
  }
  if (c.has(p, "dirty_drain_s")) g.dirty_drain_s = c.number(field("dirty_drain_s"), 0.05, 60);
  if (c.has(p, "dirty_fallback"))
    g.dirty_fallback = read_dirty_fallback(c, field("dirty_fallback"));
  if (c.has(p, "fork_snapshots")) g.fork_snapshots = c.boolean(field("fork_snapshots"));
  if (c.has(p, "latency_sensitive")) g.latency_sensitive = c.boolean(field("latency_sensitive"));
  if (c.has(p, "allocation_bursts")) g.allocation_bursts = c.boolean(field("allocation_bursts"));
  if (c.has(p, "numa_balancing")) g.numa_balancing = c.choice(field("numa_balancing"), kNumaGoals);
  if (c.has(p, "overcommit")) g.overcommit = c.choice(field("overcommit"), kOvercommitGoals);
  if (c.has(p, "sources")) {
    const std::string sp = field("sources");
    const json& node = c.at(sp);
    if (!node.is_object()) c.error(sp, "must be an object of goal name → [source ids]");
    for (const auto& [goal, ids] : node.items()) {
      const std::string gp = Checker::child(sp, goal);
      if (goal == "sources" ||
          std::find(kGoalFields.begin(), kGoalFields.end(), goal) == kGoalFields.end()) {
        c.error(gp, "not a goal name");
      }
      if (!ids.is_array() || ids.empty()) c.error(gp, "must be a non-empty array of source ids");
      for (size_t i = 0; i < ids.size(); ++i)
        g.sources[goal].push_back(c.source(Checker::child(gp, i)));
    }
  }
  if (g.write_stall_budget_ms && g.writes == WritePattern::light) {
    c.error(field("write_stall_budget_ms"),
            "a write-stall budget needs writes: mixed or streaming");
  }
  return g;
}

std::vector<VendorPin> read_vendor(const Checker& c) {
  const std::string p = "/vendor";
  const json& node = c.at(p);
  if (!node.is_array()) c.error(p, "must be an array of {knob, value, source, why}");
  std::vector<VendorPin> pins;
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string ip = Checker::child(p, i);
    c.object(ip, {"knob", "value", "source", "why"}, {"knob", "value", "source", "why"});
    VendorPin pin;
    pin.line = c.line(ip);
    pin.knob = c.text(ip + "/knob");
    auto knob = facts::find_knob(pin.knob);
    if (!knob) {
      std::string guess = facts::suggest_knob(pin.knob);
      c.error(ip + "/knob", guess.empty() ? fmt::format("unknown knob \"{}\"", pin.knob)
                                          : fmt::format("unknown knob \"{}\"; did you mean \"{}\"?",
                                                        pin.knob, guess));
    }
    if (!seen.insert(pin.knob).second)
      c.error(ip + "/knob", fmt::format("{} is pinned twice", pin.knob));
    const json& value = c.at(ip + "/value");
    pin.value = value.is_number_integer() ? value.dump() : c.text(ip + "/value");
    if (auto why_not = facts::invalid_knob_value(*knob, pin.value)) {
      c.error(ip + "/value", fmt::format("{}: \"{}\" {}", pin.knob, pin.value, *why_not));
    }
    pin.source = c.source(ip + "/source");
    pin.why = c.text(ip + "/why");
    pins.push_back(std::move(pin));
  }
  return pins;
}

ParamSpec read_param(const Checker& c, const std::string& p, const std::string& name,
                     const workloads::Workload& workload) {
  ParamSpec spec;
  spec.name = name;
  spec.line = c.line(p);
  auto param = std::find_if(workload.params.begin(), workload.params.end(),
                            [&](const workloads::Param& q) { return q.name == name; });
  if (param == workload.params.end()) {
    std::string known;
    for (const workloads::Param& q : workload.params)
      known += (known.empty() ? "" : ", ") + std::string(q.name);
    c.error(p, fmt::format("{} has no parameter \"{}\" (it has: {})", workload.name, name, known));
  }
  const json& node = c.at(p);
  if (node.is_object()) {
    if (param->kind != workloads::ParamKind::size) {
      c.error(p, fmt::format("only size parameters may be a fraction of MemAvailable; {} is {}",
                             name, workloads::kind_name(param->kind)));
    }
    c.object(p, {"fraction_of_available", "min", "max", "multiple_of"}, {"fraction_of_available"});
    spec.fraction_of_available = c.number(p + "/fraction_of_available", 0.0001, 1.0);
    if (c.has(p, "min")) spec.min_bytes = c.size(p + "/min");
    if (c.has(p, "max")) spec.max_bytes = c.size(p + "/max");
    if (c.has(p, "multiple_of"))
      spec.multiple_bytes = std::max<uint64_t>(1, c.size(p + "/multiple_of"));
    if (spec.max_bytes && spec.min_bytes > spec.max_bytes) c.error(p + "/min", "is above max");
    return spec;
  }
  spec.literal = node.is_number_integer() ? node.dump() : c.text(p);
  try {
    std::pair<std::string, std::string> given{name, *spec.literal};
    workloads::parse_params(workload.params, std::span(&given, 1));
  } catch (const Error& e) {
    c.error(p, e.what());
  }
  return spec;
}

ScenarioStep read_step(const Checker& c, const std::string& p) {
  c.object(p, {"id", "workload", "params", "time_limit_s"}, {"workload", "time_limit_s"});
  ScenarioStep step;
  step.line = c.line(p);
  step.workload = c.text(p + "/workload");
  const workloads::Workload* workload = workloads::find_workload(step.workload);
  if (!workload) {
    std::string guess = workloads::suggest_workload(step.workload);
    c.error(
        p + "/workload",
        guess.empty()
            ? fmt::format("unknown workload \"{}\" (not in this build; see `mmtune list`)",
                          step.workload)
            : fmt::format("unknown workload \"{}\"; did you mean \"{}\"?", step.workload, guess));
  }
  step.id = c.has(p, "id") ? c.text(p + "/id") : step.workload;
  step.time_limit_s = c.number(p + "/time_limit_s", 1, 3600);
  if (c.has(p, "params")) {
    const std::string pp = p + "/params";
    const json& params = c.at(pp);
    if (!params.is_object()) c.error(pp, "must be an object of parameter name → value");
    for (const auto& [name, value] : params.items()) {
      step.params.push_back(read_param(c, Checker::child(pp, name), name, *workload));
    }
  }
  return step;
}

Scenario read_scenario(const Checker& c, const std::string& p, const std::string& name) {
  c.object(p, {"summary", "time_budget_s", "memory_fraction", "steps", "metrics"},
           {"summary", "time_budget_s", "memory_fraction", "steps"});
  Scenario s;
  s.name = name;
  s.line = c.line(p);
  s.summary = c.text(p + "/summary");
  s.time_budget_s = c.number(p + "/time_budget_s", 1, 24 * 3600);
  s.memory_fraction = c.number(p + "/memory_fraction", 0.01, 0.9);
  const std::string sp = p + "/steps";
  const json& steps = c.at(sp);
  if (!steps.is_array() || steps.empty()) c.error(sp, "must be a non-empty array of steps");
  std::set<std::string> ids;
  double total_s = 0;
  for (size_t i = 0; i < steps.size(); ++i) {
    ScenarioStep step = read_step(c, Checker::child(sp, i));
    if (!ids.insert(step.id).second) {
      c.error(Checker::child(sp, i),
              fmt::format("step id \"{}\" is used twice; give one an \"id\"", step.id));
    }
    total_s += step.time_limit_s;
    s.steps.push_back(std::move(step));
  }
  if (total_s > s.time_budget_s) {
    c.error(p + "/time_budget_s",
            fmt::format("the steps' time limits add up to {:g} s, more than the "
                        "budget of {:g} s",
                        total_s, s.time_budget_s));
  }
  if (c.has(p, "metrics")) {
    const std::string mp = p + "/metrics";
    const json& metrics = c.at(mp);
    if (!metrics.is_array())
      c.error(mp, "must be an array of {step, metric, direction, tolerance}");
    for (size_t i = 0; i < metrics.size(); ++i) {
      const std::string ip = Checker::child(mp, i);
      c.object(ip, {"step", "metric", "direction", "tolerance", "absolute"},
               {"step", "metric", "direction"});
      CiMetric m;
      m.line = c.line(ip);
      m.step = c.text(ip + "/step");
      if (!ids.contains(m.step))
        c.error(ip + "/step", fmt::format("no step \"{}\" in this scenario", m.step));
      m.metric = c.text(ip + "/metric");
      m.direction = c.choice(ip + "/direction", kDirections);
      if (c.has(ip, "tolerance")) m.tolerance = c.number(ip + "/tolerance", 0, 100);
      if (c.has(ip, "absolute")) m.absolute = c.number(ip + "/absolute", 0);
      if (!m.tolerance && !m.absolute)
        c.error(ip, "give a tolerance (relative) or an absolute margin");
      s.metrics.push_back(std::move(m));
    }
  }
  return s;
}

std::string read_file(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail(ErrorKind::bad_input, "--profile: cannot read {}", path.string());
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

std::optional<std::filesystem::path> exe_relative_profiles() {
  std::error_code ec;
  std::filesystem::path exe = std::filesystem::read_symlink("/proc/self/exe", ec);
  if (ec) return std::nullopt;
  return exe.parent_path().parent_path() / "share" / "mmtune" / "profiles";
}

}  // namespace

const Scenario* Profile::scenario(std::string_view scenario_name) const {
  auto it = scenarios.find(scenario_name);
  return it == scenarios.end() ? nullptr : &it->second;
}

Profile parse_profile(std::string_view text, std::string_view label) {
  LocatedJson doc = parse_located(text, label);
  Checker c(doc, std::string(label));
  c.object("", {"schema", "name", "summary", "goals", "vendor", "scenarios"},
           {"schema", "name", "summary", "goals", "scenarios"});
  if (std::string schema = c.text("/schema"); schema != kProfileSchema) {
    c.error("/schema", fmt::format("\"{}\" is not {}", schema, kProfileSchema));
  }
  Profile profile;
  profile.file = std::string(label);
  profile.name = c.text("/name");
  const bool kebab = std::all_of(profile.name.begin(), profile.name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
  if (!kebab)
    c.error("/name", fmt::format("\"{}\" must be kebab-case (a-z, 0-9, -)", profile.name));
  if (std::filesystem::path(label).extension() == ".json" &&
      std::filesystem::path(label).stem().string() != profile.name) {
    c.error("/name", fmt::format("\"{}\" differs from the file name {}", profile.name,
                                 std::filesystem::path(label).filename().string()));
  }
  profile.summary = c.text("/summary");
  profile.goals = read_goals(c);
  if (c.has("", "vendor")) profile.vendor = read_vendor(c);
  const json& scenarios = c.at("/scenarios");
  if (!scenarios.is_object() || scenarios.empty()) {
    c.error("/scenarios", "must be an object of scenario name → scenario, with at least \"quick\"");
  }
  for (const auto& [name, value] : scenarios.items()) {
    profile.scenarios.emplace(name, read_scenario(c, Checker::child("/scenarios", name), name));
  }
  if (!profile.scenario("quick"))
    c.error("/scenarios", "has no \"quick\" scenario (what `mmtune tune` runs)");
  return profile;
}

std::vector<std::filesystem::path> profile_dirs() {
  std::vector<std::filesystem::path> dirs;
  if (const char* env = std::getenv("MMTUNE_PROFILES"); env && *env) dirs.emplace_back(env);
#ifdef MMTUNE_SOURCE_PROFILES
  dirs.emplace_back(MMTUNE_SOURCE_PROFILES);
#endif
#ifdef MMTUNE_INSTALLED_PROFILES
  dirs.emplace_back(MMTUNE_INSTALLED_PROFILES);
#endif
  if (auto beside = exe_relative_profiles()) dirs.push_back(*beside);
  return dirs;
}

std::vector<std::string> profile_names() {
  for (const std::filesystem::path& dir : profile_dirs()) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(dir, ec)) {
      if (entry.path().extension() == ".json") names.push_back(entry.path().stem().string());
    }
    if (!names.empty()) {
      std::sort(names.begin(), names.end());
      return names;
    }
  }
  return {};
}

Profile load_profile(std::string_view name_or_path) {
  const std::string given(name_or_path);
  if (given.find('/') != std::string::npos || given.ends_with(".json")) {
    return parse_profile(read_file(given), given);
  }
  for (const std::filesystem::path& dir : profile_dirs()) {
    std::filesystem::path candidate = dir / (given + ".json");
    std::error_code ec;
    if (std::filesystem::is_regular_file(candidate, ec)) {
      // Errors name the file as profiles/NAME.json: short, and the same wherever it is installed.
      return parse_profile(read_file(candidate), "profiles/" + given + ".json");
    }
  }
  std::vector<std::string> names = profile_names();
  const std::string best = facts::nearest_name(given, names);
  if (!best.empty())
    fail(ErrorKind::bad_input, "--profile: unknown profile \"{}\"; did you mean \"{}\"?", given,
         best);
  std::string list;
  for (const std::string& name : names) list += (list.empty() ? "" : ", ") + name;
  fail(ErrorKind::bad_input, "--profile: unknown profile \"{}\" (profiles: {})", given,
       list.empty() ? "none found; set MMTUNE_PROFILES" : list);
}

std::string_view to_string(SwapGoal goal) { return name_of(kSwapGoals, goal); }
std::string_view to_string(PageCacheUse use) { return name_of(kPageCacheUses, use); }
std::string_view to_string(WritePattern pattern) { return name_of(kWritePatterns, pattern); }
std::string_view to_string(ThpGoal goal) { return name_of(kThpGoals, goal); }
std::string_view to_string(NumaBalancingGoal goal) { return name_of(kNumaGoals, goal); }
std::string_view to_string(OvercommitGoal goal) { return name_of(kOvercommitGoals, goal); }
std::string_view to_string(Direction direction) { return name_of(kDirections, direction); }

}  // namespace mmtune::advisor
