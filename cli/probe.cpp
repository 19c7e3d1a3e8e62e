// `mmtune probe`: a vmstat for the memory manager. Samples the host (and optionally one process
// or one memory cgroup) at --interval and prints one row of rates per tick as an aligned table,
// CSV or JSONL. Ctrl-C or SIGTERM ends it cleanly (exit 0).
#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "changes/signal_guard.hpp"
#include "cli/commands.hpp"
#include "cli/options.hpp"
#include "facts/error.hpp"
#include "probes/parsers.hpp"
#include "probes/rates.hpp"
#include "probes/readers.hpp"
#include "probes/sampler.hpp"

namespace mmtune::cli {
namespace {

using namespace std::chrono_literals;
constexpr int kTableHeaderEvery = 25;  // rows between repeated headers, as vmstat does

struct ProbeOptions {
  std::string interval = "1s";
  std::optional<std::string> duration;
  std::optional<int> pid;
  std::optional<std::string> cgroup;
  std::optional<std::string> format;
};

enum class Format { table, csv, jsonl };

// Writes rows in one format. The buffer is reused, so steady-state printing does not allocate.
class RowPrinter {
 public:
  RowPrinter(std::FILE* out, Format format, std::vector<const probes::MetricInfo*> columns)
      : out_(out), format_(format), columns_(std::move(columns)) {
    for (const auto* column : columns_)
      widths_.push_back(std::max<int>(8, int(column->header.size())) + 1);
  }

  void print(const probes::Row& row) {
    buffer_.clear();
    switch (format_) {
      case Format::table:
        table(row);
        break;
      case Format::csv:
        csv(row);
        break;
      case Format::jsonl:
        jsonl(row);
        break;
    }
    std::fwrite(buffer_.data(), 1, buffer_.size(), out_);
    std::fflush(out_);  // one record per tick reaches a pipe at once
    ++rows_;
  }

 private:
  void table_header() {
    fmt::format_to(std::back_inserter(buffer_), "{:>8}", "t");
    for (size_t i = 0; i < columns_.size(); ++i) {
      fmt::format_to(std::back_inserter(buffer_), "{:>{}}", columns_[i]->header, widths_[i]);
    }
    buffer_.push_back('\n');
  }

  // Compact on a terminal: 3 significant figures with k/M/G above 10,000.
  void compact(double value, int width) {
    char text[32];
    double magnitude = std::fabs(value);
    int n;
    if (magnitude >= 1e10)
      n = std::snprintf(text, sizeof text, "%.1fG", value / 1e9);
    else if (magnitude >= 1e7)
      n = std::snprintf(text, sizeof text, "%.1fM", value / 1e6);
    else if (magnitude >= 1e4)
      n = std::snprintf(text, sizeof text, "%.1fk", value / 1e3);
    else if (magnitude >= 100 || value == std::floor(value))
      n = std::snprintf(text, sizeof text, "%.0f", value);
    else
      n = std::snprintf(text, sizeof text, "%.1f", value);
    fmt::format_to(std::back_inserter(buffer_), "{:>{}}",
                   std::string_view(text, size_t(std::max(n, 0))), width);
  }

  void table(const probes::Row& row) {
    if (rows_ % kTableHeaderEvery == 0) table_header();
    fmt::format_to(std::back_inserter(buffer_), "{:>8.2f}", row.t_s);
    for (size_t i = 0; i < columns_.size(); ++i) {
      if (row.has(columns_[i]->metric))
        compact(row[columns_[i]->metric], widths_[i]);
      else
        fmt::format_to(std::back_inserter(buffer_), "{:>{}}", "-", widths_[i]);
    }
    buffer_.push_back('\n');
  }

  void csv(const probes::Row& row) {
    if (rows_ == 0) {
      fmt::format_to(std::back_inserter(buffer_), "t_s,mono_ns");
      for (const auto* column : columns_)
        fmt::format_to(std::back_inserter(buffer_), ",{}", column->name);
      buffer_.push_back('\n');
    }
    fmt::format_to(std::back_inserter(buffer_), "{:.3f},{}", row.t_s, row.mono_ns);
    for (const auto* column : columns_) {
      buffer_.push_back(',');
      if (row.has(column->metric))
        fmt::format_to(std::back_inserter(buffer_), "{:.{}f}", row[column->metric],
                       column->decimals);
    }
    buffer_.push_back('\n');
  }

