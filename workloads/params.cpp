#include "workloads/params.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <cmath>

#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "facts/units.hpp"
#include "probes/parsers.hpp"

namespace mmtune::workloads {
namespace {

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
  return facts::nearest_name(name, params, &Param::name);
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
      return facts::format_size(static_cast<uint64_t>(value));
    case ParamKind::duration:
      return facts::format_duration(std::chrono::duration_cast<std::chrono::nanoseconds>(
          std::chrono::duration<double>(value)));
    default:
      return fmt::format("{}", value);
  }
}

std::optional<double> parse_one(const Param& param, std::string_view text) {
  switch (param.kind) {
    case ParamKind::size:
    case ParamKind::size_list: {
      auto bytes = facts::parse_size(text);
      return bytes ? std::optional<double>(static_cast<double>(*bytes)) : std::nullopt;
    }
    case ParamKind::duration: {
      auto duration = facts::parse_duration(text);
      return duration ? std::optional<double>(facts::seconds(*duration)) : std::nullopt;
    }
    case ParamKind::integer: {
      int64_t number = 0;
      auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), number);
      if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
      return static_cast<double>(number);
    }
    case ParamKind::fraction:
    case ParamKind::fraction_list:
      return facts::parse_fraction(text);
    case ParamKind::choice:
    case ParamKind::path:
      return std::nullopt;
  }
  return std::nullopt;
}

// Fails unless number lies in [min, max]; shown is how the value appears in the message.
void check_range(const Param& param, double number, std::string_view shown) {
  if (number < param.min) {
    fail(ErrorKind::bad_input, "--{}: \"{}\" must be at least {}", param.name, shown,
         format_in_unit(param, param.min));
  }
  if (param.max != 0 && number > param.max) {
    fail(ErrorKind::bad_input, "--{}: \"{}\" must be at most {}", param.name, shown,
         format_in_unit(param, param.max));
  }
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
    check_range(param, *number, part);
    value.numbers.push_back(*number);
  }
  return value;
}

// A value the program already holds: no text to parse; the text recorded is the value written out.
ParamValue typed_value(const Param& param, const ParamInputValue& given) {
  auto wrong_kind = [&](std::string_view what) {
    fail(ErrorKind::internal, "--{}: a {} given to a {} parameter", param.name, what,
         kind_name(param.kind));
  };
  ParamValue value{{}, {}, false};
  if (const auto* text = std::get_if<std::string>(&given)) return parse_value(param, *text);
  if (const auto* count = std::get_if<uint64_t>(&given)) {
    if (param.kind != ParamKind::size && param.kind != ParamKind::integer) wrong_kind("number");
    value.numbers = {static_cast<double>(*count)};
  } else if (const auto* fraction = std::get_if<double>(&given)) {
    if (param.kind != ParamKind::fraction) wrong_kind("fraction");
    value.numbers = {*fraction};
  } else {
    if (param.kind != ParamKind::duration) wrong_kind("duration");
    value.numbers = {facts::seconds(std::get<std::chrono::nanoseconds>(given))};
  }
  value.text = format_in_unit(param, value.numbers[0]);
  check_range(param, value.numbers[0], value.text);
  return value;
}

}  // namespace

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

ParamValues parse_params(std::span<const Param> params, std::span<const ParamInput> given) {
  ParamValues parsed;
  parsed.table = params;
  for (const auto& [given_name, input] : given) {
    const std::string& name = given_name;  // clang 14 cannot capture a structured binding
    auto param =
        std::find_if(params.begin(), params.end(), [&](const Param& p) { return p.name == name; });
    if (param == params.end()) {
      std::string guess = suggest(params, name);
      if (guess.empty()) fail(ErrorKind::bad_input, "--{}: unknown parameter", name);
      fail(ErrorKind::bad_input, "--{}: unknown parameter; did you mean --{}?", name, guess);
    }
    if (parsed.values.contains(name)) fail(ErrorKind::bad_input, "--{}: given twice", name);
    parsed.values.emplace(name, typed_value(*param, input));
  }
  for (const Param& param : params) {
    if (parsed.values.contains(param.name)) continue;
    ParamValue value = parse_value(param, param.default_value);
    value.defaulted = true;
    parsed.values.emplace(std::string(param.name), std::move(value));
  }
  return parsed;
}

ParamValues parse_params(std::span<const Param> params,
                         std::span<const std::pair<std::string, std::string>> given) {
  return parse_params(params, text_inputs(given));
}

std::vector<ParamInput> text_inputs(std::span<const std::pair<std::string, std::string>> given) {
  std::vector<ParamInput> inputs;
  for (const auto& [name, text] : given) inputs.push_back({name, text});
  return inputs;
}

namespace detail {

size_t choice_index(const Param& param, std::string_view text) {
  std::vector<std::string_view> choices = split(param.choices, '|');
  auto found = std::find(choices.begin(), choices.end(), text);
  if (found == choices.end())
    fail(ErrorKind::internal, "--{}: \"{}\" is not one of {}", param.name, text, param.choices);
  return size_t(found - choices.begin());
}

void store_all(const ParamValues& values, void* options, const void* options_type) {
  for (const Param& param : values.table) {
    if (!param.store || param.options_type != options_type) {
      fail(ErrorKind::internal, "workload parameter \"{}\" is not bound to this workload's options",
           param.name);
    }
    param.store(options, param, values.at(param.name));
  }
}

}  // namespace detail

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
