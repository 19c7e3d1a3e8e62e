#include "facts/facts.hpp"

#include <charconv>

namespace mmtune::facts {

std::optional<uint64_t> Counters::get(std::string_view key) const {
  auto it = values.find(key);
  if (it == values.end()) return std::nullopt;
  return it->second;
}

uint64_t Counters::get_or(std::string_view key, uint64_t fallback) const {
  return get(key).value_or(fallback);
}

std::optional<uint64_t> Counters::sum_prefix(std::string_view prefix) const {
  std::optional<uint64_t> sum;
  for (auto it = values.lower_bound(prefix); it != values.end() && it->first.starts_with(prefix);
       ++it) {
    sum = sum.value_or(0) + it->second;
  }
  return sum;
}

std::optional<std::string_view> Settings::text(std::string_view knob) const {
  auto it = values.find(knob);
  if (it == values.end()) return std::nullopt;
  return std::string_view(it->second);
}

std::optional<int64_t> Settings::integer(std::string_view knob) const {
  auto value = text(knob);
  if (!value) return std::nullopt;
  std::string_view v = *value;
  while (!v.empty() && (v.back() == '\n' || v.back() == ' ')) v.remove_suffix(1);
  int64_t number = 0;
  auto [ptr, ec] = std::from_chars(v.data(), v.data() + v.size(), number);
  if (ec != std::errc() || ptr != v.data() + v.size()) return std::nullopt;
  return number;
}

}  // namespace mmtune::facts
