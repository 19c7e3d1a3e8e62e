// Loading and checking profiles. Every check names the file, the line and the field, so a typo in a
// profile is found by reading one line of output; a profile with several mistakes gets a line for
// each, from one run.
#include "advisor/profile.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
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

// Thrown by Checker::error after it has recorded the problem: abandons the part of the profile
// being read (a field, a pin, a step, a metric) so that the next part is checked too.
struct Abandoned {};

// Reads fields of the document and collects its problems, each "LABEL:LINE: FIELD: message".
class Checker {
 public:
  Checker(const LocatedJson& doc, std::string label) : doc_(doc), label_(std::move(label)) {}

  // Records a problem and goes on.
  void note(std::string_view pointer, std::string_view message) {
    const int line = doc_.line_of(pointer);
    problems_.push_back(
        {line, fmt::format("{}:{}: {}: {}", label_, line, field_name(pointer), message)});
  }
  // Records a problem and abandons the part being read.
  [[noreturn]] void error(std::string_view pointer, std::string_view message) {
    note(pointer, message);
    throw Abandoned{};
  }
  // Runs read; false when it abandoned its part.
  template <typename Read>
  bool attempt(Read&& read) {
    try {
      read();
      return true;
    } catch (const Abandoned&) {
      return false;
    }
  }
  // read()'s value, or nullopt when it abandoned its part.
  template <typename Read>
  auto maybe(Read&& read) -> std::optional<decltype(read())> {
    try {
      return read();
    } catch (const Abandoned&) {
      return std::nullopt;
    }
  }
  // Throws Error{bad_input} listing every problem recorded, one per line, in the order of the file.
  void throw_problems() const {
    if (problems_.empty()) {
      if (abandoned_silently_)
        fail(ErrorKind::internal, "{}: a field was skipped unreported", label_);
      return;
    }
    std::vector<Problem> sorted = problems_;
    std::stable_sort(sorted.begin(), sorted.end(),
                     [](const Problem& a, const Problem& b) { return a.line < b.line; });
    std::string message;
    for (const Problem& problem : sorted) {
      message += (message.empty() ? "" : "\n") + problem.text;
    }
    throw Error(ErrorKind::bad_input, message);
  }

  int line(std::string_view pointer) const { return doc_.line_of(pointer); }

  // The value at pointer. A missing one abandons the part: object() has reported the missing
  // required field already.
  const json& at(std::string_view pointer) {
    const json::json_pointer where{std::string(pointer)};
    if (!doc_.value.contains(where)) {
      abandoned_silently_ = true;
      throw Abandoned{};
    }
    return doc_.value.at(where);
  }
  bool has(std::string_view pointer, std::string_view key) {
    const json& node = at(pointer);
    return node.is_object() && node.contains(key);
  }

  // The value at pointer must be an object; every key that is not allowed and every required key
  // that is missing is a problem.
  void object(std::string_view pointer, std::initializer_list<std::string_view> allowed,
              std::initializer_list<std::string_view> required = {}) {
    const json& node = at(pointer);
    if (!node.is_object())
      error(pointer, fmt::format("must be an object, not {}", node.type_name()));
    for (const auto& [key, value] : node.items()) {
      if (std::find(allowed.begin(), allowed.end(), key) != allowed.end()) continue;
      std::string guess = nearest(key, allowed);
      note(child(pointer, key), guess.empty()
                                    ? std::string("unknown field")
                                    : fmt::format("unknown field; did you mean \"{}\"?", guess));
    }
    for (std::string_view key : required) {
      if (!node.contains(key)) note(pointer, fmt::format("the field \"{}\" is required", key));
    }
  }

