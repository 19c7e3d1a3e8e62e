// Transparent Huge Pages: thp.enabled, thp.defrag and thp.khugepaged.max_ptes_none.
//
// The rule, from transhuge.rst and docs/advice.md (the fault-time model: docs/model.md,
// Transparent Huge Pages):
//   - a vendor pin decides (MongoDB 8: enabled always, defrag defer+madvise, max_ptes_none 0);
//   - never for fork-heavy or latency-critical work (Redis, PostgreSQL, tuned network-latency):
//     after fork() a written huge page is copied 2 MiB at a time, and faults under defrag
//     always/madvise may stall in direct compaction;
//   - madvise, the safe default: regions that ask (MADV_HUGEPAGE: JVMs with
//     -XX:+UseTransparentHugePages, QEMU guest RAM) get huge pages, nobody else bloats;
//   - measure: the thp workload's random-access speedup against its fault stalls and bloat picks
//     always (speedup ≥ 1.10, no compaction stall, coverage ≥ 90 %) or madvise;
//   - defrag: compaction evidence decides first. With defrag=always every huge-page fault of an
//     eligible region runs direct reclaim and compaction; when the counters since boot show
//     compaction stalls at ≥ 60 per hour and most of them failing (≥ 50 %) or ≥ 10 % of THP faults
//     falling back anyway (signals.hpp), defrag goes to madvise (never where the kernel's file
//     offers no madvise). Otherwise, with enabled=always, defrag=always makes every fault of every
//     process compact directly; defer+madvise wakes kcompactd instead and keeps direct compaction
//     for madvised regions; with madvise or never enabled, defrag is left alone. Only values the
//     host's defrag file offers are recommended (defer from 4.6, defer+madvise from 4.11);
//   - max_ptes_none bounds what khugepaged may add to RSS per collapsed range (511 by default: a
//     2 MiB range with one resident page becomes 2 MiB); only a pin changes it.
// The numbers come from model/thp.hpp for the settings now and after; the evidence from the thp
// workload (its coverage, fault times, compact_stall and the TLB speedup).
#include <fmt/format.h>

#include <algorithm>

#include "advisor/evidence.hpp"
#include "advisor/fragmentation_evidence.hpp"
#include "advisor/rules.hpp"
#include "advisor/signals.hpp"
#include "facts/units.hpp"
#include "model/thp.hpp"
#include "model/what_if.hpp"

