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

std::vector<Recommendation> recommend_pair(const RuleContext& ctx, const Pair& pair,
                                           Confidence confidence,
                                           const std::vector<std::string>& rationale,
                                           const std::vector<model::Prediction>& numbers,
                                           const std::vector<EvidenceItem>& evidence,
                                           const std::optional<std::string>& missing,
                                           const std::vector<std::string>& sources) {
  const std::vector<model::KnobChange> changes = {{pair.hard_knob, pair.hard_value},
                                                  {pair.background_knob, pair.background_value}};
  const model::WhatIf what_if =
      model::apply_knob_changes(ctx.facts.settings, ctx.facts.zones, ctx.facts.kernel, changes);
  const model::HostModel then = model::model_host(ctx.facts, what_if.settings);

  std::vector<Recommendation> out;
  for (int i = 0; i < 2; ++i) {
    Recommendation rec = start(ctx, i == 0 ? pair.hard_knob : pair.background_knob);
    set_value(rec, i == 0 ? pair.hard_value : pair.background_value);
    rec.confidence = confidence;
    rec.rationale = rationale;
    rec.numbers = numbers;
    rec.numbers.push_back(i == 0 ? ctx.now.dirty.threshold : ctx.now.dirty.background);
    rec.numbers.push_back(i == 0 ? then.dirty.threshold : then.dirty.background);
    rec.rationale.push_back(limits_line("now", ctx.now.dirty));
    rec.rationale.push_back(limits_line("recommended", then.dirty));
    for (const std::string& effect : what_if.side_effects)
      rec.rationale.push_back("also: " + effect);
    rec.evidence = evidence;
    rec.evidence_missing = missing;
    rec.sources = sources;
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

std::vector<Recommendation> keep_pair(const RuleContext& ctx, Confidence confidence,
                                      const std::vector<std::string>& rationale,
                                      const std::vector<EvidenceItem>& evidence,
                                      const std::optional<std::string>& missing,
                                      const std::vector<std::string>& sources) {
  const model::DirtySettings s = model::dirty_settings_from(ctx.facts.settings);
  const bool bytes = s.bytes != 0;
  const bool background_bytes = s.background_bytes != 0;
  std::vector<Recommendation> out;
  for (int i = 0; i < 2; ++i) {
    const bool in_bytes = i == 0 ? bytes : background_bytes;
    const std::string knob =
        i == 0 ? (in_bytes ? "vm.dirty_bytes" : "vm.dirty_ratio")
               : (in_bytes ? "vm.dirty_background_bytes" : "vm.dirty_background_ratio");
    Recommendation rec = start(ctx, knob);
    if (!rec.current) continue;
    rec.confidence = confidence;
    rec.rationale = rationale;
    rec.rationale.push_back(limits_line("now", ctx.now.dirty));
    rec.numbers.push_back(i == 0 ? ctx.now.dirty.threshold : ctx.now.dirty.background);
    rec.evidence = evidence;
    rec.evidence_missing = missing;
    rec.sources = sources;
    rec.summary = fmt::format(
        "keep {}: {} {}", *rec.current, i == 0 ? "hard limit" : "background writeback from",
        bytes_of(i == 0 ? ctx.now.dirty.threshold_pages : ctx.now.dirty.background_pages));
    out.push_back(std::move(rec));
  }
  return out;
}

}  // namespace

std::vector<Recommendation> dirty_rules(const RuleContext& ctx) {
  if (!ctx.facts.settings.text("vm.dirty_ratio")) return {};
  const Goals& goals = ctx.profile.goals;
  std::vector<std::string> sources =
      sources_for(ctx.profile, "writes", {"kernel-vm-rst", "kernel-writeback"});
  std::vector<std::string> rationale;
  std::vector<model::Prediction> numbers;
  const model::Prediction step = model::dirty_ratio_step_bytes(ctx.now.dirty.dirtyable_pages);
  const bool coarse = step.value >= double(model::kGiB);

  // 1. Measured: bystander stalls against the budget, limits sized to the measured bandwidth.
  const auto p99 = measured(ctx.run, kFloodWorkload, kBystanderP99);
  auto bandwidth = measured(ctx.run, kFloodWorkload, kThrottledRate);
  if (!bandwidth || bandwidth->value <= 0)
    bandwidth = measured(ctx.run, kFloodWorkload, kWriteRate);
  if (p99 && goals.write_stall_budget_ms) {
    std::vector<EvidenceItem> evidence = {*p99};
    if (bandwidth) evidence.push_back(*bandwidth);
    if (p99->value > *goals.write_stall_budget_ms && bandwidth && bandwidth->value > 0) {
      const model::DirtyBytesSizing sized = model::dirty_bytes_for_bandwidth(
          bandwidth->value * double(model::kMiB), goals.dirty_drain_s);
      rationale.push_back(
          fmt::format("while writers flooded the page cache a bystander's p99 stall was {:.0f} ms, "
                      "above the profile's budget of {:.0f} ms",
                      p99->value, *goals.write_stall_budget_ms));
      rationale.push_back(fmt::format("size the limits to the device: {} and {}",
                                      sized.hard.why.text, sized.background.why.text));
      numbers = {sized.hard, sized.background};
      return recommend_pair(
          ctx,
          {"vm.dirty_bytes", "vm.dirty_background_bytes", fmt::format("{:.0f}", sized.hard.value),
           fmt::format("{:.0f}", sized.background.value)},
          Confidence::high, rationale, numbers, evidence, std::nullopt, sources);
    }
    rationale.push_back(
        fmt::format("a bystander's p99 stall under a write flood was {:.0f} ms, within the "
                    "profile's budget of {:.0f} ms",
                    p99->value, *goals.write_stall_budget_ms));
    return keep_pair(ctx, Confidence::high, rationale, evidence, std::nullopt, sources);
  }
  const std::optional<std::string> missing =
      goals.writes == WritePattern::light
          ? std::nullopt
          : std::optional(missing_because(
                ctx.run, ctx.profile, kFloodWorkload,
                "sizing the dirty limits to this host's write bandwidth and stalls"));

  // 2. Vendor pins on the dirty knobs.
  const VendorPin* hard_pin = pin_for(ctx.profile, "vm.dirty_ratio");
  if (!hard_pin) hard_pin = pin_for(ctx.profile, "vm.dirty_bytes");
  const VendorPin* background_pin = pin_for(ctx.profile, "vm.dirty_background_ratio");
  if (!background_pin) background_pin = pin_for(ctx.profile, "vm.dirty_background_bytes");
  if (hard_pin || background_pin) {
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
    Confidence confidence = Confidence::medium;
    for (const VendorPin* pin : {hard_pin, background_pin}) {
      if (!pin) continue;
      rationale.push_back(fmt::format("{} = {}: {}", pin->knob, pin->value, pin->why));
      if (std::find(sources.begin(), sources.end(), pin->source) == sources.end())
        sources.push_back(pin->source);
      if (pin_confidence(*pin) == Confidence::low) confidence = Confidence::low;
    }
    return recommend_pair(ctx, pair, confidence, rationale, numbers, {}, missing, sources);
  }

  // 3. Writes, no measurement: the profile's fallback when the host allows more dirty data.
  if (goals.writes != WritePattern::light && goals.dirty_fallback) {
    const DirtyFallback& f = *goals.dirty_fallback;
    if (std::find(sources.begin(), sources.end(), f.source) == sources.end())
      sources.push_back(f.source);
    const model::DirtySettings s = model::dirty_settings_from(ctx.facts.settings);
    const bool larger = f.bytes ? ctx.now.dirty.threshold_pages * model::kPageSize > *f.bytes
                                : (s.bytes != 0 || s.ratio > *f.ratio);
    if (larger) {
      rationale.push_back(
          f.bytes ? fmt::format("the host lets {} of dirty data wait before writers stop, more "
                                "than the {} that {} "
                                "sets for this kind of work",
                                bytes_of(ctx.now.dirty.threshold_pages),
                                facts::format_bytes(*f.bytes), f.source)
                  : fmt::format(
                        "{} sets dirty_ratio {} / dirty_background_ratio {} for this kind of work",
                        f.source, *f.ratio, *f.background_ratio));
      rationale.push_back(
          "a large dirty backlog turns into long writeback stalls for everyone when it drains; "
          "without a measured bandwidth these are the source's values, not this device's");
      if (coarse) {
        rationale.push_back(fmt::format("one percent of dirty_ratio is {} here: {}",
                                        facts::format_bytes(uint64_t(step.value)), step.why.text));
      }
      numbers.push_back(step);
      Pair pair = f.bytes ? Pair{"vm.dirty_bytes", "vm.dirty_background_bytes",
                                 std::to_string(*f.bytes), std::to_string(*f.background_bytes)}
                          : Pair{"vm.dirty_ratio", "vm.dirty_background_ratio",
                                 std::to_string(*f.ratio), std::to_string(*f.background_ratio)};
      return recommend_pair(ctx, pair, Confidence::low, rationale, numbers, {}, missing, sources);
    }
    rationale.push_back(
        fmt::format("the host's dirty limits are already no larger than {}'s", f.source));
    return keep_pair(ctx, Confidence::medium, rationale, {}, missing, sources);
  }

  // 4. Keep.
  rationale.push_back(goals.writes == WritePattern::light
                          ? "the profile writes little: the dirty limits rarely matter"
                          : "the profile gives no dirty-limit target without a measurement");
  if (coarse) {
    rationale.push_back(
        fmt::format("one percent of dirty_ratio is {} here ({}); if you tune it, prefer the _bytes "
                    "pair",
                    facts::format_bytes(uint64_t(step.value)), step.why.text));
  }
  return keep_pair(ctx, goals.writes == WritePattern::light ? Confidence::high : Confidence::medium,
                   rationale, {}, missing, sources);
}

}  // namespace mmtune::advisor