  std::string text(std::string_view pointer) {
    const json& node = at(pointer);
    if (!node.is_string())
      error(pointer, fmt::format("must be a string, not {}", node.type_name()));
    std::string value = node.get<std::string>();
    if (value.empty()) error(pointer, "must not be empty");
    return value;
  }
  double number(std::string_view pointer, double min, std::optional<double> max = std::nullopt) {
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
  bool boolean(std::string_view pointer) {
    const json& node = at(pointer);
    if (!node.is_boolean())
      error(pointer, fmt::format("must be true or false, not {}", node.type_name()));
    return node.get<bool>();
  }
  uint64_t size(std::string_view pointer) {
    std::string value = text(pointer);
    auto bytes = facts::parse_size(value);
    if (!bytes) error(pointer, fmt::format("\"{}\" is not a size such as 64MiB or 1GiB", value));
    return *bytes;
  }
  template <typename E>
  E choice(std::string_view pointer, Options<E> options) {
    std::string value = text(pointer);
    for (const auto& [name, option] : options) {
      if (name == value) return option;
    }
    error(pointer, fmt::format("\"{}\" must be one of {}", value, joined(options)));
  }
  std::string source(std::string_view pointer) {
    std::string id = text(pointer);
    if (!find_source(id)) {
      std::string known;
      for (const Source& s : all_sources())
        known += (known.empty() ? "" : ", ") + std::string(s.id);
      error(pointer, fmt::format("unknown source \"{}\" (known: {})", id, known));
    }
    return id;
  }
  // An integer value as its decimal text, or a non-empty string.
  std::string integer_or_text(std::string_view pointer) {
    const json& node = at(pointer);
    return node.is_number_integer() ? node.dump() : text(pointer);
  }

  // A key is escaped as JSON Pointer wants it (RFC 6901): "~" as "~0", "/" as "~1"; a scenario
  // named "a~b" made nlohmann's pointer parser throw (found by fuzz_profile).
  static std::string child(std::string_view pointer, std::string_view key) {
    std::string out = fmt::format("{}/", pointer);
    for (char ch : key) out += ch == '~' ? "~0" : ch == '/' ? "~1" : std::string(1, ch);
    return out;
  }
  static std::string child(std::string_view pointer, size_t index) {
    return fmt::format("{}/{}", pointer, index);
  }

 private:
  struct Problem {
    int line;
    std::string text;
  };

  const LocatedJson& doc_;
  std::string label_;
  std::vector<Problem> problems_;
  bool abandoned_silently_ = false;
};

const std::initializer_list<std::string_view> kGoalFields = {"swap",
                                                             "page_cache",
                                                             "writes",
                                                             "write_stall_budget_ms",
                                                             "dirty_drain_s",
                                                             "dirty_fallback",
                                                             "fork_snapshots",
                                                             "thp",
                                                             "latency_sensitive",
                                                             "allocation_bursts",
                                                             "numa_balancing",
                                                             "overcommit",
                                                             "hugetlb",
                                                             "sources"};

void read_fallback_bytes(Checker& c, const std::string& p, DirtyFallback& f) {
  if (!c.has(p, "bytes") || !c.has(p, "background_bytes"))
    c.error(p, "bytes and background_bytes go together");
  f.bytes = c.maybe([&] { return c.size(p + "/bytes"); });
  f.background_bytes = c.maybe([&] { return c.size(p + "/background_bytes"); });
  if (f.bytes && *f.bytes < 2 * 4096)
    c.note(p + "/bytes", "the kernel rejects dirty_bytes below 2 pages");
  if (f.bytes && f.background_bytes && *f.background_bytes >= *f.bytes)
    c.note(p + "/background_bytes", "must be below bytes (the kernel would halve it)");
}

void read_fallback_ratio(Checker& c, const std::string& p, DirtyFallback& f) {
  if (!c.has(p, "ratio") || !c.has(p, "background_ratio"))
    c.error(p, "ratio and background_ratio go together");
  f.ratio = c.maybe([&] { return int64_t(c.number(p + "/ratio", 1, 100)); });
  f.background_ratio = c.maybe([&] { return int64_t(c.number(p + "/background_ratio", 1, 100)); });
  if (f.ratio && f.background_ratio && *f.background_ratio >= *f.ratio)
    c.note(p + "/background_ratio", "must be below ratio");
}

DirtyFallback read_dirty_fallback(Checker& c, const std::string& p) {
  c.object(p, {"bytes", "background_bytes", "ratio", "background_ratio", "source"}, {"source"});
  DirtyFallback f;
  f.line = c.line(p);
  c.attempt([&] { f.source = c.source(p + "/source"); });
  const bool bytes = c.has(p, "bytes") || c.has(p, "background_bytes");
  const bool ratio = c.has(p, "ratio") || c.has(p, "background_ratio");
  if (bytes == ratio)
    c.error(p, "give either bytes and background_bytes, or ratio and background_ratio");
  if (bytes) {
    read_fallback_bytes(c, p, f);
  } else {
    read_fallback_ratio(c, p, f);
  }
  return f;
}

constexpr uint64_t kHugetlbPageSizes[] = {2ull << 20, 1ull << 30};  // x86_64's PMD and PUD sizes

HugetlbGoal read_hugetlb(Checker& c, const std::string& p) {
  c.object(p, {"page_size", "share_of_memory", "source", "why"},
           {"page_size", "share_of_memory", "source", "why"});
  HugetlbGoal h;
  h.line = c.line(p);
  c.attempt([&] {
    h.page_bytes = c.size(p + "/page_size");
    if (std::find(std::begin(kHugetlbPageSizes), std::end(kHugetlbPageSizes), h.page_bytes) ==
        std::end(kHugetlbPageSizes))
      c.error(p + "/page_size", "must be 2MiB or 1GiB");
  });
  c.attempt([&] { h.share_of_memory = c.number(p + "/share_of_memory", 0.001, 0.9); });
  c.attempt([&] { h.source = c.source(p + "/source"); });
  c.attempt([&] { h.why = c.text(p + "/why"); });
  return h;
}

// goals.sources: goal name → ids of the guidance behind it.
void read_goal_sources(Checker& c, const std::string& p, Goals& g) {
  const json& node = c.at(p);
  if (!node.is_object()) c.error(p, "must be an object of goal name → [source ids]");
  for (const auto& item : node.items()) {  // no structured binding: clang 14 cannot capture one
    const std::string& goal = item.key();
    const json& ids = item.value();
    const std::string gp = Checker::child(p, goal);
    c.attempt([&] {
      if (goal == "sources" ||
          std::find(kGoalFields.begin(), kGoalFields.end(), goal) == kGoalFields.end()) {
        c.error(gp, "not a goal name");
      }
      if (!ids.is_array() || ids.empty()) c.error(gp, "must be a non-empty array of source ids");
      for (size_t i = 0; i < ids.size(); ++i)
        c.attempt([&] { g.sources[goal].push_back(c.source(Checker::child(gp, i))); });
    });
  }
}

Goals read_goals(Checker& c) {
  const std::string p = "/goals";
  c.object(p, kGoalFields, {"swap", "thp"});
  Goals g;
  // Reads the goal `key` with read when it is there (a required one that is missing has been
  // reported); false when it was wrong.
  auto goal = [&](std::string_view key, bool required, auto&& read) {
    if (!required && !c.has(p, key)) return true;
    return c.attempt([&] { read(Checker::child(p, key)); });
  };
  goal("swap", true, [&](const std::string& f) { g.swap = c.choice(f, kSwapGoals); });
  goal("thp", true, [&](const std::string& f) { g.thp = c.choice(f, kThpGoals); });
  goal("page_cache", false,
       [&](const std::string& f) { g.page_cache = c.choice(f, kPageCacheUses); });
  const bool writes_ok =
      goal("writes", false, [&](const std::string& f) { g.writes = c.choice(f, kWritePatterns); });
  goal("write_stall_budget_ms", false,
       [&](const std::string& f) { g.write_stall_budget_ms = c.number(f, 1, 60000); });
  goal("dirty_drain_s", false,
       [&](const std::string& f) { g.dirty_drain_s = c.number(f, 0.05, 60); });
  goal("dirty_fallback", false,
       [&](const std::string& f) { g.dirty_fallback = read_dirty_fallback(c, f); });
  goal("fork_snapshots", false, [&](const std::string& f) { g.fork_snapshots = c.boolean(f); });
  goal("latency_sensitive", false,
       [&](const std::string& f) { g.latency_sensitive = c.boolean(f); });
  goal("allocation_bursts", false,
       [&](const std::string& f) { g.allocation_bursts = c.boolean(f); });
  goal("numa_balancing", false,
       [&](const std::string& f) { g.numa_balancing = c.choice(f, kNumaGoals); });
  goal("overcommit", false,
       [&](const std::string& f) { g.overcommit = c.choice(f, kOvercommitGoals); });
  goal("hugetlb", false, [&](const std::string& f) { g.hugetlb = read_hugetlb(c, f); });
  goal("sources", false, [&](const std::string& f) { read_goal_sources(c, f, g); });
  if (writes_ok && g.write_stall_budget_ms && g.writes == WritePattern::light) {
    c.note(Checker::child(p, "write_stall_budget_ms"),
           "a write-stall budget needs writes: mixed or streaming");
  }
  return g;
}

// The pin's knob must exist and its value be one the kernel accepts for it.
void read_pinned_value(Checker& c, const std::string& p, VendorPin& pin) {
  pin.knob = c.text(p + "/knob");
  auto knob = facts::find_knob(pin.knob);
  if (!knob) {
    std::string guess = facts::suggest_knob(pin.knob);
    c.error(p + "/knob", guess.empty() ? fmt::format("unknown knob \"{}\"", pin.knob)
                                       : fmt::format("unknown knob \"{}\"; did you mean \"{}\"?",
                                                     pin.knob, guess));
  }
  pin.value = c.integer_or_text(p + "/value");
  if (auto why_not = facts::invalid_knob_value(*knob, pin.value)) {
    c.error(p + "/value", fmt::format("{}: \"{}\" {}", pin.knob, pin.value, *why_not));
  }
}

std::vector<VendorPin> read_vendor(Checker& c) {
  const std::string p = "/vendor";
  const json& node = c.at(p);
  if (!node.is_array()) c.error(p, "must be an array of {knob, value, source, why}");
  std::vector<VendorPin> pins;
  std::set<std::string> seen;
  for (size_t i = 0; i < node.size(); ++i) {
    const std::string ip = Checker::child(p, i);
    c.attempt([&] {
      c.object(ip, {"knob", "value", "source", "why"}, {"knob", "value", "source", "why"});
      VendorPin pin;
      pin.line = c.line(ip);
      c.attempt([&] { read_pinned_value(c, ip, pin); });
      if (!pin.knob.empty() && !seen.insert(pin.knob).second)
        c.note(ip + "/knob", fmt::format("{} is pinned twice", pin.knob));
      c.attempt([&] { pin.source = c.source(ip + "/source"); });
      c.attempt([&] { pin.why = c.text(ip + "/why"); });
      pins.push_back(std::move(pin));
    });
  }
  return pins;
}

const workloads::Param& find_param(Checker& c, const std::string& p, const std::string& name,
                                   const workloads::Workload& workload) {
  auto param = std::find_if(workload.params.begin(), workload.params.end(),
                            [&](const workloads::Param& q) { return q.name == name; });
  if (param == workload.params.end()) {
    std::string known;
    for (const workloads::Param& q : workload.params)
      known += (known.empty() ? "" : ", ") + std::string(q.name);
    c.error(p, fmt::format("{} has no parameter \"{}\" (it has: {})", workload.name, name, known));
  }
  return *param;
}

// {"fraction_of_available": 0.05, "min": "64MiB", "max": "1GiB", "multiple_of": "2MiB"}
void read_fraction(Checker& c, const std::string& p, const workloads::Param& param,
                   ParamSpec& spec) {
  if (param.kind != workloads::ParamKind::size) {
    c.error(p, fmt::format("only size parameters may be a fraction of MemAvailable; {} is {}",
                           param.name, workloads::kind_name(param.kind)));
  }
  c.object(p, {"fraction_of_available", "min", "max", "multiple_of"}, {"fraction_of_available"});
  c.attempt(
      [&] { spec.fraction_of_available = c.number(p + "/fraction_of_available", 0.0001, 1.0); });
  const bool min_ok = !c.has(p, "min") || c.attempt([&] { spec.min_bytes = c.size(p + "/min"); });
  const bool max_ok = !c.has(p, "max") || c.attempt([&] { spec.max_bytes = c.size(p + "/max"); });
  if (c.has(p, "multiple_of")) {
    c.attempt([&] { spec.multiple_bytes = std::max<uint64_t>(1, c.size(p + "/multiple_of")); });
  }
  if (min_ok && max_ok && spec.max_bytes && spec.min_bytes > spec.max_bytes)
    c.note(p + "/min", "is above max");
}

// The literal as the value its parameter holds; text that parse_params has accepted for it.
workloads::ParamInputValue typed_literal(const workloads::Param& param, const std::string& text) {
  using workloads::ParamKind;
  switch (param.kind) {
    case ParamKind::size:
      if (auto bytes = facts::parse_size(text)) return *bytes;
      break;
    case ParamKind::duration:
      if (auto duration = facts::parse_duration(text)) return *duration;
      break;
    case ParamKind::integer: {
      uint64_t count = 0;
      auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), count);
      if (ec == std::errc() && end == text.data() + text.size()) return count;
      break;  // a negative count stays text
    }
    case ParamKind::fraction:
      if (auto fraction = facts::parse_fraction(text)) return *fraction;
      break;
    default:
      break;
  }
  return text;
}

