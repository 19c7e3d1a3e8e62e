#pragma once
// The space `mmtune optimize` searches (docs/optimize.md): one domain per knob, an integer range
// (linear, or logarithmic where the range spans a factor of 8 or more, because the kernel's effect
// of a size or a scale factor is multiplicative) or an enumeration; its encoding into the unit
// cube the Gaussian process works in; the objective and the constraints; and the model's view of
// a setting: the kernel thresholds it gives on this host (two settings with the same thresholds
// are one candidate) and why a setting is never tried.
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "compare/sweep.hpp"
#include "facts/facts.hpp"
#include "facts/knobs.hpp"

namespace mmtune::compare {

enum class Scale { linear, log };

struct KnobDomain {
  std::string knob;
  facts::KnobKind kind = facts::KnobKind::integer;
  // integer knobs: the range, both ends included, in the knob's own unit (bytes, kB, %, …)
  int64_t lo = 0, hi = 0;
  Scale scale = Scale::linear;
  std::vector<std::string> choices;  // enumerations: the values, in --knob order
  bool enumeration() const { return !choices.empty(); }
};

// "vm.dirty_bytes=64MiB..2GiB" (sizes for *_bytes knobs, and for *_kbytes knobs in kB),
// "NAME=LO..HI" (integers), "thp.enabled=always,madvise" (an enumeration, of any knob). Throws
// Error{bad_input} naming --knob: malformed, unknown knob (with "did you mean"), an empty range (LO
// = HI), an inverted one (LO > HI), a bound or value the kernel rejects, a value listed twice.
KnobDomain parse_knob_domain(std::string_view text);

class SearchSpace {
 public:
  SearchSpace() = default;
  explicit SearchSpace(std::vector<KnobDomain> domains);
  const std::vector<KnobDomain>& domains() const { return domains_; }
  // Dimensions of the unit cube: one per integer knob, one per value of an enumeration (one-hot).
  size_t dimensions() const { return dimensions_; }
  // A point of [0, 1]^dimensions() as a setting: integers rounded, the enumeration's largest
  // coordinate wins.
  Setting decode(const std::vector<double>& x) const;
  // The point of a setting; nullopt when a value lies outside its domain (e.g. the host's own
  // dirty_bytes of 0 while the ratio is in use).
  std::optional<std::vector<double>> encode(const Setting& setting) const;

 private:
  std::vector<KnobDomain> domains_;
  size_t dimensions_ = 0;
};

// What is optimised: --objective min:NAME or max:NAME, NAME a measurement of the workload.
struct Objective {
  std::string metric;
  bool maximize = false;
};
// Throws Error{bad_input} naming --objective.
Objective parse_objective(std::string_view text);

// --constraint 'NAME>=0.9*baseline', 'NAME<=200', 'NAME>=baseline': a measurement bound; a bound
// relative to the baseline is that factor of the starting settings' median.
struct Constraint {
  std::string text;  // as given
  std::string metric;
  bool at_least = true;  // >= (else <=)
  double value = 0;      // the bound, or the factor of the baseline
  bool of_baseline = false;
};
// Throws Error{bad_input} naming --constraint.
Constraint parse_constraint(std::string_view text);

// The model's view of candidates on one host: the key of the kernel thresholds a setting gives
// (equal keys: one candidate, measured once) and why a setting must never be tried.
struct CandidateRules {
  std::function<std::string(const Setting&)> key;
  std::function<std::optional<std::string>(const Setting&)> invalid;
};
// Literal values: every distinct setting is its own candidate, none is invalid.
CandidateRules literal_rules();
// Through the model (model/ what-if on these facts): dirty settings by the hard and background
// thresholds in pages, vm.min_free_kbytes and vm.watermark_scale_factor by every zone's min, low
// and high watermarks, vm.watermark_boost_factor by every zone's boost ceiling; other knobs by
// value. Invalid: a background threshold at or above the hard one (the kernel would halve it).
CandidateRules model_rules(const facts::HostFacts& facts);
// What the model says changes from the host's settings to setting: the dirty thresholds, each
// zone's watermarks, in pages and bytes, one line each ("dirty hard limit: 112,345 → 16,384 pages
// (64 MiB)"); empty when nothing it computes moves.
std::vector<std::string> explain_thresholds(const facts::HostFacts& facts, const Setting& setting);

}  // namespace mmtune::compare
