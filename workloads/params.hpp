#pragma once
// Typed workload parameters. A workload declares its parameters in a static table of Param; the
// runner parses what the user typed (`--size 1GiB`) against that table before anything runs, so a
// bad value is a one-line error and exit 2, never a half-done run. The same table drives
// `mmtune list`, profiles and the registry test.
//
// A workload reads its parameters as one struct of its own. Each row of its table is bound to a
// member, so each name is written once and a misspelt member is a compile error:
//
//   enum class Pattern { sequential, random };          // in the order of the choices
//   struct Options {
//     uint64_t size = 0;
//     Pattern pattern{};
//     std::chrono::nanoseconds duration{};
//   };
//   constexpr Param kParams[] = {
//       bind<&Options::size>({"size", ParamKind::size, "bytes", "512MiB", "memory to touch"}),
//       bind<&Options::pattern>({"pattern", ParamKind::choice, "choice", "sequential", "order",
//                                0, 0, "sequential|random"}),
//       bind<&Options::duration>({"duration", ParamKind::duration, "s", "1s", "how long"}),
//   };
//
// bind() checks at compile time that the member's type can hold the kind (a size in uint64_t, a
// duration in std::chrono::nanoseconds, a choice in an enum, in bool for on|off, or in a string, an
// integer in an integral type wide enough for its maximum); define_workload() (workload.hpp) checks
// that every row is bound to that workload's Options, and hands its functions the struct.
#include <chrono>
#include <cstdint>
#include <limits>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace mmtune::workloads {

enum class ParamKind {
  size,           // "1GiB", "512MiB", "4096" (bytes; binary suffixes K/KiB, M/MiB, G/GiB, T/TiB)
  size_list,      // "64MiB,256MiB,1GiB"
  duration,       // "2s", "100ms", "1.5s", "250us", "1m"
  integer,        // "4"
  fraction,       // "0.25" or "25%", within [0, 1]
  fraction_list,  // "0.25,1.0"
  choice,         // one word of Param::choices
  path,           // a file or directory name, taken as typed
};

struct Param;
struct ParamValue;

// Writes a parsed value into the member of a workload's Options that the row is bound to.
using ParamStore = void (*)(void* options, const Param& param, const ParamValue& value);

struct Param {
  std::string_view name;  // kebab-case, the option is --name
  ParamKind kind = ParamKind::integer;
  std::string_view unit;           // "bytes", "s", "threads", "fraction", "choice", …
  std::string_view default_value;  // as a user would type it: "512MiB"
  std::string_view help;           // one line for `mmtune list`
  double min = 0;                  // each value must be ≥ min (bytes, seconds, count, fraction)
  double max = 0;                  // and ≤ max; 0 means no upper bound
  std::string_view choices = {};   // choice: "sequential|random|stride"
  // Set by bind(): where the value goes, and the Options type that member belongs to.
  ParamStore store = nullptr;
  const void* options_type = nullptr;
};

// One parsed parameter: the text as given (or the default, or the typed value written out) and its
// numbers in the base unit (bytes, seconds, count, fraction). A choice has no numbers.
struct ParamValue {
  std::string text;
  std::vector<double> numbers;
  bool defaulted = true;
};

// Every parameter of a workload, parsed, and the table they were parsed against. The accessors by
// name are for workloads that do not read an Options struct yet; they throw Error{internal} for a
// name the workload did not declare.
struct ParamValues {
  std::map<std::string, ParamValue, std::less<>> values;
  std::span<const Param> table;

  const ParamValue& at(std::string_view name) const;
  uint64_t bytes(std::string_view name) const;
  std::vector<uint64_t> bytes_list(std::string_view name) const;
  double seconds(std::string_view name) const;
  int64_t integer(std::string_view name) const;
  double fraction(std::string_view name) const;
  std::vector<double> fractions(std::string_view name) const;
  const std::string& choice(std::string_view name) const;
  const std::string& text(std::string_view name) const;  // as typed (paths)
};

// A value for a parameter as the caller has it: the text a user typed ("512MiB"), or a value the
// program already holds, which needs no text round trip: bytes or a count (uint64_t), a fraction
// (double), a duration.
using ParamInputValue = std::variant<std::string, uint64_t, double, std::chrono::nanoseconds>;
struct ParamInput {
  std::string name;
  ParamInputValue value;
};

