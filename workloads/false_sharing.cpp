// false-sharing: threads incrementing their own counters, packed in one cache line vs padded
// apart.
//
// Each thread is pinned to its own CPU of the process's affinity mask and increments its counter
// for --duration; the total count over the time is ops/s. Three layouts in turn: one thread alone
// (the baseline), all counters 8 bytes apart in one line ("packed"), and counters two lines apart
// ("padded", so the adjacent-line prefetcher cannot pair them). The slowdown is padded / packed.
//
// Cross-CPU hand-off time decides how bad sharing is, and on a VM it changes as the hypervisor
// moves vCPUs (53–193 ns here, docs/workloads.md), so the run also measures it: two threads
// pass one cache line back and forth and the time per one-way hand-off is reported.
#include "model/false_sharing.hpp"

#include <fmt/format.h>
#include <pthread.h>
#include <sched.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <memory>
#include <thread>

#include "facts/error.hpp"
#include "workloads/loops.hpp"
#include "workloads/session.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

enum class Op { atomic, plain };  // in the order of --op's choices

struct Options {
  int threads = 0;  // 0: one per CPU
  std::chrono::nanoseconds duration{};
  Op op{};
};

constexpr Param kParams[] = {
    bind<&Options::threads>({"threads", ParamKind::integer, "threads", "0",
                             "writer threads (0: one per CPU this process may use)", 0, 64}),
    bind<&Options::duration>(
        {"duration", ParamKind::duration, "s", "500ms", "time each layout runs", 0.01, 60}),
    bind<&Options::op>(
        {"op", ParamKind::choice, "choice", "atomic",
         "atomic: locked add (fetch_add); plain: load and store of a volatile counter", 0, 0,
         "atomic|plain"}),
};

constexpr uint64_t kPaddedStride =
    128;  // two 64-byte lines: beyond the adjacent-line prefetcher's pair

// How long the hand-off is timed at most.
constexpr std::chrono::nanoseconds kHandoffTime = std::chrono::milliseconds(200);

std::vector<int> allowed_cpus() {
  cpu_set_t set;
  CPU_ZERO(&set);
  std::vector<int> cpus;
  if (::sched_getaffinity(0, sizeof set, &set) != 0) return cpus;
  for (int cpu = 0; cpu < CPU_SETSIZE; ++cpu) {
    if (CPU_ISSET(cpu, &set)) cpus.push_back(cpu);
  }
  return cpus;
}

void pin_to(int cpu) {
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(cpu, &set);
  ::pthread_setaffinity_np(::pthread_self(), sizeof set, &set);
}

std::optional<std::string> unsupported(const facts::HostFacts& facts) {
  if (facts.cpu.online < 2) {
    return fmt::format(
        "needs at least 2 CPUs ({} online): on one CPU the threads take turns and never write a "
        "line at the same time",
        facts.cpu.online);
  }
  return std::nullopt;
}

std::optional<std::string> invalid(const Options& o) {
  if (o.threads == 1)
    return "--threads: false sharing needs at least 2 threads (or 0: one per CPU)";
  return std::nullopt;
}

uint64_t footprint(const Options&) { return 64 * 1024; }

int thread_count(const Options& o, int cpus) { return o.threads == 0 ? cpus : o.threads; }

uint32_t line_size(const facts::HostFacts& facts) {
  return facts.cpu.cache_line_bytes.value_or(64);
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  const int cpus = std::max(1, facts.cpu.online);
  model::FalseSharingShape shape;
  shape.threads = thread_count(o, cpus);
  shape.counter_bytes = 8;
  shape.cache_line_bytes = line_size(facts);
  shape.cpus = std::min(shape.threads, cpus);
  std::vector<Expectation> out;
  shape.stride_bytes = 8;
  model::FalseSharingPrediction packed = model::predict_false_sharing(shape);
  shape.stride_bytes = kPaddedStride;
  model::FalseSharingPrediction padded = model::predict_false_sharing(shape);
  packed.shared_lines.name += ".packed";
  padded.shared_lines.name += ".padded";
  out.push_back({"", packed.shared_lines, std::nullopt, std::nullopt, std::nullopt});
  out.push_back({"", padded.shared_lines, std::nullopt, std::nullopt, std::nullopt});
  model::Prediction slowdown = packed.expected_slowdown_low;
  slowdown.name = "slowdown";
  slowdown.why.text = fmt::format(
      "{} (class {}: {:g}x to {:g}x)", slowdown.why.text, model::to_string(packed.slowdown),
      packed.expected_slowdown_low.value, packed.expected_slowdown_high.value);
  out.push_back({"slowdown", slowdown, std::nullopt, packed.expected_slowdown_low.value,
                 packed.expected_slowdown_high.value});
  return out;
}

// Counters at base + i·stride, in memory of their own (page-aligned, so the layout is exact).
struct CounterBlock {
  char* base = nullptr;
  uint64_t stride = 8;
  explicit CounterBlock(uint64_t s)
      : base(static_cast<char*>(std::aligned_alloc(4096, 16384))), stride(s) {
    std::fill(base, base + 16384, 0);
  }
  ~CounterBlock() { std::free(base); }
  CounterBlock(const CounterBlock&) = delete;
  CounterBlock& operator=(const CounterBlock&) = delete;
  uint64_t* at(int i) const { return reinterpret_cast<uint64_t*>(base + uint64_t(i) * stride); }
};

