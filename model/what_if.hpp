#pragma once
// What-if: applying knob changes to Settings the way the kernel's sysctl handlers would, without
// touching the host. See the essay in what_if.cpp.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "model/prediction.hpp"

namespace mmtune::model {

struct KnobChange {
  std::string knob;   // "vm.dirty_ratio"
  std::string value;  // "5"
};

// Parses "vm.dirty_ratio=5" and validates it against the knob table (facts/knobs.hpp) and the
// kernel's accepted range. Throws Error{bad_input} naming the knob: unknown ("did you mean …"),
// missing '=', or a value the kernel would reject.
KnobChange parse_knob_change(std::string_view text);

struct WhatIf {
  facts::Settings settings;                     // the settings after every change
  std::optional<int64_t> user_min_free_kbytes;  // set once vm.min_free_kbytes was written
  std::vector<std::string> side_effects;        // what else the handlers changed, one line each
};

// Applies changes in order, with the handlers' precedence:
//   vm.dirty_ratio (if it changes) zeroes vm.dirty_bytes; vm.dirty_bytes (if it changes) zeroes
//   vm.dirty_ratio; vm.dirty_background_ratio / _bytes zero the other on every write;
//   vm.min_free_kbytes becomes the user value (watermarks are recomputed from it);
//   thp.enabled restarts khugepaged, which raises min_free_kbytes to the THP recommendation (or,
//   6.5+, recomputes the default when THP is turned off).
// zones are the host's zones as read (for the THP recomputation). Throws Error{bad_input} for a
// knob this host does not have or a value the kernel would reject.
WhatIf apply_knob_changes(const facts::Settings& current, const std::vector<facts::Zone>& zones,
                          const facts::KernelInfo& kernel, std::span<const KnobChange> changes);

}  // namespace mmtune::model
