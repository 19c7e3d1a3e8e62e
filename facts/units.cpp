#include "facts/units.hpp"

#include <fmt/format.h>
#include <time.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <cmath>
#include <utility>
#include <vector>

namespace mmtune::facts {
namespace {

std::string lower(std::string_view text) {
  std::string out(text);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// "1.5GiB" → {1.5, "gib"}; the number must be plain digits with an optional point.
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

std::string_view trim(std::string_view text) {
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.front())))
    text.remove_prefix(1);
  while (!text.empty() && std::isspace(static_cast<unsigned char>(text.back())))
    text.remove_suffix(1);
  return text;
}

constexpr uint64_t kKiBytes = 1024;

}  // namespace

std::optional<uint64_t> parse_size(std::string_view text) {
  auto split_text = split_number(trim(text));
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

std::string format_bytes(uint64_t bytes) {
  constexpr uint64_t kMiBytes = kKiBytes * kKiBytes, kGiBytes = kMiBytes * kKiBytes;
  if (bytes >= kGiBytes) return fmt::format("{:.1f} GiB", double(bytes) / double(kGiBytes));
  if (bytes >= kMiBytes) return fmt::format("{:.1f} MiB", double(bytes) / double(kMiBytes));
  if (bytes >= kKiBytes) return fmt::format("{:.1f} KiB", double(bytes) / double(kKiBytes));
  return fmt::format("{} B", bytes);
}

std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text) {
  text = trim(text);
  size_t unit_start = 0;
  while (unit_start < text.size() &&
         (std::isdigit(static_cast<unsigned char>(text[unit_start])) || text[unit_start] == '.')) {
    ++unit_start;
  }
  std::string number(text.substr(0, unit_start));
  std::string_view unit = text.substr(unit_start);
  if (number.empty()) return std::nullopt;
  char* end = nullptr;
  double value = std::strtod(number.c_str(), &end);
  if (end != number.c_str() + number.size() || !std::isfinite(value)) return std::nullopt;
  double scale = 0;
  if (unit.empty() || unit == "s")
    scale = 1e9;
  else if (unit == "ms")
    scale = 1e6;
  else if (unit == "us" || unit == "µs")
    scale = 1e3;
  else if (unit == "ns")
    scale = 1;
  else if (unit == "m" || unit == "min")
    scale = 60e9;
  else if (unit == "h")
    scale = 3600e9;
  else
    return std::nullopt;
  double ns = value * scale;
  if (ns > 9e18) return std::nullopt;
  return std::chrono::nanoseconds(static_cast<int64_t>(std::llround(ns)));
}

std::string format_duration(std::chrono::nanoseconds duration) {
  const double s = seconds(duration);
  if (s >= 1 || s == 0) return fmt::format("{:g}s", s);
  if (s >= 1e-3) return fmt::format("{:g}ms", s * 1e3);
  if (s >= 1e-6) return fmt::format("{:g}us", s * 1e6);
  return fmt::format("{}ns", duration.count());
}

std::optional<double> parse_fraction(std::string_view text) {
  text = trim(text);
  bool percent = !text.empty() && text.back() == '%';
  if (percent) text.remove_suffix(1);
  auto split_text = split_number(text);
  if (!split_text || !split_text->second.empty()) return std::nullopt;
  double value = percent ? split_text->first / 100 : split_text->first;
  if (value > 1) return std::nullopt;
  return value;
}

std::string format_count(double value) {
  std::string digits = fmt::format("{:.0f}", std::fabs(value));
  std::string out;
  for (size_t i = 0; i < digits.size(); ++i) {
    if (i && (digits.size() - i) % 3 == 0) out += ',';
    out += digits[i];
  }
  return (value < 0 ? "-" : "") + out;
}

std::string format_value(double value, std::string_view unit) {
  if (!std::isfinite(value)) return "n/a";
  if (unit == "bytes") {
    std::string text = format_bytes(static_cast<uint64_t>(std::llround(std::fabs(value))));
    return value < 0 ? "-" + text : text;
  }
  if (unit == "x") return fmt::format("{:.2f}×", value);
  if (unit == "ratio") return fmt::format("{:.1f} %", value * 100);
  if (unit == "bool") return value != 0 ? "yes" : "no";
  if (unit.ends_with("/s") && std::fabs(value) >= 1e6)
    return fmt::format("{:.3f} M {}", value / 1e6, unit);
  if (unit.ends_with("/s") && std::fabs(value) >= 1e4)
    return fmt::format("{:.1f} K {}", value / 1e3, unit);
  if (value == std::floor(value) && std::fabs(value) < 1e15)
    return fmt::format("{} {}", format_count(value), unit);
  return fmt::format("{:.4g} {}", value, unit);
}

size_t edit_distance(std::string_view a, std::string_view b) {
  std::vector<size_t> row(b.size() + 1);
  for (size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (size_t i = 1; i <= a.size(); ++i) {
    size_t diagonal = row[0];
    row[0] = i;
    for (size_t j = 1; j <= b.size(); ++j) {
      size_t up = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = up;
    }
  }
  return row[b.size()];
}

void NearestName::consider(std::string_view candidate) {
  if (word_.empty()) return;
  size_t d = edit_distance(word_, candidate);
  // A prefix ("cow" for cow-fork) is as good a hint as a typo.
  if (candidate.starts_with(word_)) d = std::min<size_t>(d, 1);
  const size_t cutoff = word_.size() >= 8 ? 3 : 2;
  if (d <= cutoff && d < best_distance_) {
    best_distance_ = d;
    best_ = std::string(candidate);
  }
}

std::string utc_now() {
  auto now = std::chrono::system_clock::to_time_t(std::chrono::system_clock::now());
  std::tm tm{};
  ::gmtime_r(&now, &tm);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", tm.tm_year + 1900, tm.tm_mon + 1,
                     tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text) {
  std::tm tm{};
  const std::string copy(text);
  const char* end = ::strptime(copy.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  const time_t seconds = ::timegm(&tm);
  if (seconds == -1) return std::nullopt;
  return std::chrono::system_clock::from_time_t(seconds);
}

}  // namespace mmtune::facts
