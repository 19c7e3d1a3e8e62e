#include "model/prediction.hpp"

#include <fmt/format.h>

#include <cmath>

#include "facts/units.hpp"

namespace mmtune::model {

std::string format_pages(uint64_t pages) {
  return fmt::format("{} pages ({})", pages, facts::format_bytes(pages * kPageSize));
}

std::string describe(const Prediction& prediction) {
  double value = prediction.value;
  std::string number = value == std::floor(value) && std::fabs(value) < 9e15
                           ? fmt::format("{}", static_cast<int64_t>(value))
                           : fmt::format("{:.3g}", value);
  std::string line =
      fmt::format("{}: {} {} — {}", prediction.name, number, prediction.unit, prediction.why.rule);
  if (!prediction.why.text.empty()) line += " " + prediction.why.text;
  if (!prediction.why.kernel_function.empty())
    line += "\n  mirrors " + prediction.why.kernel_function;
  return line;
}

bool kernel_at_least(const facts::KernelInfo& kernel, int major, int minor) {
  if (kernel.major == 0) return true;
  return kernel.major > major || (kernel.major == major && kernel.minor >= minor);
}

uint64_t div_round_up(uint64_t value, uint64_t divisor) {
  return divisor == 0 ? 0 : value / divisor + (value % divisor != 0);
}

}  // namespace mmtune::model