ParamSpec read_param(Checker& c, const std::string& p, const std::string& name,
                     const workloads::Workload& workload) {
  ParamSpec spec;
  spec.name = name;
  spec.line = c.line(p);
  const workloads::Param& param = find_param(c, p, name, workload);
  if (c.at(p).is_object()) {
    read_fraction(c, p, param, spec);
    return spec;
  }
  const std::string text = c.integer_or_text(p);
  try {
    std::pair<std::string, std::string> given{name, text};
    workloads::parse_params(workload.params, std::span(&given, 1));
  } catch (const Error& e) {
    c.error(p, e.what());
  }
  spec.value = typed_literal(param, text);
  return spec;
}

const workloads::Workload& find_step_workload(Checker& c, const std::string& p,
                                              const std::string& name) {
  const workloads::Workload* workload = workloads::find_workload(name);
  if (!workload) {
    std::string guess = workloads::suggest_workload(name);
    c.error(
        p, guess.empty()
               ? fmt::format("unknown workload \"{}\" (not in this build; see `mmtune list`)", name)
               : fmt::format("unknown workload \"{}\"; did you mean \"{}\"?", name, guess));
  }
  return *workload;
}

void read_step_params(Checker& c, const std::string& p, const workloads::Workload& workload,
                      ScenarioStep& step) {
  const json& params = c.at(p);
  if (!params.is_object()) c.error(p, "must be an object of parameter name → value");
  for (const auto& item : params.items()) {  // no structured binding: clang 14 cannot capture one
    const std::string& name = item.key();
    if (auto spec = c.maybe([&] { return read_param(c, Checker::child(p, name), name, workload); }))
      step.params.push_back(std::move(*spec));
  }
}

