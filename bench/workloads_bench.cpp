// Each workload's inner loop next to the simplest C++ loop doing the same thing, alternating in one
// run (so host noise hits both alike), median of the repetitions, and the ratio mmtune / minimal.
// The target for demand-paging is ≥ 0.95: the product's fault loop may not cost faults.
//
//   workloads_bench [--size 1GiB] [--reps 5]
//
// Also runs `demand-paging` through the runner (fork, probes, sampler) and compares the
// faults_per_s it reports with the minimal loop measured in the same process just before.
#include <fmt/format.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <string>
#include <thread>
#include <vector>

#include "facts/units.hpp"
#include "probes/readers.hpp"
#include "workloads/loops.hpp"
#include "workloads/mapping.hpp"
#include "workloads/params.hpp"
#include "workloads/runner.hpp"
#include "workloads/session.hpp"

namespace mmtune::workloads {
namespace {

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v[v.size() / 2];
}

double seconds_since(int64_t t0) { return double(monotonic_ns() - t0) / 1e9; }

struct Row {
  std::string name, unit;
  double minimal = 0, ours = 0;
  bool higher_is_better = true;
};

// Alternates minimal and ours, reps times each, after one untimed round of each.
Row alternate(std::string name, std::string unit, int reps, const std::function<double()>& minimal,
              const std::function<double()>& ours, bool higher_is_better = true) {
  minimal();
  ours();
  std::vector<double> a, b;
  for (int i = 0; i < reps; ++i) {
    a.push_back(minimal());
    b.push_back(ours());
  }
  return {std::move(name), std::move(unit), median(a), median(b), higher_is_better};
}

// demand-paging: mmap + touch one byte per page + munmap; faults per second of the touch loop.
double minimal_touch(size_t size) {
  char* p = static_cast<char*>(
      ::mmap(nullptr, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0));
  ::madvise(p, size, MADV_NOHUGEPAGE);
  int64_t t0 = monotonic_ns();
  for (size_t offset = 0; offset < size; offset += 4096) p[offset] = 1;
  double s = seconds_since(t0);
  ::munmap(p, size);
  return double(size / 4096) / s;
}

double workload_touch(size_t size) {
  Mapping m = Mapping::anonymous(size, true, HugeAdvice::nohugepage);
  ProgressLog log;
  log.prepare(size / kChunk + 2);
  int64_t t0 = monotonic_ns();
  touch_sequential(m.data(), m.size(), Session::stop_flag(), &log);
  double s = seconds_since(t0);
  return double(size / 4096) / s;
}

// cow-fork: the child writes one byte in every page of a region shared with its parent.
double cow_rate(size_t size, bool ours) {
  Mapping m = Mapping::anonymous(size, true, HugeAdvice::nohugepage);
  touch_sequential(m.data(), m.size(), Session::stop_flag(), nullptr);
  int fds[2];
  if (::pipe(fds) != 0) return 0;
  pid_t pid = ::fork();
  if (pid == 0) {
    int64_t t0 = monotonic_ns();
    if (ours) {
      write_spread(m.data(), size / 4096, size / 4096, Session::stop_flag());
    } else {
      for (size_t offset = 0; offset < size; offset += 4096) m.data()[offset] = 2;
    }
    double rate = double(size / 4096) / seconds_since(t0);
    [[maybe_unused]] ssize_t n = ::write(fds[1], &rate, sizeof rate);
    ::_exit(0);
  }
  double rate = 0;
  [[maybe_unused]] ssize_t n = ::read(fds[0], &rate, sizeof rate);
  ::waitpid(pid, nullptr, 0);
  ::close(fds[0]);
  ::close(fds[1]);
  return rate;
}

// false-sharing: two threads, counters 8 bytes apart, for a fixed time; total increments per
// second.
double shared_line_rate(bool ours, double duration) {
  alignas(128) uint64_t counters[2] = {0, 0};
  alignas(128) std::atomic<bool> stop{false};
  auto worker = [&](int i) {
    if (ours) {
      increment_atomic(&counters[i], stop);
    } else {
      std::atomic_ref<uint64_t> c(counters[i]);
      while (!stop.load(std::memory_order_relaxed)) c.fetch_add(1, std::memory_order_relaxed);
    }
  };
  int64_t t0 = monotonic_ns();
  std::thread a(worker, 0), b(worker, 1);
  std::this_thread::sleep_for(std::chrono::duration<double>(duration));
  stop.store(true);
  double s = seconds_since(t0);
  a.join();
  b.join();
  return double(counters[0] + counters[1]) / s;
}

void print(const std::vector<Row>& rows) {
  fmt::print("{:<44} {:>16} {:>16} {:>8}\n", "loop", "minimal", "mmtune", "ratio");
  for (const Row& r : rows) {
    double ratio = r.higher_is_better ? r.ours / r.minimal : r.minimal / r.ours;
    fmt::print("{:<44} {:>16} {:>16} {:>7.3f}x\n", r.name, facts::format_value(r.minimal, r.unit),
               facts::format_value(r.ours, r.unit), ratio);
  }
}

int bench(int argc, char** argv) {
  size_t size = 1ull << 30;
  int reps = 5;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string_view flag = argv[i];
    if (flag == "--size") size = facts::parse_size(argv[i + 1]).value_or(size);
    if (flag == "--reps") reps = std::max(1, std::atoi(argv[i + 1]));
  }
  fmt::print(
      "workloads_bench: {} regions, {} alternating repetitions, median; ratio > 1 means mmtune is "
      "faster\n",
      facts::format_size(size), reps);
  std::vector<Row> rows;
  rows.push_back(alternate(
      "demand-paging: touch 1 byte/page (4 KiB)", "faults/s", reps,
      [&] { return minimal_touch(size); }, [&] { return workload_touch(size); }));
  size_t cow = std::min<size_t>(size, 256ull << 20);
  rows.push_back(alternate(
      "cow-fork: child writes every shared page", "faults/s", reps,
      [&] { return cow_rate(cow, false); }, [&] { return cow_rate(cow, true); }));
  {
    Mapping m = Mapping::anonymous(size, true, HugeAdvice::hugepage);
    touch_sequential(m.data(), m.size(), Session::stop_flag(), nullptr);
    uint64_t start = build_chase(m.data(), m.size(), kPage, 42);
    const uint64_t steps = 2'000'000;
    uint64_t sink = 0;
    rows.push_back(alternate(
        "thp: random pointer chase (one node per page)", "ns", reps,
        [&] {
          int64_t t0 = monotonic_ns();
          uint64_t p = start;
          for (uint64_t i = 0; i < steps; ++i) p = *reinterpret_cast<const uint64_t*>(m.data() + p);
          sink += p;
          return double(monotonic_ns() - t0) / double(steps);
        },
        [&] {
          int64_t t0 = monotonic_ns();
          sink += chase(m.data(), start, steps);
          return double(monotonic_ns() - t0) / double(steps);
        },
        false));
    if (sink == 1) fmt::print(" ");
  }
  rows.push_back(alternate(
      "false-sharing: 2 threads, one line, lock add", "ops/s", reps,
      [] { return shared_line_rate(false, 0.3); }, [] { return shared_line_rate(true, 0.3); }));

  // The whole product path: `mmtune run demand-paging` (fork, sampler, probes), its reported
  // faults_per_s against the minimal loop measured right before it, in this process.
  std::string state = "/tmp/mmtune-bench-XXXXXX";
  if (!::mkdtemp(state.data())) return 1;
  RunOptions options;
  options.state_dir = state;
  options.params = {{"size", uint64_t{size}}};  // typed: no text round trip
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  std::vector<double> minimal, ours;
  for (int i = 0; i < reps; ++i) {
    minimal_touch(size);  // makes the next one hot, as the workload's warm-up does for it
    minimal.push_back(minimal_touch(size));
    Result r = execute(plan_run("demand-paging", options, facts), options);
    const Measurement* m = r.find("faults_per_s");
    if (m) ours.push_back(m->value);
  }
  if (!ours.empty()) {
    rows.push_back({"mmtune run demand-paging (faults_per_s)", "faults/s", median(minimal),
                    median(ours), true});
  }
  std::filesystem::remove_all(state);
  print(rows);
  return 0;
}

}  // namespace
}  // namespace mmtune::workloads

int main(int argc, char** argv) { return mmtune::workloads::bench(argc, argv); }
