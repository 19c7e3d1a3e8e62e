#pragma once
// Typed workload parameters. A workload declares its parameters in a static table of Param; the
// runner parses what the user typed (`--size 1GiB`) against that table before anything runs, so a
// bad value is a one-line error and exit 2, never a half-done run. The same table drives
// `mmtune list` and the registry test.
#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
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

struct Param {
  std::string_view name;  // kebab-case, the option is --name
  ParamKind kind = ParamKind::integer;
  std::string_view unit;           // "bytes", "s", "threads", "fraction", "choice", …
  std::string_view default_value;  // as a user would type it: "512MiB"
  std::string_view help;           // one line for `mmtune list`
  double min = 0;                  // each value must be ≥ min (bytes, seconds, count, fraction)
  double max = 0;                  // and ≤ max; 0 means no upper bound
  std::string_view choices = {};   // choice: "sequential|random|stride"
};

// One parsed parameter: the text as given (or the default) and its numbers in the base unit
// (bytes, seconds, count, fraction). A choice has no numbers.
struct ParamValue {
  std::string text;
  std::vector<double> numbers;
  bool defaulted = true;
};

// Every parameter of a workload, parsed. Accessors throw Error{internal} for a name the workload
// did not declare (a programming error), so a typo in a workload fails its tiny test at once.
struct ParamValues {
  std::map<std::string, ParamValue, std::less<>> values;

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

// Parses the user's --name value pairs against params; parameters not given take their default.
// Throws Error{bad_input} naming the option for an unknown name (with "did you mean"), a value that
// does not parse, or one outside [min, max].
ParamValues parse_params(std::span<const Param> params,
                         std::span<const std::pair<std::string, std::string>> given);

std::string_view kind_name(ParamKind kind);

}  // namespace mmtune::workloads