// A step as read, and whether its id and time limit could be: the scenario's checks that use them
// (metrics name steps by id; the limits must fit the budget) are left out when they could not, so
// that one mistake is reported once.
struct StepRead {
  ScenarioStep step;
  bool id_ok = false, time_limit_ok = false;
};

StepRead read_step(Checker& c, const std::string& p) {
  c.object(p, {"id", "workload", "params", "time_limit_s", "needs"}, {"workload", "time_limit_s"});
  StepRead read;
  ScenarioStep& step = read.step;
  step.line = c.line(p);
  const workloads::Workload* workload = nullptr;
  c.attempt([&] {
    step.workload = c.text(p + "/workload");
    workload = &find_step_workload(c, p + "/workload", step.workload);
  });
  if (c.has(p, "id")) {
    read.id_ok = c.attempt([&] { step.id = c.text(p + "/id"); });
  } else {
    step.id = step.workload;
    read.id_ok = workload != nullptr;
  }
  read.time_limit_ok =
      c.attempt([&] { step.time_limit_s = c.number(p + "/time_limit_s", 1, 3600); });
  if (c.has(p, "needs")) {
    c.attempt([&] {
      const std::string needs = c.text(p + "/needs");
      if (needs != "swap") c.error(p + "/needs", fmt::format("\"{}\" must be swap", needs));
      step.needs_swap = true;
    });
  }
  if (workload && c.has(p, "params"))
    c.attempt([&] { read_step_params(c, p + "/params", *workload, step); });
  return read;
}

