#include "workloads/loops.hpp"

#include <time.h>

#include <algorithm>
#include <numeric>

namespace mmtune::workloads {
namespace {

// The loops below touch mmap'd memory only, which AddressSanitizer does not track; instrumented,
// each first write would also fault in a shadow page and add 1/8 to the fault counts the
// workloads compare with the model.
#define MMTUNE_UNINSTRUMENTED __attribute__((no_sanitize("address")))

int64_t now_ns() {
  timespec ts{};
  ::clock_gettime(CLOCK_MONOTONIC, &ts);
  return int64_t(ts.tv_sec) * 1'000'000'000 + ts.tv_nsec;
}

struct XorShift {
  uint64_t state;
  uint64_t next() {
    state ^= state >> 12;
    state ^= state << 25;
    state ^= state >> 27;
    return state * 0x2545F4914F6CDD1Dull;
  }
  // Uniform in [0, n) without a division: the high half of a 64×64 product.
  uint64_t below(uint64_t n) {
    __extension__ using u128 = unsigned __int128;
    return static_cast<uint64_t>((u128(next()) * n) >> 64);
  }
};

}  // namespace

void ProgressLog::prepare(size_t points) {
  t_ns.assign(points, 0);
  done.assign(points, 0);
  used = 0;
}

MMTUNE_UNINSTRUMENTED uint64_t touch_sequential(char* base, size_t length,
                                                const std::atomic<bool>& stop, ProgressLog* log) {
  size_t done = 0;
  while (done < length) {
    const size_t end = std::min(length, done + kChunk);
    for (size_t offset = done; offset < end; offset += kPage) base[offset] = 1;
    done = end;
    if (log) log->record(now_ns(), done);
    if (stop.load(std::memory_order_relaxed)) break;
  }
  return done;
}

MMTUNE_UNINSTRUMENTED uint64_t touch_strided(char* base, size_t length, size_t stride,
                                             const std::atomic<bool>& stop, ProgressLog* log) {
  size_t offset = 0;
  while (offset < length) {
    const size_t end = std::min(length, offset + std::max(kChunk, stride));
    for (; offset < end; offset += stride) base[offset] = 1;
    if (log) log->record(now_ns(), std::min(offset, length));
    if (stop.load(std::memory_order_relaxed)) break;
  }
  return std::min(offset, length);
}

MMTUNE_UNINSTRUMENTED uint64_t touch_random(char* base, size_t length, uint64_t touches,
                                            uint64_t seed, const std::atomic<bool>& stop,
                                            ProgressLog* log) {
  XorShift rng{seed | 1};
  const uint64_t pages = length / kPage;
  constexpr uint64_t kTouchesPerChunk = kChunk / kPage;
  uint64_t made = 0;
  while (made < touches) {
    const uint64_t end = std::min(touches, made + kTouchesPerChunk);
    for (; made < end; ++made) base[rng.below(pages) * kPage] = 1;
    if (log) log->record(now_ns(), made * kPage);
    if (stop.load(std::memory_order_relaxed)) break;
  }
  return made;
}

MMTUNE_UNINSTRUMENTED uint64_t read_sequential(const char* base, size_t length,
                                               const std::atomic<bool>& stop, ProgressLog* log) {
  uint64_t sum = 0;
  size_t done = 0;
  while (done < length) {
    const size_t end = std::min(length, done + kChunk);
    for (size_t offset = done; offset < end; offset += kPage)
      sum += static_cast<unsigned char>(base[offset]);
    done = end;
    if (log) log->record(now_ns(), done);
    if (stop.load(std::memory_order_relaxed)) break;
  }
  return sum + done;
}

MMTUNE_UNINSTRUMENTED uint64_t write_spread(char* base, size_t pages, uint64_t count,
                                            const std::atomic<bool>& stop) {
  uint64_t written = 0;
  constexpr size_t kPagesPerChunk = kChunk / kPage;
  for (size_t chunk = 0; chunk < pages; chunk += kPagesPerChunk) {
    const size_t end = std::min(pages, chunk + kPagesPerChunk);
    for (size_t i = chunk; i < end; ++i) {
      if ((i + 1) * count / pages > i * count / pages) {
        base[i * kPage] = 2;
        ++written;
      }
    }
    if (stop.load(std::memory_order_relaxed)) break;
  }
  return written;
}

uint64_t build_chase(char* base, size_t length, size_t spacing, uint64_t seed) {
  const size_t nodes = length / spacing;
  std::vector<uint32_t> order(nodes);
  std::iota(order.begin(), order.end(), 0u);
  // Sattolo: a uniformly random permutation that is one single cycle.
  XorShift rng{seed | 1};
  for (size_t i = nodes - 1; i > 0; --i) std::swap(order[i], order[rng.below(i)]);
  // Within a page, nodes sit at different cache lines so the chain does not hammer one cache set.
  auto offset_of = [&](size_t node) -> uint64_t {
    uint64_t line_in_page = spacing >= kPage ? (node * 7) % (kPage / 64) : 0;
    return node * spacing + line_in_page * 64;
  };
  for (size_t i = 0; i < nodes; ++i) {
    *reinterpret_cast<uint64_t*>(base + offset_of(order[i])) = offset_of(order[(i + 1) % nodes]);
  }
  return offset_of(order[0]);
}

MMTUNE_UNINSTRUMENTED uint64_t chase(const char* base, uint64_t start, uint64_t steps) {
  uint64_t offset = start;
  for (uint64_t i = 0; i < steps; ++i) offset = *reinterpret_cast<const uint64_t*>(base + offset);
  return offset;
}

void increment_plain(volatile uint64_t* counter, const std::atomic<bool>& stop) {
  while (!stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 4096; ++i) *counter = *counter + 1;
  }
}

void increment_atomic(uint64_t* counter, const std::atomic<bool>& stop) {
  std::atomic_ref<uint64_t> shared(*counter);
  while (!stop.load(std::memory_order_relaxed)) {
    for (int i = 0; i < 1024; ++i) shared.fetch_add(1, std::memory_order_relaxed);
  }
}

}  // namespace mmtune::workloads