  void jsonl(const probes::Row& row) {
    fmt::format_to(std::back_inserter(buffer_), "{{\"t_s\":{:.3f},\"mono_ns\":{}", row.t_s,
                   row.mono_ns);
    for (const auto* column : columns_) {
      if (row.has(column->metric)) {
        fmt::format_to(std::back_inserter(buffer_), ",\"{}\":{:.{}f}", column->name,
                       row[column->metric], column->decimals);
      } else {
        fmt::format_to(std::back_inserter(buffer_), ",\"{}\":null", column->name);
      }
    }
    fmt::format_to(std::back_inserter(buffer_), "}}\n");
  }

  std::FILE* out_;
  Format format_;
  std::vector<const probes::MetricInfo*> columns_;
  std::vector<int> widths_;
  fmt::memory_buffer buffer_;
  size_t rows_ = 0;
};

int run_probe(const ProbeOptions& options, const Globals& globals, const Io& io) {
  // Validate everything before sampling or printing anything.
  auto interval = duration_option("--interval", options.interval, kMinSampleInterval);
  std::optional<std::chrono::nanoseconds> duration;
  if (options.duration) duration = duration_option("--duration", *options.duration, 1ns);
  Format format = ::isatty(::fileno(io.out)) ? Format::table : Format::jsonl;
  if (options.format)
    format = *options.format == "table" ? Format::table
             : *options.format == "csv" ? Format::csv
                                        : Format::jsonl;

  probes::HostFs fs = globals.host_fs();
  probes::require_host_root(fs);
  probes::SamplerTarget target{options.pid, options.cgroup};
  probes::Sampler sampler(fs, target);

  std::vector<const probes::MetricInfo*> columns;
  for (const probes::MetricInfo& info : probes::metrics()) {
    bool wanted = info.scope == probes::Scope::host ||
                  (info.scope == probes::Scope::process && options.pid) ||
                  (info.scope == probes::Scope::cgroup && options.cgroup);
    if (wanted) columns.push_back(&info);
  }
  RowPrinter printer(io.out, format, std::move(columns));

  changes::SignalGuard signals;  // Ctrl-C and SIGTERM end the loop through its stop
  probes::Sample first, previous;
  probes::Row row;
  bool have_first = false;
  probes::SamplingOptions sampling{interval, duration};
  probes::SamplingEnd end = probes::run_sampling(
      sampler, sampling, signals.sampler_stop(), [&](const probes::Sample& sample) {
        if (!have_first) {
          first = previous = sample;
          have_first = true;
          return;
        }
        probes::compute_row(first, previous, sample, row);
        printer.print(row);
        previous = sample;
      });
  if (end == probes::SamplingEnd::target_gone) {
    if (options.pid)
      fmt::print(io.err, "mmtune: process {} has exited\n", *options.pid);
    else
      fmt::print(io.err, "mmtune: cgroup {} is gone\n", *options.cgroup);
  }
  return 0;
}

}  // namespace

Action attach_probe(CLI::App& sub, const Globals& globals) {
  auto options = std::make_shared<ProbeOptions>();
  sub.add_option("--interval", options->interval,
                 "Time between samples: 100ms, 1s, 2.5s (at least 10ms)")
      ->capture_default_str()
      ->type_name("DURATION");
  sub.add_option("--duration", options->duration, "Stop after this long (default: until Ctrl-C)")
      ->type_name("DURATION");
  sub.add_option("--pid", options->pid, "Also sample this process (/proc/PID/stat)")
      ->type_name("PID");
  sub.add_option("--cgroup", options->cgroup,
                 "Also sample this memory cgroup: a cgroup path (/system.slice/x) or its directory")
      ->type_name("PATH");
  sub.add_option("--format", options->format,
                 "table (default on a terminal), csv, or jsonl (default otherwise)")
      ->check(CLI::IsMember({"table", "csv", "jsonl"}))
      ->type_name("FORMAT");
  sub.footer(
      "Rates are per second over each interval, from /proc/vmstat, /proc/zoneinfo and\n"
      "/proc/pressure/memory deltas; free/min/low/high are sums over zones (MiB). Columns a\n"
      "kernel lacks print as - (table), empty (CSV) or null (JSONL). Ctrl-C or SIGTERM stops\n"
      "sampling; the exit code is then 0. With --pid, sampling ends when the process is gone.");
  return [options, &globals](const Io& io) { return run_probe(*options, globals, io); };
}

}  // namespace mmtune::cli
