#pragma once
// Units: the one place where sizes, durations, fractions and measured values turn into text and
// back, where "did you mean" finds the nearest name, and where the UTC time stamp of a result is
// made. Every command parses and prints through these, so `--size 1.5GiB` means the same in a
// profile, on the command line and in a report.
//
// Two size forms, on purpose: format_size() is what a user would type ("512MiB", "1.5GiB") and
// format_bytes() is prose for reports ("1.5 GiB"). Neither is meant to be parsed again: values stay
// numbers from where they are made to where they are used.
#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <ranges>
#include <string>
#include <string_view>

namespace mmtune::facts {

// "512MiB", "1GiB", "1.5g", "4096", "4k" (binary: K/KiB/KB all mean 1024). nullopt when malformed
// or not a whole number of bytes.
std::optional<uint64_t> parse_size(std::string_view text);
// "1GiB" for 2^30, "1.5GiB", "100MiB", "4KiB", "100B": the unit in which it is whole, or one
// decimal in the largest unit it reaches.
std::string format_size(uint64_t bytes);
// "1.5 GiB", "100.0 MiB", "512 B": prose for reports.
std::string format_bytes(uint64_t bytes);

// "2s", "100ms", "1.5s", "250us", "10ns", "1m", "1h" (a bare number is seconds). nullopt when
// malformed, negative or out of range.
std::optional<std::chrono::nanoseconds> parse_duration(std::string_view text);
// "2s", "100ms", "250us".
std::string format_duration(std::chrono::nanoseconds duration);
// Seconds as a double, for arithmetic with rates.
inline double seconds(std::chrono::nanoseconds duration) {
  return std::chrono::duration<double>(duration).count();
}
// A duration from seconds as a number (profiles and result files keep seconds).
inline std::chrono::nanoseconds from_seconds(double seconds) {
  return std::chrono::round<std::chrono::nanoseconds>(std::chrono::duration<double>(seconds));
}

// "0.25" or "25%", within [0, 1].
std::optional<double> parse_fraction(std::string_view text);

// A measured or computed value in its unit, for people: "1.5 GiB" (bytes), "1.45×" (x),
// "12.3 %" (ratio: a share of a whole), "yes"/"no" (bool), "1.234 M faults/s" (rates), "12,345
// faults" (whole counts grouped by thousands), "n/a" for a value that is not finite.
std::string format_value(double value, std::string_view unit);
// 1234567 → "1,234,567".
std::string format_count(double value);

// Levenshtein distance between two names.
size_t edit_distance(std::string_view a, std::string_view b);

// The candidate nearest to word, for "did you mean": a typo (at most 2 edits, 3 for names of 8
// or more characters) or a prefix of it; empty when nothing is that close.
class NearestName {
 public:
  explicit NearestName(std::string_view word) : word_(word) {}
  void consider(std::string_view candidate);
  const std::string& best() const { return best_; }

 private:
  std::string_view word_;
  std::string best_;
  size_t best_distance_ = SIZE_MAX;
};

template <std::ranges::input_range Names, class Project = std::identity>
std::string nearest_name(std::string_view word, Names&& candidates, Project project = {}) {
  NearestName nearest(word);
  for (auto&& candidate : candidates) nearest.consider(std::invoke(project, candidate));
  return nearest.best();
}

// Now as "2026-12-07T04:05:06Z".
std::string utc_now();
// The inverse of utc_now(): "2026-12-07T04:05:06Z" as a time point; nullopt when malformed.
std::optional<std::chrono::system_clock::time_point> parse_utc(std::string_view text);

}  // namespace mmtune::facts