namespace mmtune::advisor {
namespace {

constexpr double kMinSpeedup = 1.10;   // below this the TLB gain does not pay for the risks
constexpr double kMinCoverage = 0.90;  // huge pages must actually be had
// A first write per 2 MiB range whose p99 under direct compaction is at least this many times the
// p99 of the path that does not compact (mmtune's choice: a tail twice as long is a cost any
// latency budget notices; below it the stall is noise beside zeroing 2 MiB).
constexpr double kStallP99Ratio = 2.0;

struct ThpEvidence {
  std::optional<EvidenceItem> speedup, coverage, fault_huge, fault_small, stall;
  bool complete() const { return speedup && coverage && fault_huge && fault_small && stall; }
  std::vector<EvidenceItem> items() const {
    std::vector<EvidenceItem> out;
    for (const auto& e : {speedup, coverage, fault_huge, fault_small, stall}) {
      if (e) out.push_back(*e);
    }
    return out;
  }
};

ThpEvidence gather_thp(const RuleContext& ctx) {
  return {measured(ctx.run, "thp", "random_access_speedup"),
          measured(ctx.run, "thp", "coverage.hugepage"),
          measured(ctx.run, "thp", "fault_s.hugepage"),
          measured(ctx.run, "thp", "fault_s.nohugepage"),
          measured(ctx.run, "thp", "compact_stall.hugepage")};
}

// A sparse heap: 1 GiB of which one 4 KiB page in each 2 MiB range is written.
model::ThpShape sparse_heap() {
  model::ThpShape shape;
  shape.region_bytes = model::kGiB;
  shape.touched_fraction = 1.0 / double(model::kPagesPerHugePage);
  return shape;
}

facts::Settings with(const RuleContext& ctx, std::vector<model::KnobChange> changes) {
  return model::apply_knob_changes(ctx.facts.settings, ctx.facts.zones, ctx.facts.kernel, changes)
      .settings;
}

std::string outcome_line(std::string_view who, const model::ThpPrediction& p) {
  return fmt::format("{}: {} — {}; {}", who, model::to_string(p.outcome), p.why.rule, p.why.text);
}

struct Decision {
  std::string id;
  std::string enabled;
  Confidence confidence = Confidence::medium;
  std::vector<std::string> rationale;
  std::vector<std::string> sources;
  std::optional<std::string> missing;
};

Decision decide_enabled(const RuleContext& ctx, const ThpEvidence& ev) {
  Decision d;
  d.sources = sources_for(ctx.profile, "thp", {"kernel-transhuge"});
  if (const VendorPin* pin = pin_for(ctx.profile, "thp.enabled")) {
    d.id = "thp-enabled-vendor-pin";
    d.enabled = pin->value;
    d.confidence = pin_confidence(*pin);
    d.rationale.push_back(pin->why);
    d.sources.push_back(pin->source);
    return d;
  }
  switch (ctx.profile.goals.thp) {
    case ThpGoal::never:
      d.id = "thp-enabled-profile-never";
      d.enabled = "never";
      d.confidence = Confidence::high;
      d.rationale.push_back(ctx.profile.goals.fork_snapshots
                                ? "this work forks a large parent: after fork() every written huge "
                                  "page is copied whole (2 MiB, "
                                  "not 4 KiB), multiplying copy-on-write memory and latency"
                            : ctx.profile.goals.latency_sensitive
                                ? "tail latency matters here: huge-page faults may stall in direct "
                                  "compaction, and khugepaged "
                                  "collapses add background work"
                                : "the vendor guidance for this work disables THP (explicit huge "
                                  "pages where wanted)");
      break;
    case ThpGoal::madvise:
      d.id = "thp-enabled-profile-madvise";
      d.enabled = "madvise";
      d.confidence = Confidence::medium;
      d.rationale.push_back(
          "madvise gives huge pages to the regions that ask for them (MADV_HUGEPAGE) and to "
          "nobody else: the TLB gain where wanted, no bloat or stalls elsewhere");
      break;
    case ThpGoal::always:
      d.id = "thp-enabled-profile-always";
      d.enabled = "always";
      d.confidence = Confidence::medium;
      d.rationale.push_back("the profile's work is built for huge pages everywhere");
      break;
    case ThpGoal::measure:
      if (!ev.complete()) {
        d.id = "thp-enabled-unmeasured";
        d.enabled = "madvise";
        d.confidence = Confidence::low;
        d.rationale.push_back(
            "without a measurement here, madvise: huge pages where asked for, no bloat elsewhere");
        d.missing =
            missing_because(ctx.run, ctx.profile, "thp", "choosing between always and madvise");
      } else {
        const bool pays = ev.speedup->value >= kMinSpeedup && ev.stall->value == 0 &&
                          ev.coverage->value >= kMinCoverage;
        d.id = "thp-enabled-measured";
        d.enabled = pays ? "always" : "madvise";
        d.confidence = Confidence::medium;
        d.rationale.push_back(fmt::format(
            "measured: random access {:.2f}× faster with huge pages, coverage {:.0f} %, {:.0f} "
            "compaction stalls; "
            "{}",
            ev.speedup->value, ev.coverage->value * 100, ev.stall->value,
            pays ? fmt::format("the gain (≥ {:.2f}×) pays for huge pages everywhere", kMinSpeedup)
                 : fmt::format(
                       "not enough (needs ≥ {:.2f}×, no stalls, ≥ {:.0f} % coverage) for always",
                       kMinSpeedup, kMinCoverage * 100)));
      }
      break;
  }
  return d;
}

// The measurements shared by the three knobs' rationales.
std::vector<std::string> measured_lines(const ThpEvidence& ev) {
  std::vector<std::string> lines;
  if (ev.speedup && ev.coverage) {
    lines.push_back(fmt::format(
        "measured ({}): huge pages made random access {:.2f}× faster, coverage {:.0f} %",
        ev.speedup->run, ev.speedup->value, ev.coverage->value * 100));
  }
  if (ev.fault_huge && ev.fault_small && ev.stall) {
    lines.push_back(
        fmt::format("measured: faulting in the region took {:.3f} s with huge pages vs {:.3f} s "
                    "with 4 KiB pages; compact_stall +{:.0f}",
                    ev.fault_huge->value, ev.fault_small->value, ev.stall->value));
  }
  return lines;
}

// The vendor's value, with its reason, source and the confidence its source earns.
void follow_pin(Recommendation& rec, const VendorPin& pin) {
  set_value(rec, pin.value);
  rec.confidence = pin_confidence(pin);
  rec.rationale.push_back(pin.why);
  rec.sources.push_back(pin.source);
}

// "always → never: why" or "keep madvise: why".
std::string summary_line(const Recommendation& rec, std::string_view current,
                         std::string_view why) {
  return rec.change ? fmt::format("{} → {}: {}", current, rec.recommended, why)
                    : fmt::format("keep {}: {}", current, why);
}

Recommendation enabled_rule(const RuleContext& ctx, const ThpEvidence& ev, const Decision& d) {
  const std::string current(*ctx.facts.settings.text("thp.enabled"));
  const std::string current_defrag(ctx.facts.settings.text("thp.defrag").value_or("madvise"));
  Recommendation rec = start(ctx, "thp.enabled");
  rec.id = d.id;
  set_value(rec, d.enabled);
  rec.confidence = d.confidence;
  rec.rationale = d.rationale;
  rec.sources = d.sources;
  rec.evidence_missing = d.missing;
  const model::ThpPrediction plain_now =
      model::predict_thp(sparse_heap(), ctx.facts.settings, ctx.facts.buddyinfo);
  rec.numbers.push_back(plain_now.fault_bloat_bytes);
  rec.rationale.push_back(
      outcome_line(fmt::format("a 1 GiB heap without madvise, now ({})", current), plain_now));
  if (plain_now.eligible) {
    rec.rationale.push_back(fmt::format(
        "written one page per 2 MiB, it becomes {} resident instead of 2 MiB "
        "(model: {})",
        facts::format_bytes(uint64_t(plain_now.fault_bloat_bytes.value) + 2 * model::kMiB),
        plain_now.fault_bloat_bytes.why.text));
  }
  if (rec.change) {
    const facts::Settings after = with(ctx, {{"thp.enabled", d.enabled}});
    const model::ThpPrediction plain_then =
        model::predict_thp(sparse_heap(), after, ctx.facts.buddyinfo);
    rec.numbers.push_back(plain_then.fault_bloat_bytes);
    rec.rationale.push_back(
        outcome_line(fmt::format("the same heap at {}", d.enabled), plain_then));
  }
  if (d.enabled == "never" && plain_now.eligible && plain_now.direct_compaction) {
    rec.rationale.push_back(fmt::format(
        "with defrag={} such faults may stall in direct compaction now", current_defrag));
  }
  for (const std::string& line : measured_lines(ev)) rec.rationale.push_back(line);
  rec.evidence = ev.items();
  rec.rationale.push_back(
      "changing enabled affects only future faults: restart the service to take effect");
  rec.summary = summary_line(rec, current, d.rationale.front());
  return rec;
}

// The values this kernel's defrag file offers (defer from 4.6, defer+madvise from 4.11), from the
// file itself when it was read.
bool offers(const RuleContext& ctx, std::string_view knob, std::string_view value) {
  auto it = ctx.facts.choices.find(knob);
  if (it != ctx.facts.choices.end() && !it->second.empty())
    return std::find(it->second.begin(), it->second.end(), value) != it->second.end();
  const facts::KernelVersion kernel{ctx.facts.kernel.major, ctx.facts.kernel.minor};
  if (value == "defer") return kernel >= facts::KernelVersion{4, 6};
  if (value == "defer+madvise") return kernel >= facts::KernelVersion{4, 11};
  return true;
}

// The compaction evidence since boot: stalls per hour, and how many failed or fell back.
struct Compaction {
  std::vector<Signal> signals;
  bool stalls = false, wasted = false;
  bool decides() const { return stalls && wasted; }
};

Compaction compaction_evidence(const RuleContext& ctx) {
  const BootCounters boot = boot_counters(ctx.facts);
  Compaction c;
  const auto stalls = compaction_stalls_per_hour(boot);
  const auto failed = compaction_fail_share(boot);
  const auto fallback = thp_fallback_share(boot);
  add_signals(c.signals, {stalls, failed, fallback});
  c.stalls = stalls && stalls->met;
  c.wasted = (failed && failed->met) || (fallback && fallback->met);
  return c;
}

std::string signal_lines(const std::vector<Signal>& signals) {
  return fmt::format("{} of {} compaction signals reach their thresholds", count_met(signals),
                     signals.size());
}

// defrag=always with compaction stalls that bought nothing: stop direct compaction for ordinary
// faults.
void after_compaction_stalls(const RuleContext& ctx, const Compaction& c, Recommendation& rec) {
  rec.id = "thp-defrag-compaction-stalls";
  set_value(rec, offers(ctx, "thp.defrag", "madvise") ? "madvise" : "never");
  rec.confidence = count_met(c.signals) >= 3 ? Confidence::high : Confidence::medium;
  rec.rationale.push_back(fmt::format(
      "defrag=always makes every huge-page fault of an eligible region run direct reclaim and "
      "compaction; since boot: {}",
      signal_lines(c.signals)));
  rec.rationale.push_back(
      rec.recommended == "madvise"
          ? "madvise keeps direct compaction for regions that asked for huge pages "
            "(MADV_HUGEPAGE) and lets every other fault fall back to 4 KiB pages at once; "
            "khugepaged still collapses them later"
          : "this kernel's defrag file offers no madvise: never stops direct compaction at "
            "faults altogether; khugepaged still collapses in the background");
  rec.sources.push_back("kernel-compaction");
}

// The fragmentation workload's test for ordinary faults of an enabled=always host: what faults got
// under the current mode against what they would get under target, each measured on a
// MADV_HUGEPAGE region under the mode whose faults behave the same (docs/advice.md).
struct MeasuredStalls {
  const DefragMeasured* now = nullptr;
  const DefragMeasured* then = nullptr;
  std::optional<Signal> signal;
  bool decides() const { return signal && signal->met && now->stalled(); }
};

MeasuredStalls measured_stalls(const FragmentationEvidence& frag, std::string_view current,
                               std::string_view target) {
  MeasuredStalls m;
  m.now = frag.behaving_as(current, false);
  m.then = frag.behaving_as(target, false);
  if (!m.now || !m.then || m.now == m.then) return m;
  const double floor_ms = 0.001;  // a p99 of 0 (timer resolution) must not divide
  Signal s;
  s.name = fmt::format("first-write p99 under defrag={} against {}", current, target);
  s.value = m.now->p99_ms.value / std::max(m.then->p99_ms.value, floor_ms);
  s.unit = "×";
  s.normalisation = fmt::format(
      "p99 {:.3f} ms (measured as defrag={}) / p99 {:.3f} ms (measured as defrag={}, what an "
      "ordinary fault gets under {}), fragmented free memory",
      m.now->p99_ms.value, m.now->mode, m.then->p99_ms.value, m.then->mode, target);
  s.comparison = "≥";
  s.threshold = kStallP99Ratio;
  s.threshold_source =
      "mmtune: a tail twice as long is a cost a latency budget notices; the stall itself is "
      "compact_stall > 0 in that mode";
  s.met = s.value >= kStallP99Ratio;
  m.signal = s;
  return m;
}

// defrag=always with enabled=always measured stalling in direct compaction on fragmented memory.
void after_measured_stalls(const MeasuredStalls& m, std::string_view target, Recommendation& rec) {
  rec.id = "thp-defrag-fragmentation-stalls";
  set_value(rec, std::string(target));
  rec.confidence = Confidence::high;
  rec.rationale.push_back(fmt::format(
      "measured on fragmented free memory: {} — stalled in direct compaction; ordinary faults "
      "under {} behave as {} did: {}",
      describe(*m.now), target, m.then->mode, describe(*m.then)));
  rec.rationale.push_back(
      target == "defer+madvise"
          ? "defer+madvise wakes kcompactd for ordinary faults and falls back to 4 KiB pages at "
            "once; regions that asked (MADV_HUGEPAGE) still compact directly"
          : "madvise lets ordinary faults fall back to 4 KiB pages at once (this kernel offers no "
            "defer+madvise); regions that asked still compact directly");
  rec.sources.push_back("kernel-compaction");
}

// What the fragmentation run measured for the regions that matter under the current and the
// recommended mode: ordinary ones with enabled=always, else those that asked.
void add_measured_defrag(const FragmentationEvidence& frag, std::string_view enabled,
                         std::string_view current, Recommendation& rec) {
  if (enabled == "never") return;
  const bool madvised = enabled != "always";
  const std::string who = madvised ? "MADV_HUGEPAGE regions" : "ordinary regions";
  std::vector<std::string> shown;
  for (std::string_view mode : {current, std::string_view(rec.recommended)}) {
    const DefragMeasured* m = frag.behaving_as(mode, madvised);
    if (!m || std::find(shown.begin(), shown.end(), mode) != shown.end()) continue;
    shown.emplace_back(mode);
    rec.rationale.push_back(
        fmt::format("measured on fragmented free memory ({} under defrag={}, "
                    "as measured under {}): {}",
                    who, mode, m->mode, describe(*m)));
  }
  const std::vector<EvidenceItem> items = frag.defrag_items();
  rec.evidence.insert(rec.evidence.end(), items.begin(), items.end());
}

// Why defrag is chosen as it is, when no vendor pins it and compaction evidence does not decide.
void choose_defrag(const RuleContext& ctx, Recommendation& rec, std::string_view enabled,
                   std::string_view current) {
  if (enabled == "always" && (current == "always" || current == "madvise")) {
    const bool deferred = offers(ctx, "thp.defrag", "defer+madvise");
    const std::string target = deferred ? "defer+madvise" : "madvise";
    if (target != current) {
      rec.id = "thp-defrag-enabled-always";
      set_value(rec, target);
      rec.confidence = Confidence::medium;
      rec.rationale.push_back(
          current == "always"
              ? fmt::format(
                    "with enabled=always, defrag=always makes every process's faults compact "
                    "directly (stalls); {}",
                    deferred ? "defer+madvise wakes kcompactd instead and compacts directly only "
                               "for regions that asked"
                             : "this kernel offers no defer+madvise (4.11+): madvise compacts "
                               "directly only for regions that asked")
              : "with enabled=always, defrag=madvise never wakes kcompactd for ordinary faults, "
                "so huge pages run out; defer+madvise wakes it without stalling them");
      return;
    }
  }
  rec.confidence = Confidence::high;
  rec.rationale.push_back(
      enabled == "never"
          ? "with enabled=never no fault asks for a huge page: defrag has no effect"
          : fmt::format("with enabled={}, defrag={} stalls only regions that asked for huge "
                        "pages",
                        enabled, current));
}

Recommendation defrag_rule(const RuleContext& ctx, const ThpEvidence& ev,
                           const std::string& enabled) {
  const std::string current(*ctx.facts.settings.text("thp.defrag"));
  Recommendation rec = start(ctx, "thp.defrag");
  rec.id = "thp-defrag-keep";
  rec.sources = sources_for(ctx.profile, "thp", {"kernel-transhuge"});
  const Compaction compaction = compaction_evidence(ctx);
  rec.signals = compaction.signals;
  const std::optional<FragmentationEvidence> frag = fragmentation_evidence(ctx.run);
  const std::string target =
      offers(ctx, "thp.defrag", "defer+madvise") ? "defer+madvise" : "madvise";
  MeasuredStalls stalls;
  if (frag && enabled == "always" && current == "always") {
    stalls = measured_stalls(*frag, current, target);
    if (stalls.signal) rec.signals.insert(rec.signals.begin(), *stalls.signal);
  }
  const VendorPin* pin = pin_for(ctx.profile, "thp.defrag");
  std::optional<std::string> pin_note;
  if (pin && !offers(ctx, "thp.defrag", pin->value)) {
    pin_note = fmt::format("{} asks for defrag={}, which this kernel's defrag file does not offer",
                           pin->source, pin->value);
    pin = nullptr;
  }
  if (pin) {
    rec.id = "thp-defrag-vendor-pin";
    follow_pin(rec, *pin);
  } else if (stalls.decides()) {
    after_measured_stalls(stalls, target, rec);
  } else if (current == "always" && compaction.decides()) {
    after_compaction_stalls(ctx, compaction, rec);
  } else {
    choose_defrag(ctx, rec, enabled, current);
    if (!compaction.signals.empty())
      rec.rationale.push_back("since boot: " + signal_lines(compaction.signals));
  }
  if (pin_note) rec.rationale.push_back(*pin_note);
  if (frag) {
    add_measured_defrag(*frag, enabled, current, rec);
  } else if (measures_fragmentation(ctx.profile) && enabled != "never") {
    rec.evidence_missing = missing_because(ctx.run, ctx.profile, "fragmentation",
                                           "what faults cost on fragmented memory per mode");
  }
  const facts::Settings after =
      with(ctx, {{"thp.enabled", enabled}, {"thp.defrag", rec.recommended}});
  model::ThpShape madvised = sparse_heap();
  madvised.madv_hugepage = true;
  const model::ThpPrediction plain = model::predict_thp(sparse_heap(), after, ctx.facts.buddyinfo);
  rec.numbers.push_back(plain.huge_faults);
  rec.rationale.push_back(outcome_line("ordinary regions, recommended", plain));
  rec.rationale.push_back(outcome_line("MADV_HUGEPAGE regions, recommended",
                                       model::predict_thp(madvised, after, ctx.facts.buddyinfo)));
  if (ev.stall) rec.evidence.push_back(*ev.stall);
  const BootCounters boot = boot_counters(ctx.facts);
  for (const auto& [name, value] : {std::pair{"compact_stall", boot.compact_stall},
                                    std::pair{"compact_fail", boot.compact_fail},
                                    std::pair{"thp_fault_fallback", boot.thp_fault_fallback}}) {
    if (value) {
      rec.evidence.push_back(
          since_boot(name, double(*value), "events", fmt::format("/proc/vmstat {}", name)));
    }
  }
  rec.summary = summary_line(rec, current, rec.rationale.front());
  return rec;
}

Recommendation max_ptes_none_rule(const RuleContext& ctx, const std::string& enabled) {
  Recommendation rec = start(ctx, "thp.khugepaged.max_ptes_none");
  rec.id = "thp-max-ptes-none-keep";
  rec.sources = {"kernel-transhuge"};
  const int64_t current = ctx.facts.settings.integer("thp.khugepaged.max_ptes_none").value_or(511);
  if (const VendorPin* pin = pin_for(ctx.profile, "thp.khugepaged.max_ptes_none")) {
    rec.id = "thp-max-ptes-none-vendor-pin";
    follow_pin(rec, *pin);
  } else {
    rec.confidence = Confidence::high;
    rec.rationale.push_back(
        enabled == "never" ? "with enabled=never khugepaged does not run"
                           : "no reason here to change how sparse a range khugepaged may collapse");
  }
  // Bloat bound: a madvised 1 GiB region whose faults found no free 2 MiB block and fell back to
  // 4 KiB pages (no free blocks, no direct compaction), later collapsed by khugepaged.
  model::ThpShape shape = sparse_heap();
  shape.madv_hugepage = true;
  const std::vector<facts::BuddyZone> no_blocks;
  std::vector<model::KnobChange> fallback = {{"thp.enabled", enabled}};
  if (ctx.facts.settings.text("thp.defrag")) fallback.push_back({"thp.defrag", "never"});
  const model::ThpPrediction now = model::predict_thp(shape, with(ctx, fallback), no_blocks);
  rec.numbers.push_back(now.collapse_bloat_bound_bytes);
  rec.rationale.push_back(
      fmt::format("at {}: a 1 GiB region that faulted in 4 KiB pages (no free 2 MiB "
                  "blocks) may grow by up to {} when khugepaged collapses it ({})",
                  current, facts::format_bytes(uint64_t(now.collapse_bloat_bound_bytes.value)),
                  now.collapse_bloat_bound_bytes.why.text));
  if (rec.change) {
    fallback.push_back({rec.knob, rec.recommended});
    const model::ThpPrediction then = model::predict_thp(shape, with(ctx, fallback), no_blocks);
    rec.numbers.push_back(then.collapse_bloat_bound_bytes);
    rec.rationale.push_back(
        fmt::format("at {}: up to {} ({})", rec.recommended,
                    facts::format_bytes(uint64_t(then.collapse_bloat_bound_bytes.value)),
                    then.collapse_bloat_bound_bytes.why.text));
  }
  rec.summary = summary_line(rec, std::to_string(current), rec.rationale.front());
  return rec;
}

}  // namespace

std::vector<Recommendation> thp_rules(const RuleContext& ctx) {
  if (!ctx.facts.settings.text("thp.enabled")) return {};
  const ThpEvidence ev = gather_thp(ctx);
  const Decision d = decide_enabled(ctx, ev);
  std::vector<Recommendation> out = {enabled_rule(ctx, ev, d)};
  if (ctx.facts.settings.text("thp.defrag")) out.push_back(defrag_rule(ctx, ev, d.enabled));
  if (ctx.facts.settings.text("thp.khugepaged.max_ptes_none"))
    out.push_back(max_ptes_none_rule(ctx, d.enabled));
  return out;
}

}  // namespace mmtune::advisor
