#pragma once
// What the fragmentation workload measured, for the rules on thp.defrag, compaction,
// min_free_kbytes and hugetlb reservations (docs/advice.md, Fragmentation): per thp.defrag mode
// the first write of each 2 MiB range of a MADV_HUGEPAGE region in free memory the workload had
// fragmented, and runtime hugetlb reservations before and after fragmenting.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "advisor/advice.hpp"
#include "advisor/scenario.hpp"

namespace mmtune::advisor {

// One defrag mode's region, measured with MADV_HUGEPAGE.
struct DefragMeasured {
  std::string mode;
  EvidenceItem p99_ms;         // fault_latency.<mode>_p99_ms: the first write per 2 MiB range
  EvidenceItem huge_success;   // huge_success.<mode>: share of the ranges in a huge page
  EvidenceItem compact_stall;  // compact_stall.<mode>: host-wide delta
  std::optional<EvidenceItem> daemon_wake;   // compact_daemon_wake.<mode>
  std::optional<EvidenceItem> memory_stall;  // memory_stall_ms.<mode> (PSI some)
  bool stalled() const { return compact_stall.value > 0; }
};

// A runtime reservation of 2 MiB (or 1 GiB) hugetlb pages at one stage of the run.
struct ReservationMeasured {
  std::string stage;  // "before", "fragmented", "compacted"
  EvidenceItem got;   // pages
  std::optional<EvidenceItem> seconds;
};

struct FragmentationEvidence {
  std::string step;                               // the scenario step's id
  std::vector<DefragMeasured> modes;              // in the order the workload ran them
  std::optional<EvidenceItem> fragmented_blocks;  // 2 MiB blocks fragmented and pinned
  std::optional<EvidenceItem> free_before, free_fragmented, free_repaired, free_compacted;
  // Over the repair window: pages kcompactd's migration scanner looked at, pages migrated
  // (host-wide; proactive compaction runs without counting a wake-up).
  std::optional<EvidenceItem> repair_scanned, repair_migrated;
  std::optional<EvidenceItem> extfrag_fragmented;  // the kernel's extfrag_index, order 9, highest
  uint64_t hugetlb_requested = 0;                  // 2 MiB pages asked for at each stage
  std::vector<ReservationMeasured> hugetlb_2mib, hugetlb_1gib;

  const DefragMeasured* mode(std::string_view name) const;
  // The measured mode whose MADV_HUGEPAGE faults behave as faults of another mode behave: what a
  // region gets under `mode` (madvised or not) was measured under the mode returned.
  const DefragMeasured* behaving_as(std::string_view mode, bool madvised) const;
  const ReservationMeasured* reservation(uint64_t page_bytes, std::string_view stage) const;
  // Every item, for a recommendation's evidence list.
  std::vector<EvidenceItem> defrag_items() const;
  std::vector<EvidenceItem> hugetlb_items() const;
};

// nullopt when no fragmentation step ran to completion, or its result has no defrag modes.
std::optional<FragmentationEvidence> fragmentation_evidence(const ScenarioRun* run);

// Whether the profile's scenarios measure fragmentation (a step of the workload in any scenario).
bool measures_fragmentation(const Profile& profile);

// "defrag=always: p99 23.1 ms per 2 MiB first write, 128/128 huge, compact_stall +104".
std::string describe(const DefragMeasured& m);

}  // namespace mmtune::advisor