// Parses the given values against params; parameters not given take their default. Throws
// Error{bad_input} naming the option for an unknown name (with "did you mean"), a value that does
// not parse, or one outside [min, max]; Error{internal} for a typed value of the wrong kind.
ParamValues parse_params(std::span<const Param> params, std::span<const ParamInput> given);
// The same for --name value pairs as typed.
ParamValues parse_params(std::span<const Param> params,
                         std::span<const std::pair<std::string, std::string>> given);
// --name value pairs as typed, as inputs.
std::vector<ParamInput> text_inputs(std::span<const std::pair<std::string, std::string>> given);

std::string_view kind_name(ParamKind kind);

// ---- binding rows to an Options struct ----

namespace detail {

template <class Member>
struct MemberOf;
template <class Class, class Type>
struct MemberOf<Type Class::*> {
  using Owner = Class;
  using Value = Type;
};

// One address per Options type: what a row's options_type is compared with.
template <class Options>
inline constexpr char kTypeTag = 0;

// The index of text among param.choices ("a|b|c"); Error{internal} if absent.
size_t choice_index(const Param& param, std::string_view text);

constexpr bool is_on_off(std::string_view choices) {
  return choices == "on|off" || choices == "off|on";
}

// Whether a member of type T can hold every value of the row.
template <class T>
constexpr bool holds(const Param& param) {
  switch (param.kind) {
    case ParamKind::size:
      return std::is_same_v<T, uint64_t>;
    case ParamKind::size_list:
      return std::is_same_v<T, std::vector<uint64_t>>;
    case ParamKind::duration:
      return std::is_same_v<T, std::chrono::nanoseconds>;
    case ParamKind::integer:
      if constexpr (std::is_integral_v<T> && !std::is_same_v<T, bool>) {
        return param.max == 0 ? sizeof(T) >= 8 : param.max <= double(std::numeric_limits<T>::max());
      } else {
        return false;
      }
    case ParamKind::fraction:
      return std::is_same_v<T, double>;
    case ParamKind::fraction_list:
      return std::is_same_v<T, std::vector<double>>;
    case ParamKind::choice:
      return std::is_enum_v<T> || std::is_same_v<T, std::string> ||
             (std::is_same_v<T, bool> && is_on_off(param.choices));
    case ParamKind::path:
      return std::is_same_v<T, std::string>;
  }
  return false;
}

template <class T>
void assign(T& out, const Param& param, const ParamValue& value) {
  if constexpr (std::is_same_v<T, bool>) {
    out = value.text == "on";
  } else if constexpr (std::is_enum_v<T>) {
    out = static_cast<T>(choice_index(param, value.text));
  } else if constexpr (std::is_integral_v<T> || std::is_same_v<T, double>) {
    out = static_cast<T>(value.numbers.at(0));
  } else if constexpr (std::is_same_v<T, std::chrono::nanoseconds>) {
    out = std::chrono::round<std::chrono::nanoseconds>(
        std::chrono::duration<double>(value.numbers.at(0)));
  } else if constexpr (std::is_same_v<T, std::vector<uint64_t>>) {
    out.clear();
    for (double number : value.numbers) out.push_back(static_cast<uint64_t>(number));
  } else if constexpr (std::is_same_v<T, std::vector<double>>) {
    out = value.numbers;
  } else {
    out = value.text;
  }
}

// Owner is a template parameter of its own, not only part of Member's type: GCC 12 gives an
// instantiation on a pointer to a member of a class in an anonymous namespace external (weak)
// linkage, so that two workloads' Options::size would be merged by the linker; a type argument of
// internal linkage keeps the instantiation local.
template <class Owner, auto Member>
void store_member(void* options, const Param& param, const ParamValue& value) {
  assign(static_cast<Owner*>(options)->*Member, param, value);
}

// Every row through its store into options; Error{internal} for a row bound to another type.
void store_all(const ParamValues& values, void* options, const void* options_type);

}  // namespace detail

// The row, bound to Member (&Options::size). A member whose type cannot hold the row's kind does
// not compile ("not a constant expression" at the throw).
template <auto Member>
consteval Param bind(Param param) {
  using Value = typename detail::MemberOf<decltype(Member)>::Value;
  using Owner = typename detail::MemberOf<decltype(Member)>::Owner;
  if (!detail::holds<Value>(param)) throw "bind: the member's type cannot hold this kind of value";
  param.store = &detail::store_member<Owner, Member>;
  param.options_type = &detail::kTypeTag<Owner>;
  return param;
}

// The workload's Options struct, filled from parsed values (every row of their table is bound).
template <class Options>
Options options_from(const ParamValues& values) {
  Options options{};
  detail::store_all(values, &options, &detail::kTypeTag<Options>);
  return options;
}

}  // namespace mmtune::workloads
