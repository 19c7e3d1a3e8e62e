#pragma once
// The model of one host's memory manager as set now (or as a what-if would set it): watermarks and
// reclaim bands per zone, the min_free_kbytes the kernel would pick itself, dirty limits, the
// reclaim balance and the THP outcome, with plain-words lines for `mmtune model` and reports.
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "model/dirty.hpp"
#include "model/fragmentation.hpp"
#include "model/prediction.hpp"
#include "model/reclaim.hpp"
#include "model/thp.hpp"
#include "model/watermarks.hpp"

namespace mmtune::model {

// How the model compares with the numbers the kernel itself reports in the same snapshot.
struct KernelAgreement {
  int zones_compared = 0;
  int zones_matching = 0;  // min, low and high (boost included) equal exactly
  std::optional<uint64_t> kernel_threshold_pages;   // /proc/vmstat nr_dirty_threshold
  std::optional<uint64_t> kernel_background_pages;  // /proc/vmstat nr_dirty_background_threshold
};

struct HostModel {
  facts::Settings settings;  // the settings this model is for
  WatermarkSettings watermark_settings;
  Prediction expected_min_free_kbytes;  // what the kernel would pick without a sysctl write
  std::vector<ZoneWatermarks> zones;    // zones with managed pages
  std::vector<ReclaimBands> bands;      // parallel to zones
  uint64_t totalreserve_pages = 0;
  DirtyInputs dirty_inputs;
  DirtyLimits dirty;
  LruKind lru = LruKind::classic;
  ScanBalance reclaim;                       // global reclaim at the current swappiness
  ThpPrediction thp_plain;                   // 1 GiB aligned region, no madvise
  ThpPrediction thp_madvised;                // the same with MADV_HUGEPAGE
  FragmentationPrediction fragmentation;     // free memory at the huge-page order (order 9)
  std::optional<KernelAgreement> agreement;  // only for the settings the host actually has
  std::vector<std::string> summary;          // plain words, one line each
};

// The model for facts.settings, with the agreement against the kernel's own numbers.
HostModel model_host(const facts::HostFacts& facts);
// The model for other settings (a what-if) on the same memory: no agreement section.
HostModel model_host(const facts::HostFacts& facts, const facts::Settings& settings);

// Compares model watermarks (boost included) with the zones as read; counts exact matches.
KernelAgreement compare_with_kernel(const std::vector<ZoneWatermarks>& model,
                                    const std::vector<facts::Zone>& zones,
                                    const facts::Counters& vmstat);

}  // namespace mmtune::model
