#include "workloads/params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "probes/error.hpp"
#include "probes/knobs.hpp"
#include "probes/parsers.hpp"

namespace mmtune::workloads {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  return out;
}

// A non-negative decimal number followed by a suffix: "1.5GiB" → {1.5, "gib"}.
std::optional<std::pair<double, std::string>> split_number(std::string_view text) {
  size_t end = 0;
  while (end < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[end])) || text[end] == '.')) {
    ++end;
  }
  if (end == 0) return std::nullopt;
  double number = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + end, number);
  if (ec != std::errc() || ptr != text.data() + end || !std::isfinite(number)) return std::nullopt;
  return std::pair{number, lower(text.substr(end))};
}

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    size_t at = text.find(separator);
    parts.push_back(text.substr(0, at));
    if (at == std::string_view::npos) return parts;
    text.remove_prefix(at + 1);
  }
}

std::string suggest(std::span<const Param> params, std::string_view name) {
  std::string best;
  size_t best_distance = 3;
  for (const Param& param : params) {
    size_t d = probes::edit_distance(name, param.name);
    if (d < best_distance) {
      best_distance = d;
      best = std::string(param.name);
    }
  }
  return best;
}

// What the value must look like, for error messages.
std::string expected_form(const Param& param) {
  switch (param.kind) {
    case ParamKind::size:
      return "a size such as 512MiB or 1GiB";
    case ParamKind::size_list:
      return "sizes separated by commas, such as 64MiB,1GiB";
    case ParamKind::duration:
      return "a duration such as 2s or 100ms";
    case ParamKind::integer:
      return "a whole number";
    case ParamKind::fraction:
      return "a fraction between 0 and 1, such as 0.25 or 25%";
    case ParamKind::fraction_list:
      return "fractions separated by commas, such as 0.25,1.0";
    case ParamKind::choice:
      return fmt::format("one of {}", param.choices);
    case ParamKind::path:
      return "a path";
  }
  return "a value";
}

std::string format_in_unit(const Param& param, double value) {
  switch (param.kind) {
    case ParamKind::size:
    case ParamKind::size_list:
      return format_size(static_cast<uint64_t>(value));
    case ParamKind::duration:
      return format_duration(value);
    default:
      return fmt::format("{}", value);
  }
}

std::optional<double> parse_one(const Param& param, std::string_view text) {
  switch (param.kind) {
    case ParamKind::size:
    case ParamKind::size_list: {
      auto bytes = parse_size(text);
      return bytes ? std::optional<double>(static_cast<double>(*bytes)) : std::nullopt;
    }
    case ParamKind::duration:
      return parse_duration(text);
    case ParamKind::integer: {
      int64_t number = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
      return static_cast<double>(number);
    }
    case ParamKind::fraction:
    case ParamKind::fraction_list:
      return parse_fraction(text);
    case ParamKind::choice:
    case ParamKind::path:
      return std::nullopt;
  }
  return std::nullopt;
}

ParamValue parse_value(const Param& param, std::string_view text) {
  ParamValue value{std::string(text), {}, false};
  if (param.kind == ParamKind::path) {
    if (text.empty()) fail(ErrorKind::bad_input, "--{}: must not be empty", param.name);
    return value;
  }
  if (param.kind == ParamKind::choice) {
    for (std::string_view choice : split(param.choices, '|')) {
      if (choice == text) return value;
    }
    fail(ErrorKind::bad_input, "--{}: \"{}\" must be {}", param.name, text, expected_form(param));
  }
  bool list = param.kind == ParamKind::size_list || param.kind == ParamKind::fraction_list;
  std::vector<std::string_view> parts =
      list ? split(text, ',') : std::vector<std::string_view>{text};
  for (std::string_view part : parts) {
    std::optional<double> number = parse_one(param, part);
    if (!number) {
      fail(ErrorKind::bad_input, "--{}: \"{}\" must be {}", param.name, text, expected_form(param));
    }
    if (*number < param.min) {
      fail(ErrorKind::bad_input, "--{}: \"{}\" must be at least {}", param.name, part,
           format_in_unit(param, param.min));
    }
    if (param.max != 0 && *number > param.max) {
      fail(ErrorKind::bad_input, "--{}: \"{}\" must be at most {}", param.name, part,
           format_in_unit(param, param.max));
    }
    value.numbers.push_back(*number);
  }
  return value;
}

}  // namespace

std::optional<uint64_t> parse_size(std::string_view text) {
  auto split_text = split_number(text);
  if (!split_text) return std::nullopt;
  auto [number, suffix] = *split_text;
  double multiplier = 0;
  if (suffix.empty() || suffix == "b") multiplier = 1;
  if (suffix == "k" || suffix == "kib" || suffix == "kb") multiplier = 1024.0;
  if (suffix == "m" || suffix == "mib" || suffix == "mb") multiplier = 1024.0 * 1024;
  if (suffix == "g" || suffix == "gib" || suffix == "gb") multiplier = 1024.0 * 1024 * 1024;
  if (suffix == "t" || suffix == "tib" || suffix == "tb") multiplier = 1024.0 * 1024 * 1024 * 1024;
  if (multiplier == 0) return std::nullopt;
  double bytes = number * multiplier;
  if (bytes > 9.0e18 || bytes != std::floor(bytes)) return std::nullopt;  // fractions of a byte
  return static_cast<uint64_t>(bytes);
}

