#pragma once
// The inner loops of the workloads, apart from their setup and reporting, so that
// bench/workloads_bench.cpp can time each one next to the simplest loop doing the same thing.
// They do nothing but the work: no allocation, no system call except one clock read per chunk
// when a ProgressLog is given, and a relaxed load of the stop flag per chunk.
#include <atomic>
#include <cstddef>
#include <cstdint>
#include <span>
#include <vector>

namespace mmtune::workloads {

inline constexpr size_t kPage = 4096;
inline constexpr size_t kHugePage = 2 * 1024 * 1024;
// Work between two checks of the stop flag and two progress points: 2 MiB of first touches is
// ~0.3 ms hot, so a stop request is seen within a millisecond and 1 GiB gives 512 points.
inline constexpr size_t kChunk = 2 * 1024 * 1024;

// (CLOCK_MONOTONIC ns, bytes done) after each chunk. prepare() sizes and touches the storage
// before the timed region, so that recording never allocates or faults (a fault there would be
// counted with the workload's own).
struct ProgressLog {
  std::vector<int64_t> t_ns;
  std::vector<uint64_t> done;
  size_t used = 0;
  void prepare(size_t points);
  void record(int64_t t, uint64_t bytes) {
    if (used < t_ns.size()) {
      t_ns[used] = t;
      done[used] = bytes;
      ++used;
    }
  }
};

// Writes one byte in every 4 KiB page of [base, base + length), in address order.
// Returns the bytes covered when it finished or saw the stop flag.
uint64_t touch_sequential(char* base, size_t length, const std::atomic<bool>& stop,
                          ProgressLog* log);
// Writes one byte every stride bytes (stride ≥ 1).
uint64_t touch_strided(char* base, size_t length, size_t stride, const std::atomic<bool>& stop,
                       ProgressLog* log);
// Writes one byte in `touches` pages drawn uniformly with replacement (xorshift64*, seeded).
// Returns the touches made. Progress counts touches × 4 KiB.
uint64_t touch_random(char* base, size_t length, uint64_t touches, uint64_t seed,
                      const std::atomic<bool>& stop, ProgressLog* log);
// Reads one byte in every page (file-backed read faults); returns a checksum so it is not elided.
uint64_t read_sequential(const char* base, size_t length, const std::atomic<bool>& stop,
                         ProgressLog* log);

// Writes one byte in `count` of the `pages` pages at base, spread evenly: page i is written when
// ⌊(i+1)·count/pages⌋ > ⌊i·count/pages⌋, so exactly count pages (count ≤ pages).
uint64_t write_spread(char* base, size_t pages, uint64_t count, const std::atomic<bool>& stop);

// Builds a random cyclic pointer chain (Sattolo's shuffle) over [base, base + length): one node
// per `spacing` bytes (4096: one per page, which stresses the TLB; 64: one per cache line), each
// node holding the byte offset of the next. Returns the offset of the first node.
uint64_t build_chase(char* base, size_t length, size_t spacing, uint64_t seed);
// Follows the chain for `steps` dependent loads; returns the last offset (so nothing is elided).
uint64_t chase(const char* base, uint64_t start, uint64_t steps);

// Increments *counter until stop: a load and a store (no lock), or a locked add.
void increment_plain(volatile uint64_t* counter, const std::atomic<bool>& stop);
void increment_atomic(uint64_t* counter, const std::atomic<bool>& stop);  // through std::atomic_ref

}  // namespace mmtune::workloads
