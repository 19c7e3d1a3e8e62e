// vm.dirty_ratio / vm.dirty_background_ratio, or the vm.dirty_bytes / vm.dirty_background_bytes
// pair: how much written data may wait in the page cache before writers are throttled.
//
// The rule, from docs/advice.md (the thresholds: docs/model.md, Dirty limits) and the profiles'
// vendor guidance:
//   - measured: the dirty-flood workload's bystander p99 stall above the profile's budget → dirty
//     limits in bytes sized to the measured write bandwidth B: hard = B × drain time (the profile's
//     dirty_drain_s), background = hard / 4 (model/advice_inputs); within the budget → keep;
//   - a vendor pin on the dirty knobs (tuned virtual-host's background ratio 5, Kafka's 80/5) →
//     the pin, its confidence from its source;
//   - writes but no measurement: the profile's fallback (tuned postgresql's 512 MiB / 64 MiB,
//     latency-performance's 10 / 3) when the host's limit is larger, with low confidence;
//   - otherwise keep. The model's thresholds (domain_dirty_limits on dirtyable memory — free
//     above the reserves plus the page cache, not RAM) are the numbers either way; on large hosts
//     one percent of dirty_ratio is a coarse step, which is why the bytes form is preferred there.
// Writing dirty_bytes zeroes dirty_ratio (and the background pair likewise): the recommendation
// names the pair it sets, and the sysctl file says so.
#include <fmt/format.h>

#include <algorithm>

#include "advisor/evidence.hpp"
#include "advisor/rules.hpp"
#include "facts/units.hpp"
#include "model/advice_inputs.hpp"
#include "model/what_if.hpp"

