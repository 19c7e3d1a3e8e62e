#pragma once
// Values typed on the command line, checked once, with the one-line error that names the option
// (exit 2). Every subcommand parses durations and sizes through these.
#include <chrono>
#include <cstdint>
#include <string_view>

namespace mmtune::cli {

// The shortest sampler interval any command accepts: one tick reads /proc/vmstat, meminfo and
// zoneinfo (tens of microseconds) and the workload's status; below 10 ms the sampler's own reads
// become a visible share of a CPU and per-tick rates mostly quantisation.
inline constexpr std::chrono::nanoseconds kMinSampleInterval = std::chrono::milliseconds(10);

// A duration of at least minimum ("100ms", "2s"); zero is accepted only when minimum is zero.
std::chrono::nanoseconds duration_option(std::string_view option, std::string_view text,
                                         std::chrono::nanoseconds minimum);
// A size of at least minimum bytes ("512MiB").
uint64_t size_option(std::string_view option, std::string_view text, uint64_t minimum);

}  // namespace mmtune::cli
