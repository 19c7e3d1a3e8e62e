#pragma once
// Finding the measurements a rule stands on in a scenario run, as EvidenceItems that say which
// step measured what with which counter; and, when there are none, saying exactly why.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/advice.hpp"
#include "advisor/scenario.hpp"

namespace mmtune::advisor {

// The measurement `name` of the first step of `workload` that ran to completion; nullopt when no
// such step or measurement exists (or run is nullptr).
std::optional<EvidenceItem> measured(const ScenarioRun* run, std::string_view workload,
                                     std::string_view name);

// Every measurement of that step whose name starts with prefix ("anon_share."), in result order.
std::vector<EvidenceItem> measured_all(const ScenarioRun* run, std::string_view workload,
                                       std::string_view prefix);

// How much a cumulative column of the host series ("allocstall", "pgscan_direct", "pswpout")
// grew over all steps together; nullopt when no step has the column. Here and in phase_vmstat and
// lowest_free_above_low, a fragmentation step does not count: the reclaim it causes is its own
// doing (hugetlb reservations, dropped caches), not the host's reaction to ordinary allocation.
std::optional<EvidenceItem> host_growth(const ScenarioRun* run, std::string_view column,
                                        std::string_view unit);

// The sum over every phase of every step of the /proc/vmstat deltas whose key starts with prefix
// ("kswapd_low_wmark_hit_quickly"); nullopt when no step recorded phases.
std::optional<EvidenceItem> phase_vmstat(const ScenarioRun* run, std::string_view prefix);

// The smallest distance, over every host sample of every step, between the zones' free pages and
// their low watermarks (sums over zones), in bytes; negative when free fell below low.
std::optional<EvidenceItem> lowest_free_above_low(const ScenarioRun* run);

// A counter since boot from the host facts, as evidence ("host", since boot).
EvidenceItem since_boot(std::string_view measurement, double value, std::string_view unit,
                        std::string_view counter);

// What the write-bandwidth step measured where the data lives: the sustained rate at which the
// device takes buffered writes (MiB/s), and how long a backlog at the kernel's hard dirty limit
// of the time takes to drain there (s). nullopt when no such step ran to completion.
struct WriteBandwidth {
  EvidenceItem sustained;
  std::optional<EvidenceItem> hard_limit_drain;
  std::string where;  // the data directory, described ("/srv/pg (ext4 on /dev/sda1)")
};
std::optional<WriteBandwidth> write_bandwidth(const ScenarioRun* run);

// A note for the advice about the data directory the write measurements should use: that it is in
// memory (and what to run instead), that the run measured another directory, or that nothing was
// measured there yet for a profile that writes — each with a command that measures it. nullopt
// when the run measured writes in that directory, or the profile does not write.
std::optional<std::string> data_dir_note(const DataDir& dir, const Profile& profile,
                                         const ScenarioRun* run);

// One line saying why the measurement of `workload` that would settle a rule is missing: not in
// this build, not in the scenario, no run at all, or skipped/failed with the runner's reason; and
// which command of the profile's scenarios would measure it.
std::string missing_because(const ScenarioRun* run, const Profile& profile,
                            std::string_view workload, std::string_view what);

}  // namespace mmtune::advisor