// The ids of the steps that could be read, and whether every step's id and time limit could.
struct StepsRead {
  std::set<std::string> ids;
  bool all_ids_known = true, all_limits_known = true;
};

StepsRead read_steps(Checker& c, const std::string& p, Scenario& s) {
  const json& steps = c.at(p);
  if (!steps.is_array() || steps.empty()) c.error(p, "must be a non-empty array of steps");
  StepsRead all;
  for (size_t i = 0; i < steps.size(); ++i) {
    const std::string ip = Checker::child(p, i);
    std::optional<StepRead> read = c.maybe([&] { return read_step(c, ip); });
    all.all_ids_known &= read && read->id_ok;
    all.all_limits_known &= read && read->time_limit_ok;
    if (!read) continue;
    if (read->id_ok && !all.ids.insert(read->step.id).second) {
      c.note(ip, fmt::format("step id \"{}\" is used twice; give one an \"id\"", read->step.id));
    }
    s.steps.push_back(std::move(read->step));
  }
  return all;
}

// steps: what read_steps found, nullptr when the steps could not be read.
CiMetric read_metric(Checker& c, const std::string& p, const StepsRead* steps) {
  c.object(p, {"step", "metric", "direction", "tolerance", "absolute"},
           {"step", "metric", "direction"});
  CiMetric m;
  m.line = c.line(p);
  c.attempt([&] {
    m.step = c.text(p + "/step");
    if (steps && steps->all_ids_known && !steps->ids.contains(m.step))
      c.error(p + "/step", fmt::format("no step \"{}\" in this scenario", m.step));
  });
  c.attempt([&] { m.metric = c.text(p + "/metric"); });
  c.attempt([&] { m.direction = c.choice(p + "/direction", kDirections); });
  const bool tolerance_ok = !c.has(p, "tolerance") ||
                            c.attempt([&] { m.tolerance = c.number(p + "/tolerance", 0, 100); });
  const bool absolute_ok =
      !c.has(p, "absolute") || c.attempt([&] { m.absolute = c.number(p + "/absolute", 0); });
  if (tolerance_ok && absolute_ok && !m.tolerance && !m.absolute)
    c.note(p, "give a tolerance (relative) or an absolute margin");
  return m;
}

