// Knob domains, their unit-cube encoding, the objective and constraints, and the model's rules
// for candidates.
#include "compare/optimize_space.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <set>

#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/host_model.hpp"
#include "model/what_if.hpp"
#include "probes/parsers.hpp"

namespace mmtune::compare {
namespace {

// A range whose ends differ by this factor or more is searched on a log scale: halving a dirty
// limit or a scale factor matters as much at the top of the range as at the bottom.
constexpr double kLogScaleFactor = 8;

std::optional<int64_t> parse_integer(std::string_view text) {
  int64_t value = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// A bound of an integer knob: sizes for *_bytes knobs, sizes in kB for *_kbytes knobs (a bare
// number is already kB there), plain integers otherwise.
int64_t parse_bound(const facts::Knob& knob, std::string_view text) {
  if (auto plain = parse_integer(text)) return *plain;
  const bool bytes = knob.name.ends_with("_bytes");
  const bool kbytes = knob.name.ends_with("_kbytes");
  if (bytes || kbytes) {
    if (auto size = facts::parse_size(text)) {
      if (bytes) return int64_t(*size);
      if (*size % 1024 == 0) return int64_t(*size / 1024);
      fail(ErrorKind::bad_input, "--knob {}: \"{}\" is not a whole number of kB", knob.name, text);
    }
    fail(ErrorKind::bad_input, "--knob {}: \"{}\" is not a size (e.g. 64MiB)", knob.name, text);
  }
  fail(ErrorKind::bad_input, "--knob {}: \"{}\" is not an integer", knob.name, text);
}

facts::Knob known_knob(std::string_view name) {
  if (auto knob = facts::find_knob(name)) return *knob;
  std::string guess = facts::suggest_knob(name);
  if (guess.empty()) fail(ErrorKind::bad_input, "--knob: unknown knob \"{}\"", name);
  fail(ErrorKind::bad_input, "--knob: unknown knob \"{}\"; did you mean \"{}\"?", name, guess);
}

KnobDomain parse_range(const facts::Knob& knob, std::string_view range) {
  const size_t dots = range.find("..");
  const std::string_view lo_text = probes::trim(range.substr(0, dots));
  const std::string_view hi_text = probes::trim(range.substr(dots + 2));
  if (lo_text.empty() || hi_text.empty())
    fail(ErrorKind::bad_input, "--knob {}: \"{}\" must be LO..HI", knob.name, range);
  if (knob.kind == facts::KnobKind::choice) {
    fail(ErrorKind::bad_input, "--knob {}: a range of a choice knob; list the values ({})",
         knob.name, knob.choices);
  }
  KnobDomain domain;
  domain.knob = knob.name;
  domain.kind = knob.kind;
  domain.lo = parse_bound(knob, lo_text);
  domain.hi = parse_bound(knob, hi_text);
  for (int64_t bound : {domain.lo, domain.hi}) {
    if (auto why = facts::invalid_knob_value(knob, std::to_string(bound)))
      fail(ErrorKind::bad_input, "--knob {}: {} {}", knob.name, bound, *why);
  }
  if (domain.lo == domain.hi) {
    fail(ErrorKind::bad_input, "--knob {}: the range {} is empty (one value); give LO < HI",
         knob.name, range);
  }
  if (domain.lo > domain.hi) {
    fail(ErrorKind::bad_input, "--knob {}: the range {} is inverted; give LO..HI with LO < HI",
         knob.name, range);
  }
  if (domain.lo > 0 && double(domain.hi) / double(domain.lo) >= kLogScaleFactor)
    domain.scale = Scale::log;
  return domain;
}

KnobDomain parse_enumeration(const facts::Knob& knob, std::string_view list) {
  KnobDomain domain;
  domain.knob = knob.name;
  domain.kind = knob.kind;
  std::set<std::string> seen;
  while (true) {
    const size_t comma = list.find(',');
    std::string value(probes::trim(list.substr(0, comma)));
    if (value.empty()) fail(ErrorKind::bad_input, "--knob {}: an empty value", knob.name);
    if (knob.kind == facts::KnobKind::integer) value = std::to_string(parse_bound(knob, value));
    if (auto why = facts::invalid_knob_value(knob, value))
      fail(ErrorKind::bad_input, "--knob {}: \"{}\" {}", knob.name, value, *why);
    if (!seen.insert(value).second)
      fail(ErrorKind::bad_input, "--knob {}: \"{}\" is listed twice", knob.name, value);
    domain.choices.push_back(value);
    if (comma == std::string_view::npos) break;
    list.remove_prefix(comma + 1);
  }
  if (domain.choices.size() < 2) {
    fail(ErrorKind::bad_input, "--knob {}: one value is nothing to search; give two or more",
         knob.name);
  }
  return domain;
}

double to_unit(const KnobDomain& d, int64_t value) {
  if (d.scale == Scale::log) {
    return (std::log(double(value)) - std::log(double(d.lo))) /
           (std::log(double(d.hi)) - std::log(double(d.lo)));
  }
  return double(value - d.lo) / double(d.hi - d.lo);
}

int64_t from_unit(const KnobDomain& d, double t) {
  t = std::clamp(t, 0.0, 1.0);
  double value =
      d.scale == Scale::log
          ? std::exp(std::log(double(d.lo)) + t * (std::log(double(d.hi)) - std::log(double(d.lo))))
          : double(d.lo) + t * double(d.hi - d.lo);
  return std::clamp(int64_t(std::llround(value)), d.lo, d.hi);
}

}  // namespace

KnobDomain parse_knob_domain(std::string_view text) {
  const size_t eq = text.find('=');
  if (eq == std::string_view::npos || eq == 0 || eq + 1 == text.size()) {
    fail(ErrorKind::bad_input,
         "--knob: \"{}\" must be NAME=LO..HI or NAME=V1,V2,…, e.g. vm.dirty_bytes=64MiB..2GiB",
         text);
  }
  const facts::Knob knob = known_knob(probes::trim(text.substr(0, eq)));
  const std::string_view rest = probes::trim(text.substr(eq + 1));
  if (rest.find("..") != std::string_view::npos) return parse_range(knob, rest);
  return parse_enumeration(knob, rest);
}

SearchSpace::SearchSpace(std::vector<KnobDomain> domains) : domains_(std::move(domains)) {
  for (const KnobDomain& d : domains_) dimensions_ += d.enumeration() ? d.choices.size() : 1;
}

Setting SearchSpace::decode(const std::vector<double>& x) const {
  Setting setting;
  size_t at = 0;
  for (const KnobDomain& d : domains_) {
    if (d.enumeration()) {
      const auto begin = x.begin() + long(at);
      const auto best = std::max_element(begin, begin + long(d.choices.size()));
      setting.emplace_back(d.knob, d.choices[size_t(best - begin)]);
      at += d.choices.size();
    } else {
      setting.emplace_back(d.knob, std::to_string(from_unit(d, x[at])));
      ++at;
    }
  }
  return setting;
}

std::optional<std::vector<double>> SearchSpace::encode(const Setting& setting) const {
  std::vector<double> x;
  for (const KnobDomain& d : domains_) {
    auto it = std::find_if(setting.begin(), setting.end(),
                           [&](const auto& kv) { return kv.first == d.knob; });
    if (it == setting.end()) return std::nullopt;
    if (d.enumeration()) {
      auto choice = std::find(d.choices.begin(), d.choices.end(), it->second);
      if (choice == d.choices.end()) return std::nullopt;
      for (size_t i = 0; i < d.choices.size(); ++i)
        x.push_back(d.choices.begin() + long(i) == choice ? 1.0 : 0.0);
      continue;
    }
    auto value = parse_integer(it->second);
    if (!value || *value < d.lo || *value > d.hi) return std::nullopt;
    x.push_back(to_unit(d, *value));
  }
  return x;
}

Objective parse_objective(std::string_view text) {
  const size_t colon = text.find(':');
  const std::string_view direction = text.substr(0, colon);
  if (colon == std::string_view::npos || (direction != "min" && direction != "max") ||
      probes::trim(text.substr(colon + 1)).empty()) {
    fail(ErrorKind::bad_input, "--objective: \"{}\" must be min:NAME or max:NAME", text);
  }
  return {std::string(probes::trim(text.substr(colon + 1))), direction == "max"};
}

Constraint parse_constraint(std::string_view text) {
  Constraint c;
  c.text = std::string(text);
  size_t op = text.find(">=");
  c.at_least = op != std::string_view::npos;
  if (!c.at_least) op = text.find("<=");
  const auto bad = [&] {
    fail(ErrorKind::bad_input,
         "--constraint: \"{}\" must be NAME>=BOUND or NAME<=BOUND, BOUND a number, "
         "baseline or F*baseline",
         text);
  };
  if (op == std::string_view::npos) bad();
  c.metric = std::string(probes::trim(text.substr(0, op)));
  std::string_view bound = probes::trim(text.substr(op + 2));
  if (c.metric.empty() || bound.empty()) bad();
  if (bound.ends_with("baseline")) {
    c.of_baseline = true;
    bound.remove_suffix(std::string_view("baseline").size());
    bound = probes::trim(bound);
    if (bound.empty()) {
      c.value = 1;
      return c;
    }
    if (!bound.ends_with('*')) bad();
    bound = probes::trim(bound.substr(0, bound.size() - 1));
  }
  auto [ptr, ec] = std::from_chars(bound.data(), bound.data() + bound.size(), c.value);
  if (ec != std::errc() || ptr != bound.data() + bound.size() || !std::isfinite(c.value)) bad();
  return c;
}

CandidateRules literal_rules() {
  return {[](const Setting& s) { return setting_label(s); },
          [](const Setting&) { return std::optional<std::string>(); }};
}

namespace {

enum class KnobGroup { dirty, watermarks, boost, other };

KnobGroup group_of(std::string_view knob) {
  if (knob.starts_with("vm.dirty_") && !knob.ends_with("centisecs")) return KnobGroup::dirty;
  if (knob == "vm.min_free_kbytes" || knob == "vm.watermark_scale_factor")
    return KnobGroup::watermarks;
  if (knob == "vm.watermark_boost_factor") return KnobGroup::boost;
  return KnobGroup::other;
}

model::HostModel what_if(const facts::HostFacts& facts, const Setting& setting) {
  std::vector<model::KnobChange> changes;
  for (const auto& [knob, value] : setting) changes.push_back({knob, value});
  const model::WhatIf after =
      model::apply_knob_changes(facts.settings, facts.zones, facts.kernel, changes);
  return model::model_host(facts, after.settings);
}

std::string model_key(const model::HostModel& m, const Setting& setting) {
  std::set<KnobGroup> groups;
  std::string key;
  for (const auto& [knob, value] : setting) {
    const KnobGroup group = group_of(knob);
    if (group == KnobGroup::other) key += fmt::format("{}={};", knob, value);
    groups.insert(group);
  }
  if (groups.contains(KnobGroup::dirty)) {
    key += fmt::format("dirty pages {}/{};", m.dirty.threshold_pages, m.dirty.background_pages);
  }
  for (const model::ZoneWatermarks& z : m.zones) {
    if (groups.contains(KnobGroup::watermarks)) {
      key += fmt::format("{}:{} {}/{}/{};", z.node, z.zone, z.min_pages, z.low_pages, z.high_pages);
    }
    if (groups.contains(KnobGroup::boost))
      key += fmt::format("{}:{} boost {};", z.node, z.zone, z.max_boost_pages);
  }
  return key;
}

}  // namespace

CandidateRules model_rules(const facts::HostFacts& facts) {
  CandidateRules rules;
  rules.key = [facts](const Setting& setting) {
    try {
      return model_key(what_if(facts, setting), setting);
    } catch (const Error&) {
      return setting_label(setting);  // the model cannot compute this host: values decide
    }
  };
  rules.invalid = [facts](const Setting& setting) -> std::optional<std::string> {
    const bool dirty = std::any_of(setting.begin(), setting.end(), [](const auto& kv) {
      return group_of(kv.first) == KnobGroup::dirty;
    });
    if (!dirty) return std::nullopt;
    try {
      const model::HostModel m = what_if(facts, setting);
      if (m.dirty.background_halved) {
        return fmt::format(
            "the background threshold is not below the hard limit ({} pages): the kernel would "
            "use half the hard limit instead",
            m.dirty.threshold_pages);
      }
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::nullopt;
  };
  return rules;
}

std::vector<std::string> explain_thresholds(const facts::HostFacts& facts, const Setting& setting) {
  std::vector<std::string> lines;
  try {
    const model::HostModel before = model::model_host(facts, facts.settings);
    const model::HostModel after = what_if(facts, setting);
    const auto pages = [](uint64_t n) {
      return fmt::format("{} pages ({})", facts::format_count(double(n)),
                         facts::format_bytes(n * 4096));
    };
    const auto moved = [&](std::string_view what, uint64_t from, uint64_t to) {
      if (from != to) lines.push_back(fmt::format("{}: {} → {}", what, pages(from), pages(to)));
    };
    moved("dirty hard limit (writers throttled above)", before.dirty.threshold_pages,
          after.dirty.threshold_pages);
    moved("dirty background threshold (flusher starts)", before.dirty.background_pages,
          after.dirty.background_pages);
    moved("dirty free-run ceiling (writers unthrottled below)", before.dirty.freerun_pages,
          after.dirty.freerun_pages);
    for (size_t i = 0; i < before.zones.size() && i < after.zones.size(); ++i) {
      const model::ZoneWatermarks &a = before.zones[i], &b = after.zones[i];
      const std::string zone = fmt::format("node {} {}", a.node, a.zone);
      moved(zone + " min watermark (direct reclaim below)", a.min_pages, b.min_pages);
      moved(zone + " low watermark (kswapd wakes below)", a.low_pages, b.low_pages);
      moved(zone + " high watermark (kswapd sleeps at)", a.high_pages, b.high_pages);
    }
  } catch (const Error& e) {
    lines.push_back(fmt::format("the model cannot compute this host: {}", e.what()));
  }
  return lines;
}

}  // namespace mmtune::compare