std::optional<double> parse_duration(std::string_view text) {
  // One duration syntax across the CLI: probes' parser (also behind `mmtune probe --interval`).
  auto value = probes::parse_duration(text);
  if (!value || value->count() < 0) return std::nullopt;
  return double(value->count()) / 1e9;
}

std::optional<double> parse_fraction(std::string_view text) {
  bool percent = !text.empty() && text.back() == '%';
  if (percent) text.remove_suffix(1);
  auto split_text = split_number(text);
  if (!split_text || !split_text->second.empty()) return std::nullopt;
  double value = percent ? split_text->first / 100 : split_text->first;
  if (value > 1) return std::nullopt;
  return value;
}

std::string format_size(uint64_t bytes) {
  constexpr std::pair<uint64_t, const char*> kUnits[] = {
      {1ull << 40, "TiB"}, {1ull << 30, "GiB"}, {1ull << 20, "MiB"}, {1ull << 10, "KiB"}};
  for (auto [unit, name] : kUnits) {
    if (bytes >= unit) {
      if (bytes % unit == 0) return fmt::format("{}{}", bytes / unit, name);
      return fmt::format("{:.1f}{}", double(bytes) / double(unit), name);
    }
  }
  return fmt::format("{}B", bytes);
}

std::string format_duration(double seconds) {
  if (seconds >= 1 || seconds == 0) return fmt::format("{:g}s", seconds);
  if (seconds >= 1e-3) return fmt::format("{:g}ms", seconds * 1e3);
  return fmt::format("{:g}us", seconds * 1e6);
}

std::string_view kind_name(ParamKind kind) {
  switch (kind) {
    case ParamKind::size:
      return "size";
    case ParamKind::size_list:
      return "sizes";
    case ParamKind::duration:
      return "duration";
    case ParamKind::integer:
      return "integer";
    case ParamKind::fraction:
      return "fraction";
    case ParamKind::fraction_list:
      return "fractions";
    case ParamKind::choice:
      return "choice";
    case ParamKind::path:
      return "path";
  }
  return "value";
}

ParamValues parse_params(std::span<const Param> params,
                         std::span<const std::pair<std::string, std::string>> given) {
  ParamValues parsed;
  for (const auto& [name, text] : given) {
    auto param =
        std::find_if(params.begin(), params.end(), [&](const Param& p) { return p.name == name; });
    if (param == params.end()) {
      std::string guess = suggest(params, name);
      if (guess.empty()) fail(ErrorKind::bad_input, "--{}: unknown parameter", name);
      fail(ErrorKind::bad_input, "--{}: unknown parameter; did you mean --{}?", name, guess);
    }
    if (parsed.values.contains(name)) fail(ErrorKind::bad_input, "--{}: given twice", name);
    parsed.values.emplace(name, parse_value(*param, text));
  }
  for (const Param& param : params) {
    if (parsed.values.contains(param.name)) continue;
    ParamValue value = parse_value(param, param.default_value);
    value.defaulted = true;
    parsed.values.emplace(std::string(param.name), std::move(value));
  }
  return parsed;
}

const ParamValue& ParamValues::at(std::string_view name) const {
  auto it = values.find(name);
  if (it == values.end())
    fail(ErrorKind::internal, "workload parameter \"{}\" was not declared", name);
  return it->second;
}

uint64_t ParamValues::bytes(std::string_view name) const { return bytes_list(name).at(0); }

std::vector<uint64_t> ParamValues::bytes_list(std::string_view name) const {
  std::vector<uint64_t> out;
  for (double number : at(name).numbers) out.push_back(static_cast<uint64_t>(number));
  if (out.empty()) fail(ErrorKind::internal, "workload parameter \"{}\" is not a size", name);
  return out;
}

double ParamValues::seconds(std::string_view name) const { return fractions(name).at(0); }

int64_t ParamValues::integer(std::string_view name) const {
  return static_cast<int64_t>(fractions(name).at(0));
}

double ParamValues::fraction(std::string_view name) const { return fractions(name).at(0); }

// Every numeric kind keeps its numbers in the base unit; the typed accessors above share this one.
std::vector<double> ParamValues::fractions(std::string_view name) const {
  const ParamValue& value = at(name);
  if (value.numbers.empty())
    fail(ErrorKind::internal, "workload parameter \"{}\" is not a number", name);
  return value.numbers;
}

const std::string& ParamValues::choice(std::string_view name) const { return at(name).text; }

const std::string& ParamValues::text(std::string_view name) const { return at(name).text; }

}  // namespace mmtune::workloads