void read_metrics(Checker& c, const std::string& p, const StepsRead* steps, Scenario& s) {
  const json& metrics = c.at(p);
  if (!metrics.is_array()) c.error(p, "must be an array of {step, metric, direction, tolerance}");
  for (size_t i = 0; i < metrics.size(); ++i) {
    if (auto m = c.maybe([&] { return read_metric(c, Checker::child(p, i), steps); }))
      s.metrics.push_back(std::move(*m));
  }
}

void check_time_budget(Checker& c, const std::string& p, const Scenario& s) {
  double total_s = 0;
  for (const ScenarioStep& step : s.steps) total_s += step.time_limit_s;
  if (total_s > s.time_budget_s) {
    c.note(p, fmt::format("the steps' time limits add up to {:g} s, more than the budget of {:g} s",
                          total_s, s.time_budget_s));
  }
}

Scenario read_scenario(Checker& c, const std::string& p, const std::string& name) {
  c.object(p, {"summary", "time_budget_s", "memory_fraction", "steps", "metrics"},
           {"summary", "time_budget_s", "memory_fraction", "steps"});
  Scenario s;
  s.name = name;
  s.line = c.line(p);
  c.attempt([&] { s.summary = c.text(p + "/summary"); });
  const bool budget_ok =
      c.attempt([&] { s.time_budget_s = c.number(p + "/time_budget_s", 1, 24 * 3600); });
  c.attempt([&] { s.memory_fraction = c.number(p + "/memory_fraction", 0.01, 0.9); });
  const std::optional<StepsRead> steps = c.maybe([&] { return read_steps(c, p + "/steps", s); });
  if (budget_ok && steps && steps->all_limits_known) check_time_budget(c, p + "/time_budget_s", s);
  if (c.has(p, "metrics"))
    c.attempt([&] { read_metrics(c, p + "/metrics", steps ? &*steps : nullptr, s); });
  return s;
}

