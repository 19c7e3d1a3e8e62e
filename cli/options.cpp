#include "cli/options.hpp"

#include "facts/error.hpp"
#include "facts/units.hpp"

namespace mmtune::cli {

std::chrono::nanoseconds duration_option(std::string_view option, std::string_view text,
                                         std::chrono::nanoseconds minimum) {
  auto value = facts::parse_duration(text);
  if (!value)
    fail(ErrorKind::bad_input, "{}: \"{}\" is not a duration (e.g. 100ms, 1s, 2.5s)", option, text);
  if (minimum > std::chrono::nanoseconds::zero() && *value < minimum) {
    fail(ErrorKind::bad_input, "{}: \"{}\" must be at least {}", option, text,
         facts::format_duration(minimum));
  }
  return *value;
}

uint64_t size_option(std::string_view option, std::string_view text, uint64_t minimum) {
  auto value = facts::parse_size(text);
  if (!value)
    fail(ErrorKind::bad_input, "{}: \"{}\" is not a size (e.g. 512MiB, 1GiB)", option, text);
  if (*value < minimum) {
    fail(ErrorKind::bad_input, "{}: \"{}\" must be at least {}", option, text,
         facts::format_size(minimum));
  }
  return *value;
}

}  // namespace mmtune::cli
