// What-if: the sysctl handlers' side effects, applied to a copy of the settings.
//
// The model answers "what would the thresholds be if …" by changing Settings exactly as a write to
// /proc/sys or /sys would, then recomputing from the same zones and meminfo. The handlers:
//   dirty_ratio_handler             on a change of value: vm_dirty_bytes = 0
//   dirty_bytes_handler             on a change of value: vm_dirty_ratio = 0; rejects values whose
//                                   page count exceeds UINT_MAX (and < 2 pages by the table range)
//   dirty_background_ratio_handler  on every write: dirty_background_bytes = 0
//   dirty_background_bytes_handler  on every write: dirty_background_ratio = 0
//   (mm/page-writeback.c) — so the last written of a pair wins and the other reads 0. Writing
//   dirty_ratio with the value it already has keeps dirty_bytes.
//   min_free_kbytes_sysctl_handler  user_min_free_kbytes = value; setup_per_zone_wmarks()
//   watermark_scale_factor_sysctl_handler  setup_per_zone_wmarks()
//   enabled_store (THP)             start_stop_khugepaged() → set_recommended_min_free_kbytes():
//                                   THP on: min_free_kbytes = max(current, recommendation) even
//                                   over a user value; THP off (≈6.5+):
//                                   calculate_min_free_kbytes(), which keeps a user value unless
//                                   the default is larger.
// Values are checked against the knob table's kernel ranges before anything is applied, so a bad
// --set changes nothing.
//
// Worked example: dirty_ratio 20, dirty_bytes 0; --set vm.dirty_bytes=1073741824 → dirty_bytes
// 1 GiB, dirty_ratio 0, threshold 262144 pages whatever the free memory.
#include "model/what_if.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <climits>

#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "model/watermarks.hpp"

namespace mmtune::model {
namespace {

void set_zeroing(WhatIf& state, std::string_view other, std::string_view why) {
  auto it = state.settings.values.find(other);
  if (it != state.settings.values.end() && it->second != "0") {
    state.side_effects.push_back(fmt::format("{} {} → 0 ({})", other, it->second, why));
    it->second.assign(1, '0');  // not = "0": g++ 12 -Wrestrict false positive
  }
}

bool thp_on(std::string_view enabled) { return enabled == "always" || enabled == "madvise"; }

}  // namespace

KnobChange parse_knob_change(std::string_view text) {
  size_t equals = text.find('=');
  if (equals == std::string_view::npos || equals == 0) {
    fail(ErrorKind::bad_input, "\"{}\": expected KNOB=VALUE, e.g. vm.dirty_ratio=10", text);
  }
  KnobChange change{std::string(text.substr(0, equals)), std::string(text.substr(equals + 1))};
  auto knob = facts::find_knob(change.knob);
  if (!knob) {
    std::string guess = facts::suggest_knob(change.knob);
    if (guess.empty()) fail(ErrorKind::bad_input, "{}: unknown knob", change.knob);
    fail(ErrorKind::bad_input, "{}: unknown knob; did you mean \"{}\"?", change.knob, guess);
  }
  if (auto reason = facts::invalid_knob_value(*knob, change.value)) {
    fail(ErrorKind::bad_input, "{}={}: {}", change.knob, change.value, *reason);
  }
  if (change.knob == "vm.dirty_bytes" || change.knob == "vm.dirty_background_bytes") {
    uint64_t bytes = std::stoull(change.value);
    if (div_round_up(bytes, kPageSize) > UINT_MAX) {
      fail(ErrorKind::bad_input, "{}={}: more than {} pages (the kernel returns ERANGE)",
           change.knob, change.value, UINT_MAX);
    }
  }
  return change;
}

WhatIf apply_knob_changes(const facts::Settings& current, const std::vector<facts::Zone>& zones,
                          const facts::KernelInfo& kernel, std::span<const KnobChange> changes) {
  // Validate everything first: nothing is half-applied.
  std::vector<KnobChange> checked;
  for (const KnobChange& change : changes) {
    KnobChange valid = parse_knob_change(change.knob + "=" + change.value);
    if (!current.text(valid.knob)) {
      fail(ErrorKind::bad_input, "{}: this host has no such setting (kernel {})", valid.knob,
           kernel.release.empty() ? "unknown" : kernel.release);
    }
    checked.push_back(std::move(valid));
  }

  WhatIf state{current, std::nullopt, {}};
  for (const KnobChange& change : checked) {
    std::string& slot = state.settings.values[change.knob];
    const std::string old = slot;
    slot = change.value;
    const std::string& knob = change.knob;
    if (knob == "vm.dirty_ratio" && old != change.value) {
      set_zeroing(state, "vm.dirty_bytes", "writing vm.dirty_ratio zeroes it");
    } else if (knob == "vm.dirty_bytes" && old != change.value) {
      set_zeroing(state, "vm.dirty_ratio", "writing vm.dirty_bytes zeroes it");
    } else if (knob == "vm.dirty_background_ratio") {
      set_zeroing(state, "vm.dirty_background_bytes",
                  "writing vm.dirty_background_ratio zeroes it");
    } else if (knob == "vm.dirty_background_bytes") {
      set_zeroing(state, "vm.dirty_background_ratio",
                  "writing vm.dirty_background_bytes zeroes it");
    } else if (knob == "vm.min_free_kbytes") {
      state.user_min_free_kbytes = std::stoll(change.value);
      state.side_effects.push_back(
          fmt::format("vm.min_free_kbytes {} becomes the user value: watermarks recomputed; later "
                      "recomputations "
                      "keep it unless their default is larger (THP start still raises it)",
                      change.value));
    } else if (knob == "vm.watermark_scale_factor") {
      state.side_effects.push_back("watermarks recomputed with watermark_scale_factor " +
                                   change.value);
    } else if (knob == "thp.enabled") {
      const int64_t min_free = state.settings.integer("vm.min_free_kbytes").value_or(0);
      const uint64_t free_buffer = free_buffer_pages(zones);
      if (thp_on(change.value)) {
        Prediction rec = thp_recommended_min_free_kbytes(thp_counted_zones(zones), free_buffer);
        if (rec.value > double(min_free)) {
          state.settings.values["vm.min_free_kbytes"] = fmt::format("{}", uint64_t(rec.value));
          state.side_effects.push_back(fmt::format(
              "vm.min_free_kbytes {} → {} (khugepaged starts: set_recommended_min_free_kbytes)",
              min_free, uint64_t(rec.value)));
        }
      } else if (kernel_at_least(kernel, 6, 5)) {
        Prediction standard = default_min_free_kbytes(free_buffer * (kPageSize / kKiB), kernel);
        const int64_t user = state.user_min_free_kbytes.value_or(-1);
        if (standard.value > double(user) && standard.value != double(min_free)) {
          state.settings.values["vm.min_free_kbytes"] = fmt::format("{}", uint64_t(standard.value));
          state.side_effects.push_back(
              fmt::format("vm.min_free_kbytes {} → {} (THP off: calculate_min_free_kbytes; a value "
                          "written with "
                          "sysctl earlier is kept if larger, which this model cannot see)",
                          min_free, uint64_t(standard.value)));
        }
      }
    }
  }
  return state;
}

}  // namespace mmtune::model