// The profile's name: kebab-case, and the file's name when it is a .json file.
void read_name(Checker& c, std::string_view label, Profile& profile) {
  profile.name = c.text("/name");
  const bool kebab = std::all_of(profile.name.begin(), profile.name.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '-';
  });
  if (!kebab)
    c.error("/name", fmt::format("\"{}\" must be kebab-case (a-z, 0-9, -)", profile.name));
  const std::filesystem::path file(label);
  if (file.extension() == ".json" && file.stem().string() != profile.name) {
    c.error("/name", fmt::format("\"{}\" differs from the file name {}", profile.name,
                                 file.filename().string()));
  }
}

void read_scenarios(Checker& c, Profile& profile) {
  const json& scenarios = c.at("/scenarios");
  if (!scenarios.is_object() || scenarios.empty()) {
    c.error("/scenarios", "must be an object of scenario name → scenario, with at least \"quick\"");
  }
  for (const auto& item : scenarios.items()) {  // as above: clang 14 cannot capture a binding
    const std::string& name = item.key();
    if (auto s =
            c.maybe([&] { return read_scenario(c, Checker::child("/scenarios", name), name); })) {
      profile.scenarios.emplace(name, std::move(*s));
    }
  }
  if (!scenarios.contains("quick"))
    c.note("/scenarios", "has no \"quick\" scenario (what `mmtune tune` runs)");
}

void read_profile(Checker& c, std::string_view label, Profile& profile) {
  c.object("", {"schema", "name", "summary", "goals", "vendor", "scenarios"},
           {"schema", "name", "summary", "goals", "scenarios"});
  c.attempt([&] {
    if (std::string schema = c.text("/schema"); schema != kProfileSchema) {
      c.error("/schema", fmt::format("\"{}\" is not {}", schema, kProfileSchema));
    }
  });
  c.attempt([&] { read_name(c, label, profile); });
  c.attempt([&] { profile.summary = c.text("/summary"); });
  c.attempt([&] { profile.goals = read_goals(c); });
  if (c.has("", "vendor")) c.attempt([&] { profile.vendor = read_vendor(c); });
  c.attempt([&] { read_scenarios(c, profile); });
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
  const LocatedJson doc = parse_located(text, label);
  Checker c(doc, std::string(label));
  Profile profile;
  profile.file = std::string(label);
  c.attempt([&] { read_profile(c, label, profile); });
  c.throw_problems();
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
