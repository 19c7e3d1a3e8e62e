#pragma once
// What the workloads that work in memory cgroups (oom, reclaim, dirty-flood's slow device) share:
// the place of their workers' cgroups (changes/cgroup.hpp), or the run skipped with the reason
// (exit 3, "not supported here: …") where the host cannot give one; the host's LRU kind; the
// temporary swap file of --swap; the free space of --dir; sleeping to a CLOCK_MONOTONIC instant.
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "changes/cgroup.hpp"
#include "changes/swap_file.hpp"
#include "facts/facts.hpp"
#include "model/reclaim.hpp"

namespace mmtune::workloads {

class Session;

// Needs root and the run's journal; notes where the cgroups go. nullopt after session.skip().
std::optional<changes::CgroupPlace> open_cgroup_place(Session& session,
                                                      const std::vector<std::string>& controllers);

// The reason a host without a memory cgroup controller cannot run the workload, or nullopt.
std::optional<std::string> memcg_unsupported(const facts::HostFacts& facts);

model::LruKind lru_of(const facts::HostFacts& facts);
std::string_view lru_name(model::LruKind lru);

// "--swap: … is below the smallest swap file" for a swap size a swap file cannot have, or nullopt.
std::optional<std::string> swap_size_problem(uint64_t swap_bytes);

// A temporary swap file of file_bytes in dir through the run's journal, noted in the result; only
// when swap_bytes > 0 and the host has no swap (nullptr otherwise).
std::unique_ptr<changes::TempSwap> swap_file_for_run(Session& session, uint64_t swap_bytes,
                                                     const std::filesystem::path& dir,
                                                     uint64_t file_bytes);

// Bytes free for an unprivileged writer in the filesystem of dir; nullopt when it cannot be read.
std::optional<uint64_t> free_bytes(const std::filesystem::path& dir);

// Sleeps until CLOCK_MONOTONIC reads t_ns.
void sleep_until(int64_t t_ns);

}  // namespace mmtune::workloads