namespace mmtune::advisor {
namespace {

// What dirty-flood reports (its result's measurement names): the bystander's p99 round time while
// the writers flooded, and the writers' rate once throttled — the device's writeback bandwidth —
// or, if they never were, their overall rate.
constexpr std::string_view kFloodWorkload = "dirty-flood";
constexpr std::string_view kBystanderP99 = "bystander_stall_p99_ms";
constexpr std::string_view kThrottledRate = "throttled_mib_per_s";
constexpr std::string_view kWriteRate = "write_mib_per_s";

std::string bytes_of(uint64_t pages) { return facts::format_bytes(pages * model::kPageSize); }

std::string limits_line(std::string_view when, const model::DirtyLimits& d) {
  return fmt::format(
      "{}: background writeback above {}, writers throttled above {}, hard limit {} (of {} "
      "dirtyable)",
      when, bytes_of(d.background_pages), bytes_of(d.freerun_pages), bytes_of(d.threshold_pages),
      bytes_of(d.dirtyable_pages));
}

struct Pair {
  std::string hard_knob, background_knob;
  std::string hard_value, background_value;
};

// What the two recommendations of the pair share. recommend_pair adds the numbers to the limits
// before and after; keep_pair shows only the limit as it is.
struct Reasons {
  Confidence confidence = Confidence::medium;
  std::vector<std::string> rationale;
  std::vector<model::Prediction> numbers;
  std::vector<EvidenceItem> evidence;
  std::optional<std::string> missing;
  std::vector<std::string> sources;
};

Recommendation with_reasons(Recommendation rec, const Reasons& reasons) {
  rec.confidence = reasons.confidence;
  rec.rationale = reasons.rationale;
  rec.evidence = reasons.evidence;
  rec.evidence_missing = reasons.missing;
  rec.sources = reasons.sources;
  return rec;
}

void add_source(Reasons& reasons, const std::string& id) {
  if (std::find(reasons.sources.begin(), reasons.sources.end(), id) == reasons.sources.end())
    reasons.sources.push_back(id);
}

std::vector<Recommendation> recommend_pair(const RuleContext& ctx, const Pair& pair,
                                           const Reasons& reasons) {
  const std::vector<model::KnobChange> changes = {{pair.hard_knob, pair.hard_value},
                                                  {pair.background_knob, pair.background_value}};
  const model::WhatIf what_if =
      model::apply_knob_changes(ctx.facts.settings, ctx.facts.zones, ctx.facts.kernel, changes);
  const model::HostModel then = model::model_host(ctx.facts, what_if.settings);

  std::vector<Recommendation> out;
  for (int i = 0; i < 2; ++i) {
    Recommendation rec =
        with_reasons(start(ctx, i == 0 ? pair.hard_knob : pair.background_knob), reasons);
    set_value(rec, i == 0 ? pair.hard_value : pair.background_value);
    rec.numbers = reasons.numbers;
    rec.numbers.push_back(i == 0 ? ctx.now.dirty.threshold : ctx.now.dirty.background);
    rec.numbers.push_back(i == 0 ? then.dirty.threshold : then.dirty.background);
    rec.rationale.push_back(limits_line("now", ctx.now.dirty));
    rec.rationale.push_back(limits_line("recommended", then.dirty));
    for (const std::string& effect : what_if.side_effects)
      rec.rationale.push_back("also: " + effect);
    const uint64_t pages = i == 0 ? then.dirty.threshold_pages : then.dirty.background_pages;
    rec.summary =
        rec.change
            ? fmt::format("{} → {}: {} {}", rec.current.value_or("absent"), rec.recommended,
                          i == 0 ? "hard limit" : "background writeback from", bytes_of(pages))
            : fmt::format("keep {}", rec.recommended);
    out.push_back(std::move(rec));
  }
  return out;
}

// Keeps whichever form (ratio or bytes) each knob of the pair is set in now.
std::vector<Recommendation> keep_pair(const RuleContext& ctx, const Reasons& reasons) {
  const model::DirtySettings s = model::dirty_settings_from(ctx.facts.settings);
  const bool bytes = s.bytes != 0;
  const bool background_bytes = s.background_bytes != 0;
  std::vector<Recommendation> out;
  for (int i = 0; i < 2; ++i) {
    const bool in_bytes = i == 0 ? bytes : background_bytes;
    const std::string knob =
        i == 0 ? (in_bytes ? "vm.dirty_bytes" : "vm.dirty_ratio")
               : (in_bytes ? "vm.dirty_background_bytes" : "vm.dirty_background_ratio");
    Recommendation rec = with_reasons(start(ctx, knob), reasons);
    if (!rec.current) continue;
    rec.rationale.push_back(limits_line("now", ctx.now.dirty));
    rec.numbers.push_back(i == 0 ? ctx.now.dirty.threshold : ctx.now.dirty.background);
    rec.summary = fmt::format(
        "keep {}: {} {}", *rec.current, i == 0 ? "hard limit" : "background writeback from",
        bytes_of(i == 0 ? ctx.now.dirty.threshold_pages : ctx.now.dirty.background_pages));
    out.push_back(std::move(rec));
  }
  return out;
}

// 1. Measured: bystander stalls against the budget, limits sized to the measured bandwidth;
// nullopt when the run did not measure them or the profile has no budget.
std::optional<std::vector<Recommendation>> from_measurement(const RuleContext& ctx,
                                                            Reasons reasons) {
  const Goals& goals = ctx.profile.goals;
  const auto p99 = measured(ctx.run, kFloodWorkload, kBystanderP99);
  auto bandwidth = measured(ctx.run, kFloodWorkload, kThrottledRate);
  if (!bandwidth || bandwidth->value <= 0)
    bandwidth = measured(ctx.run, kFloodWorkload, kWriteRate);
  if (!p99 || !goals.write_stall_budget_ms) return std::nullopt;
  reasons.confidence = Confidence::high;
  reasons.evidence = {*p99};
  if (bandwidth) reasons.evidence.push_back(*bandwidth);
  if (p99->value <= *goals.write_stall_budget_ms || !bandwidth || bandwidth->value <= 0) {
    reasons.rationale.push_back(
        fmt::format("a bystander's p99 stall under a write flood was {:.0f} ms, within the "
                    "profile's budget of {:.0f} ms",
                    p99->value, *goals.write_stall_budget_ms));
    return keep_pair(ctx, reasons);
  }
  const model::DirtyBytesSizing sized =
      model::dirty_bytes_for_bandwidth(bandwidth->value * double(model::kMiB), goals.dirty_drain_s);
  reasons.rationale.push_back(
      fmt::format("while writers flooded the page cache a bystander's p99 stall was {:.0f} ms, "
                  "above the profile's budget of {:.0f} ms",
                  p99->value, *goals.write_stall_budget_ms));
  reasons.rationale.push_back(fmt::format("size the limits to the device: {} and {}",
                                          sized.hard.why.text, sized.background.why.text));
  reasons.numbers = {sized.hard, sized.background};
  return recommend_pair(
      ctx,
      {"vm.dirty_bytes", "vm.dirty_background_bytes", fmt::format("{:.0f}", sized.hard.value),
       fmt::format("{:.0f}", sized.background.value)},
      reasons);
}

// 2. Vendor pins on the dirty knobs; a knob of the pair that is not pinned keeps its value.
std::optional<std::vector<Recommendation>> from_pins(const RuleContext& ctx, Reasons reasons) {
  const VendorPin* hard_pin = pin_for(ctx.profile, "vm.dirty_ratio");
  if (!hard_pin) hard_pin = pin_for(ctx.profile, "vm.dirty_bytes");
  const VendorPin* background_pin = pin_for(ctx.profile, "vm.dirty_background_ratio");
  if (!background_pin) background_pin = pin_for(ctx.profile, "vm.dirty_background_bytes");
  if (!hard_pin && !background_pin) return std::nullopt;
  const model::DirtySettings s = model::dirty_settings_from(ctx.facts.settings);
  Pair pair;
  if (hard_pin) {
    pair.hard_knob = hard_pin->knob;
    pair.hard_value = hard_pin->value;
  } else {
    pair.hard_knob = s.bytes ? "vm.dirty_bytes" : "vm.dirty_ratio";
    pair.hard_value = s.bytes ? std::to_string(s.bytes) : std::to_string(s.ratio);
  }
  if (background_pin) {
    pair.background_knob = background_pin->knob;
    pair.background_value = background_pin->value;
  } else {
    pair.background_knob =
        s.background_bytes ? "vm.dirty_background_bytes" : "vm.dirty_background_ratio";
    pair.background_value = s.background_bytes ? std::to_string(s.background_bytes)
                                               : std::to_string(s.background_ratio);
  }
  reasons.confidence = Confidence::medium;
  for (const VendorPin* pin : {hard_pin, background_pin}) {
    if (!pin) continue;
    reasons.rationale.push_back(fmt::format("{} = {}: {}", pin->knob, pin->value, pin->why));
    add_source(reasons, pin->source);
    if (pin_confidence(*pin) == Confidence::low) reasons.confidence = Confidence::low;
  }
  return recommend_pair(ctx, pair, reasons);
}

// 3. Writes, no measurement: the profile's fallback when the host allows more dirty data.
std::vector<Recommendation> from_fallback(const RuleContext& ctx, const DirtyFallback& f,
                                          const model::Prediction& step, Reasons reasons) {
  add_source(reasons, f.source);
  const model::DirtySettings s = model::dirty_settings_from(ctx.facts.settings);
  const bool larger = f.bytes ? ctx.now.dirty.threshold_pages * model::kPageSize > *f.bytes
                              : (s.bytes != 0 || s.ratio > *f.ratio);
  if (!larger) {
    reasons.confidence = Confidence::medium;
    reasons.rationale.push_back(
        fmt::format("the host's dirty limits are already no larger than {}'s", f.source));
    return keep_pair(ctx, reasons);
  }
  reasons.rationale.push_back(
      f.bytes
          ? fmt::format("the host lets {} of dirty data wait before writers stop, more "
                        "than the {} that {} "
                        "sets for this kind of work",
                        bytes_of(ctx.now.dirty.threshold_pages), facts::format_bytes(*f.bytes),
                        f.source)
          : fmt::format("{} sets dirty_ratio {} / dirty_background_ratio {} for this kind of work",
                        f.source, *f.ratio, *f.background_ratio));
  reasons.rationale.push_back(
      "a large dirty backlog turns into long writeback stalls for everyone when it drains; "
      "without a measured bandwidth these are the source's values, not this device's");
  if (step.value >= double(model::kGiB)) {
    reasons.rationale.push_back(fmt::format("one percent of dirty_ratio is {} here: {}",
                                            facts::format_bytes(uint64_t(step.value)),
                                            step.why.text));
  }
  reasons.numbers.push_back(step);
  reasons.confidence = Confidence::low;
  const Pair pair = f.bytes ? Pair{"vm.dirty_bytes", "vm.dirty_background_bytes",
                                   std::to_string(*f.bytes), std::to_string(*f.background_bytes)}
                            : Pair{"vm.dirty_ratio", "vm.dirty_background_ratio",
                                   std::to_string(*f.ratio), std::to_string(*f.background_ratio)};
  return recommend_pair(ctx, pair, reasons);
}

// 4. Keep, saying why and how coarse a step of dirty_ratio is here.
std::vector<Recommendation> keep_by_default(const RuleContext& ctx, const model::Prediction& step,
                                            Reasons reasons) {
  const bool light = ctx.profile.goals.writes == WritePattern::light;
  reasons.rationale.push_back(
      light ? "the profile writes little: the dirty limits rarely matter"
            : "the profile gives no dirty-limit target without a measurement");
  if (step.value >= double(model::kGiB)) {
    reasons.rationale.push_back(
        fmt::format("one percent of dirty_ratio is {} here ({}); if you tune it, prefer the _bytes "
                    "pair",
                    facts::format_bytes(uint64_t(step.value)), step.why.text));
  }
  reasons.confidence = light ? Confidence::high : Confidence::medium;
  return keep_pair(ctx, reasons);
}

}  // namespace

std::vector<Recommendation> dirty_rules(const RuleContext& ctx) {
  if (!ctx.facts.settings.text("vm.dirty_ratio")) return {};
  const Goals& goals = ctx.profile.goals;
  Reasons reasons;
  reasons.sources = sources_for(ctx.profile, "writes", {"kernel-vm-rst", "kernel-writeback"});
  if (auto recs = from_measurement(ctx, reasons)) return *recs;
  if (goals.writes != WritePattern::light) {
    reasons.missing =
        missing_because(ctx.run, ctx.profile, kFloodWorkload,
                        "sizing the dirty limits to this host's write bandwidth and stalls");
  }
  if (auto recs = from_pins(ctx, reasons)) return *recs;
  const model::Prediction step = model::dirty_ratio_step_bytes(ctx.now.dirty.dirtyable_pages);
  if (goals.writes != WritePattern::light && goals.dirty_fallback)
    return from_fallback(ctx, *goals.dirty_fallback, step, reasons);
  return keep_by_default(ctx, step, reasons);
}

}  // namespace mmtune::advisor
