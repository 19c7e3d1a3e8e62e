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
//   - defrag: with enabled=always, defrag=always makes every fault of every process compact
//     directly; defer+madvise wakes kcompactd instead and keeps direct compaction for madvised
//     regions; with madvise or never enabled, defrag is left alone;
//   - max_ptes_none bounds what khugepaged may add to RSS per collapsed range (511 by default: a
//     2 MiB range with one resident page becomes 2 MiB); only a pin changes it.
// The numbers come from model/thp.hpp for the settings now and after; the evidence from the thp
// workload (its coverage, fault times, compact_stall and the TLB speedup).
#include <fmt/format.h>

#include "advisor/evidence.hpp"
#include "advisor/rules.hpp"
#include "facts/units.hpp"
#include "model/thp.hpp"
#include "model/what_if.hpp"

namespace mmtune::advisor {
namespace {

constexpr double kMinSpeedup = 1.10;   // below this the TLB gain does not pay for the risks
constexpr double kMinCoverage = 0.90;  // huge pages must actually be had

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

ThpEvidence gather(const RuleContext& ctx) {
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
    d.enabled = pin->value;
    d.confidence = pin_confidence(*pin);
    d.rationale.push_back(pin->why);
    d.sources.push_back(pin->source);
    return d;
  }
  switch (ctx.profile.goals.thp) {
    case ThpGoal::never:
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
      d.enabled = "madvise";
      d.confidence = Confidence::medium;
      d.rationale.push_back(
          "madvise gives huge pages to the regions that ask for them (MADV_HUGEPAGE) and to "
          "nobody else: the TLB gain where wanted, no bloat or stalls elsewhere");
      break;
    case ThpGoal::always:
      d.enabled = "always";
      d.confidence = Confidence::medium;
      d.rationale.push_back("the profile's work is built for huge pages everywhere");
      break;
    case ThpGoal::measure:
      if (!ev.complete()) {
        d.enabled = "madvise";
        d.confidence = Confidence::low;
        d.rationale.push_back(
            "without a measurement here, madvise: huge pages where asked for, no bloat elsewhere");
        d.missing =
            missing_because(ctx.run, ctx.profile, "thp", "choosing between always and madvise");
      } else {
        const bool pays = ev.speedup->value >= kMinSpeedup && ev.stall->value == 0 &&
                          ev.coverage->value >= kMinCoverage;
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

// Why defrag is chosen as it is, when no vendor pins it.
void choose_defrag(Recommendation& rec, std::string_view enabled, std::string_view current) {
  if (enabled == "always" && (current == "always" || current == "madvise")) {
    set_value(rec, "defer+madvise");
    rec.confidence = Confidence::medium;
    rec.rationale.push_back(
        current == "always"
            ? "with enabled=always, defrag=always makes every process's faults compact directly "
              "(stalls); defer+madvise wakes kcompactd instead and compacts directly only for "
              "regions that asked"
            : "with enabled=always, defrag=madvise never wakes kcompactd for ordinary faults, so "
              "huge pages run out; defer+madvise wakes it without stalling them");
    return;
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
  rec.sources = sources_for(ctx.profile, "thp", {"kernel-transhuge"});
  if (const VendorPin* pin = pin_for(ctx.profile, "thp.defrag")) {
    follow_pin(rec, *pin);
  } else {
    choose_defrag(rec, enabled, current);
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
  rec.summary = summary_line(rec, current, rec.rationale.front());
  return rec;
}

Recommendation max_ptes_none_rule(const RuleContext& ctx, const std::string& enabled) {
  Recommendation rec = start(ctx, "thp.khugepaged.max_ptes_none");
  rec.sources = {"kernel-transhuge"};
  const int64_t current = ctx.facts.settings.integer("thp.khugepaged.max_ptes_none").value_or(511);
  if (const VendorPin* pin = pin_for(ctx.profile, "thp.khugepaged.max_ptes_none")) {
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
  const ThpEvidence ev = gather(ctx);
  const Decision d = decide_enabled(ctx, ev);
  std::vector<Recommendation> out = {enabled_rule(ctx, ev, d)};
  if (ctx.facts.settings.text("thp.defrag")) out.push_back(defrag_rule(ctx, ev, d.enabled));
  if (ctx.facts.settings.text("thp.khugepaged.max_ptes_none"))
    out.push_back(max_ptes_none_rule(ctx, d.enabled));
  return out;
}

}  // namespace mmtune::advisor
