#include "advisor/fragmentation_evidence.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "advisor/evidence.hpp"
#include "model/thp.hpp"

namespace mmtune::advisor {
namespace {

constexpr std::string_view kWorkload = "fragmentation";
constexpr uint64_t kHugePage = 2ull << 20;

std::optional<DefragMeasured> measured_mode(const ScenarioRun* run, const std::string& mode) {
  auto p99 = measured(run, kWorkload, "fault_latency." + mode + "_p99_ms");
  auto success = measured(run, kWorkload, "huge_success." + mode);
  auto stall = measured(run, kWorkload, "compact_stall." + mode);
  if (!p99 || !success || !stall) return std::nullopt;
  return DefragMeasured{mode,
                        *p99,
                        *success,
                        *stall,
                        measured(run, kWorkload, "compact_daemon_wake." + mode),
                        measured(run, kWorkload, "memory_stall_ms." + mode)};
}

std::vector<ReservationMeasured> reservations(const ScenarioRun* run, std::string_view name) {
  std::vector<ReservationMeasured> out;
  for (const char* stage : {"before", "fragmented", "compacted"}) {
    const std::string base = fmt::format("{}.{}", name, stage);
    if (auto got = measured(run, kWorkload, base))
      out.push_back({stage, *got, measured(run, kWorkload, base + "_s")});
  }
  return out;
}

// The kernel's own extfrag_index at order 9 after fragmenting: the Normal zone where there is
// one (user memory lives there), else the first zone measured.
std::optional<EvidenceItem> extfrag_after(const ScenarioRun* run) {
  const std::vector<EvidenceItem> all = measured_all(run, kWorkload, "extfrag_index.fragmented.");
  for (const EvidenceItem& e : all) {
    if (e.measurement.ends_with(".Normal")) return e;
  }
  if (all.empty()) return std::nullopt;
  return all.front();
}

uint64_t requested_pages(const StepOutcome& step) {
  for (const workloads::ParamRecord& p : step.result.parameters) {
    if (p.name == "hugetlb" && !p.numbers.empty()) return uint64_t(p.numbers.front()) / kHugePage;
  }
  return 0;
}

}  // namespace

const DefragMeasured* FragmentationEvidence::mode(std::string_view name) const {
  for (const DefragMeasured& m : modes) {
    if (m.mode == name) return &m;
  }
  return nullptr;
}

const DefragMeasured* FragmentationEvidence::behaving_as(std::string_view wanted,
                                                         bool madvised) const {
  const model::DefragBehaviour target = model::defrag_behaviour(wanted, madvised);
  // The mode itself first: its own measurement when the region asked (madvised).
  if (madvised) {
    if (const DefragMeasured* own = mode(wanted)) return own;
  }
  for (const DefragMeasured& m : modes) {
    const model::DefragBehaviour b = model::defrag_behaviour(m.mode, true);
    if (b.direct_compaction == target.direct_compaction &&
        b.wakes_kcompactd == target.wakes_kcompactd)
      return &m;
  }
  return nullptr;
}

const ReservationMeasured* FragmentationEvidence::reservation(uint64_t page_bytes,
                                                              std::string_view stage) const {
  const auto& list = page_bytes == kHugePage ? hugetlb_2mib : hugetlb_1gib;
  for (const ReservationMeasured& r : list) {
    if (r.stage == stage) return &r;
  }
  return nullptr;
}

std::vector<EvidenceItem> FragmentationEvidence::defrag_items() const {
  std::vector<EvidenceItem> out;
  for (const auto& e : {fragmented_blocks, free_before, free_fragmented}) {
    if (e) out.push_back(*e);
  }
  for (const DefragMeasured& m : modes) {
    out.insert(out.end(), {m.p99_ms, m.huge_success, m.compact_stall});
    if (m.memory_stall) out.push_back(*m.memory_stall);
  }
  return out;
}

std::vector<EvidenceItem> FragmentationEvidence::hugetlb_items() const {
  std::vector<EvidenceItem> out;
  if (fragmented_blocks) out.push_back(*fragmented_blocks);
  for (const auto* list : {&hugetlb_2mib, &hugetlb_1gib}) {
    for (const ReservationMeasured& r : *list) {
      out.push_back(r.got);
      if (r.seconds) out.push_back(*r.seconds);
    }
  }
  return out;
}

std::optional<FragmentationEvidence> fragmentation_evidence(const ScenarioRun* run) {
  if (!run) return std::nullopt;
  const StepOutcome* step = run->find_ok(kWorkload);
  if (!step) return std::nullopt;
  FragmentationEvidence ev;
  ev.step = step->id;
  for (std::string_view mode : model::defrag_modes()) {
    if (auto m = measured_mode(run, std::string(mode))) ev.modes.push_back(std::move(*m));
  }
  if (ev.modes.empty()) return std::nullopt;
  ev.fragmented_blocks = measured(run, kWorkload, "fragmented_blocks");
  ev.free_before = measured(run, kWorkload, "free_2mib_blocks.before");
  ev.free_fragmented = measured(run, kWorkload, "free_2mib_blocks.fragmented");
  ev.free_repaired = measured(run, kWorkload, "free_2mib_blocks.repaired");
  ev.free_compacted = measured(run, kWorkload, "free_2mib_blocks.compacted");
  ev.repair_scanned = measured(run, kWorkload, "compact_daemon_migrate_scanned.repair");
  ev.repair_migrated = measured(run, kWorkload, "pgmigrate_success.repair");
  ev.extfrag_fragmented = extfrag_after(run);
  ev.hugetlb_requested = requested_pages(*step);
  ev.hugetlb_2mib = reservations(run, "hugetlb_2mib");
  ev.hugetlb_1gib = reservations(run, "hugetlb_1gib");
  return ev;
}

bool measures_fragmentation(const Profile& profile) {
  for (const auto& [name, scenario] : profile.scenarios) {
    for (const ScenarioStep& step : scenario.steps) {
      if (step.workload == kWorkload) return true;
    }
  }
  return false;
}

std::string describe(const DefragMeasured& m) {
  return fmt::format(
      "defrag={}: p99 {:.2f} ms for the first write of a 2 MiB range, {:.0f} % in huge pages, "
      "compact_stall +{:.0f}",
      m.mode, m.p99_ms.value, m.huge_success.value * 100, m.compact_stall.value);
}

}  // namespace mmtune::advisor