// Runs threads on the given CPUs for duration; returns total increments per second.
double run_layout(Session& session, const std::vector<int>& cpus, int threads, uint64_t stride,
                  bool atomic, std::chrono::nanoseconds duration) {
  CounterBlock counters(stride);
  alignas(128) std::atomic<bool> stop{false};
  std::atomic<int> ready{0};
  std::atomic<bool> go{false};
  std::vector<std::thread> workers;
  for (int t = 0; t < threads; ++t) {
    workers.emplace_back([&, t] {
      pin_to(cpus[size_t(t) % cpus.size()]);
      ready.fetch_add(1);
      while (!go.load(std::memory_order_acquire)) {
      }
      if (atomic) {
        increment_atomic(counters.at(t), stop);
      } else {
        increment_plain(counters.at(t), stop);
      }
    });
  }
  while (ready.load() < threads) std::this_thread::yield();
  int64_t t0 = monotonic_ns();
  go.store(true, std::memory_order_release);
  const int64_t end = t0 + duration.count();
  while (monotonic_ns() < end && !session.stop_requested()) {
    std::this_thread::sleep_for(
        std::chrono::milliseconds(std::clamp<int64_t>((end - monotonic_ns()) / 1'000'000, 0, 10)));
  }
  stop.store(true);
  int64_t t1 = monotonic_ns();
  for (std::thread& w : workers) w.join();
  uint64_t total = 0;
  for (int t = 0; t < threads; ++t) total += *counters.at(t);
  return double(total) / (double(t1 - t0) / 1e9);
}

// One cache line passed back and forth between two CPUs: ns per one-way hand-off.
double handoff_ns(int cpu_a, int cpu_b, std::chrono::nanoseconds duration) {
  alignas(128) std::atomic<uint64_t> turn{0};
  alignas(128) std::atomic<bool> stop{false};
  auto player = [&](int cpu, uint64_t parity) {
    pin_to(cpu);
    for (;;) {
      uint64_t value = turn.load(std::memory_order_acquire);
      if (stop.load(std::memory_order_relaxed)) return;
      if (value % 2 == parity) turn.store(value + 1, std::memory_order_release);
    }
  };
  std::thread a(player, cpu_a, 0), b(player, cpu_b, 1);
  std::this_thread::sleep_for(std::chrono::milliseconds(20));  // both pinned and running
  uint64_t start = turn.load();
  int64_t t0 = monotonic_ns();
  std::this_thread::sleep_for(duration);
  uint64_t end = turn.load();
  int64_t t1 = monotonic_ns();
  stop.store(true);
  a.join();
  b.join();
  return end > start ? double(t1 - t0) / double(end - start) : 0;
}

void run(Session& session, const Options& o) {
  std::vector<int> cpus = allowed_cpus();
  if (cpus.size() < 2) {
    session.skip(fmt::format(
        "this process may use {} CPU: false sharing needs two CPUs writing at once", cpus.size()));
    return;
  }
  const int threads = thread_count(o, static_cast<int>(cpus.size()));
  const bool atomic = o.op == Op::atomic;
  const std::chrono::nanoseconds duration = o.duration;
  const uint32_t line = line_size(session.host());

  PhaseStart phase = session.begin_phase("layouts");
  double single = run_layout(session, cpus, 1, 8, atomic, duration);
  double packed = run_layout(session, cpus, threads, 8, atomic, duration);
  double padded = run_layout(session, cpus, threads, kPaddedStride, atomic, duration);
  session.end_phase(phase);
  double handoff = handoff_ns(cpus[0], cpus[1], std::min(duration, kHandoffTime));

  std::string op = atomic ? "locked adds" : "volatile increments";
  session.measured("ops_per_s.single", single, "ops/s",
                   fmt::format("{} counted over CLOCK_MONOTONIC, 1 thread", op));
  session.measured(
      "ops_per_s.packed", packed, "ops/s",
      fmt::format("{} of {} threads, counters 8 bytes apart in one line", op, threads));
  session.measured(
      "ops_per_s.padded", padded, "ops/s",
      fmt::format("{} of {} threads, counters {} bytes apart", op, threads, kPaddedStride));
  session.derived("slowdown", padded / packed, "x", "ops_per_s.padded / ops_per_s.packed");
  session.derived("padded_scaling", padded / single, "x", "ops_per_s.padded / ops_per_s.single");
  session.measured(
      "handoff_ns", handoff, "ns",
      fmt::format("one cache line passed between CPUs {} and {}, CLOCK_MONOTONIC / hand-offs",
                  cpus[0], cpus[1]));
  session.measured("cache_line_bytes", line, "bytes",
                   session.host().cpu.cache_line_bytes
                       ? "sysfs cpu0 cache index0 coherency_line_size"
                       : "not reported by sysfs; 64 assumed");
  session.measured("threads", threads, "threads", "writer threads");
  std::string cpu_list;
  for (size_t i = 0; i < std::min<size_t>(cpus.size(), size_t(threads)); ++i) {
    cpu_list += (i ? "," : "") + std::to_string(cpus[i]);
  }
  session.measured("cpus", double(std::min<size_t>(cpus.size(), size_t(threads))), "CPUs",
                   "sched_getaffinity; threads pinned to CPUs " + cpu_list);
  session.explain(fmt::format(
      "{} threads on CPUs {}: {:.0f} M {}/s with the counters in one {}-byte line vs {:.0f} M/s "
      "padded apart: "
      "{:.2f}x slower; each write needs the line in its own cache, so it moves between CPUs "
      "(~{:.0f} ns per "
      "hand-off measured)",
      threads, cpu_list, packed / 1e6, op, line, padded / 1e6, padded / packed, handoff));
}

}  // namespace

extern const Workload kFalseSharing =
    define_workload<unsupported, invalid, footprint, predict, run>(
        "false-sharing",
        "Counters in one cache line vs padded apart: ops/s both ways and the slowdown", kParams);

}  // namespace mmtune::workloads
