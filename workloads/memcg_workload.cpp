#include "workloads/memcg_workload.hpp"

#include <fmt/format.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

#include <cerrno>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "workloads/session.hpp"

namespace mmtune::workloads {

std::optional<changes::CgroupPlace> open_cgroup_place(Session& session,
                                                      const std::vector<std::string>& controllers) {
  if (!session.journal()) fail(ErrorKind::internal, "worker cgroups need the run's journal");
  if (::geteuid() != 0) {
    session.skip("needs root to make cgroups");
    return std::nullopt;
  }
  try {
    changes::CgroupPlace place(*session.journal(), controllers);
    session.note("cgroups: " + place.describe());
    return place;
  } catch (const Error& e) {
    if (e.kind() != ErrorKind::unsupported) throw;
    session.skip(e.what());
    return std::nullopt;
  }
}

std::optional<std::string> memcg_unsupported(const facts::HostFacts& facts) {
  if (facts.cgroup.version == 0)
    return "needs a memory cgroup controller (cgroup v1 memory or v2 with memory enabled)";
  return std::nullopt;
}

model::LruKind lru_of(const facts::HostFacts& facts) {
  return facts.mglru_enabled() ? model::LruKind::mglru : model::LruKind::classic;
}

std::string_view lru_name(model::LruKind lru) {
  return lru == model::LruKind::mglru ? "MGLRU" : "classic LRU";
}

std::optional<std::string> swap_size_problem(uint64_t swap_bytes) {
  if (swap_bytes > 0 && swap_bytes < changes::kMinSwapBytes) {
    return fmt::format("--swap: {} is below the smallest swap file (160KiB)",
                       facts::format_bytes(swap_bytes));
  }
  return std::nullopt;
}

std::unique_ptr<changes::TempSwap> swap_file_for_run(Session& session, uint64_t swap_bytes,
                                                     const std::filesystem::path& dir,
                                                     uint64_t file_bytes) {
  if (swap_bytes == 0 || session.host().has_swap()) return nullptr;
  if (!session.journal()) fail(ErrorKind::internal, "a swap file needs the run's journal");
  auto swap = std::make_unique<changes::TempSwap>(*session.journal(), dir, file_bytes);
  session.note(fmt::format("temporary swap file {} ({}), removed afterwards", swap->path().string(),
                           facts::format_size(swap->bytes())));
  return swap;
}

std::optional<uint64_t> free_bytes(const std::filesystem::path& dir) {
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) return std::nullopt;
  return uint64_t(st.f_bavail) * st.f_frsize;
}

void sleep_until(int64_t t_ns) {
  timespec ts{static_cast<time_t>(t_ns / 1'000'000'000), static_cast<long>(t_ns % 1'000'000'000)};
  while (::clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, nullptr) == EINTR) {
  }
}

}  // namespace mmtune::workloads
