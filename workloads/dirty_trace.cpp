#include "workloads/dirty_trace.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>

#include "facts/error.hpp"

namespace mmtune::workloads {
namespace {

constexpr std::string_view kEvent = "writeback/balance_dirty_pages";

}  // namespace

ThrottleProbeChoice choose_throttle_probe(std::string_view choice, const probes::HostFs& fs,
                                          bool have_journal) {
  if (choice == "sleep") return {ThrottleMethod::sleep, {}};
  std::optional<std::string> why = have_journal
                                       ? changes::tracing_unsupported(fs, kEvent)
                                       : std::optional<std::string>("the run has no journal");
  if (!why) return {ThrottleMethod::tracepoint, {}};
  if (choice == "tracepoint") fail(ErrorKind::unsupported, "--throttle-probe tracepoint: {}", *why);
  return {ThrottleMethod::sleep, *why};
}

ThrottleTrace::ThrottleTrace(changes::Journal& journal)
    : instance_(journal, fmt::format("mmtune-dirty-flood-{}", ::getpid()), kEvent) {}

ThrottleTrace::~ThrottleTrace() {
  done_.store(true);
  if (reader_.joinable()) reader_.join();
}

void ThrottleTrace::start(std::span<const pid_t> writer_tids) {
  instance_.start(writer_tids);
  reader_ = std::thread([this] {
    while (!done_.load(std::memory_order_acquire)) {
      drain();
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  });
}

void ThrottleTrace::drain() {
  for (const std::string& line : instance_.read_lines()) {
    if (auto event = probes::parse_balance_dirty_pages(line)) events_.push_back(std::move(*event));
  }
}

std::vector<probes::BalanceDirtyPagesEvent> ThrottleTrace::finish() {
  done_.store(true, std::memory_order_release);
  if (reader_.joinable()) reader_.join();
  instance_.stop();
  drain();
  lost_ = instance_.lost_events();
  std::stable_sort(events_.begin(), events_.end(),
                   [](const auto& a, const auto& b) { return a.t_ns < b.t_ns; });
  return std::move(events_);
}

}  // namespace mmtune::workloads
