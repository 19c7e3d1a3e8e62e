// Explicit huge pages a profile reserves (goals.hugetlb): reserve them at boot or at run time.
//
//   hugetlb-reserve-at-boot            a runtime reservation is not expected to get them all: the
//                                      kernel command line (hugepagesz= hugepages=), where memory
//                                      is still unfragmented
//   hugetlb-runtime-reservation-holds  it is: vm.nr_hugepages in sysctl.d, which systemd-sysctl
//                                      applies early in boot, is enough
//
// The evidence, in order: the fragmentation workload's runtime reservations before and after it
// fragmented free memory (and after vm.compact_memory); without a run, the model's free 2 MiB
// blocks and fragmentation index from buddyinfo, and what compaction could add
// (expected_reservation). A 1 GiB page needs 262144 free pages in a row, which buddyinfo cannot
// show (its largest block is order 10, 4 MiB): without a measurement it goes on the command line.
// hugetlbpage.rst: runtime reservations get what contiguous memory there is at that moment; early
// in boot the chance is highest.
#include <fmt/format.h>
#include <fmt/ranges.h>

#include <algorithm>

#include "advisor/evidence.hpp"
#include "advisor/fragmentation_evidence.hpp"
#include "advisor/rules.hpp"
#include "facts/units.hpp"
#include "model/fragmentation.hpp"

namespace mmtune::advisor {
namespace {

constexpr uint64_t k2MiB = 2ull << 20;
constexpr uint64_t k1GiB = 1ull << 30;

// As the command line spells it, and as a reader does.
std::string size_name(uint64_t page_bytes) { return page_bytes == k1GiB ? "1G" : "2M"; }
std::string size_text(uint64_t page_bytes) { return page_bytes == k1GiB ? "1 GiB" : "2 MiB"; }

struct Verdict {
  bool runtime_holds = false;
  std::vector<std::string> lines;
  std::optional<Signal> signal;
};

// The run's reservations of this page size: got after fragmenting against what was asked.
std::optional<Verdict> from_run(const FragmentationEvidence& frag, uint64_t page_bytes,
                                uint64_t pages) {
  const ReservationMeasured* after = frag.reservation(page_bytes, "fragmented");
  const uint64_t asked = page_bytes == k1GiB ? 1 : frag.hugetlb_requested;
  if (!after || asked == 0) return std::nullopt;
  Verdict v;
  std::vector<std::string> stages;
  for (const char* stage : {"before", "fragmented", "compacted"}) {
    const ReservationMeasured* r = frag.reservation(page_bytes, stage);
    if (!r) continue;
    stages.push_back(fmt::format("{} {:.0f}{}", stage, r->got.value,
                                 r->seconds ? fmt::format(" in {:.2f} s", r->seconds->value) : ""));
  }
  v.lines.push_back(fmt::format(
      "measured ({}): a runtime reservation of {} × {} pages got — {} (after {:.0f} free 2 MiB "
      "blocks were fragmented by pinned pages)",
      frag.step, asked, size_text(page_bytes), fmt::join(stages, "; "),
      frag.fragmented_blocks ? frag.fragmented_blocks->value : 0.0));
  if (asked < pages) {
    v.lines.push_back(fmt::format(
        "the run asked for {} pages, fewer than the {} this work reserves: a larger reservation "
        "needs more contiguous memory still",
        asked, pages));
  }
  Signal s;
  s.name = fmt::format("runtime {} reservation after fragmenting", size_name(page_bytes));
  s.value = 100 * after->got.value / double(asked);
  s.unit = "%";
  s.normalisation = fmt::format("{:.0f} pages got / {} asked ({}.fragmented)", after->got.value,
                                asked, page_bytes == k1GiB ? "hugetlb_1gib" : "hugetlb_2mib");
  s.comparison = "<";
  s.threshold = 100;
  s.threshold_source =
      "mmtune: a reservation short of what the work needs makes it fail at start or run "
      "without huge pages";
  s.met = s.value < 100;
  v.runtime_holds = !s.met;
  v.signal = s;
  return v;
}

// Movable memory compaction could move out of the way, in 2 MiB blocks (as the workload's model).
uint64_t compactable_blocks(const facts::MemInfo& m) {
  const uint64_t lru =
      m.active_anon_bytes + m.inactive_anon_bytes + m.active_file_bytes + m.inactive_file_bytes;
  return std::min(lru, m.free_bytes) / k2MiB;
}

Verdict from_model(const RuleContext& ctx, uint64_t page_bytes, uint64_t pages) {
  Verdict v;
  const model::FragmentationPrediction now = model::predict_fragmentation(ctx.facts);
  if (page_bytes == k1GiB) {
    v.lines.push_back(fmt::format(
        "model: buddyinfo's largest block is order 10 (4 MiB), so a free 1 GiB range cannot be "
        "seen in it; a runtime reservation needs the contiguous-range allocator to empty 262144 "
        "pages in a row, which fragmentation makes unlikely after boot ({})",
        now.summary));
    return v;
  }
  const auto free = uint64_t(now.free_blocks.value);
  const model::HugeFaultRange range =
      model::expected_reservation(pages, free, compactable_blocks(ctx.facts.meminfo));
  v.runtime_holds = uint64_t(range.low.value) >= pages;
  v.lines.push_back(fmt::format(
      "model: {} free 2 MiB blocks now ({}); a runtime reservation of {} pages gets {:.0f}–{:.0f} "
      "({}; {})",
      free, now.summary, pages, range.low.value, range.high.value, range.low.why.text,
      range.high.why.text));
  v.lines.push_back(
      "the free lists now are not those after weeks of uptime: a `fragmentation` run measures the "
      "reservation after free memory is fragmented");
  return v;
}

// What the host reserves now, and what it reserves at boot.
std::vector<std::string> host_lines(const facts::HostFacts& facts) {
  std::vector<std::string> lines;
  lines.push_back(fmt::format("reserved now: {} (meminfo Hugetlb)",
                              facts::format_bytes(facts.meminfo.fields.get_or("Hugetlb", 0))));
  if (facts.kernel.cmdline && facts.kernel.cmdline->find("hugepages=") != std::string::npos)
    lines.push_back("the kernel command line reserves huge pages (hugepages=)");
  for (const facts::PersistedSetting& s : facts.persisted.assignments) {
    if (s.knob == "vm.nr_hugepages")
      lines.push_back(
          fmt::format("{}:{} sets vm.nr_hugepages = {} at boot", s.file, s.line, s.value));
  }
  return lines;
}

}  // namespace

std::vector<Finding> hugetlb_findings(const RuleContext& ctx) {
  if (!ctx.profile.goals.hugetlb) return {};
  const HugetlbGoal& goal = *ctx.profile.goals.hugetlb;
  const auto pages =
      uint64_t(goal.share_of_memory * double(ctx.facts.meminfo.total_bytes)) / goal.page_bytes;
  if (pages == 0) return {};
  const std::optional<FragmentationEvidence> frag = fragmentation_evidence(ctx.run);
  std::optional<Verdict> verdict;
  if (frag) verdict = from_run(*frag, goal.page_bytes, pages);
  if (!verdict) verdict = from_model(ctx, goal.page_bytes, pages);

  Finding f;
  f.subject = fmt::format("hugetlb {} pages", size_text(goal.page_bytes));
  f.sources = {"kernel-hugetlbpage", goal.source};
  const std::string size = size_name(goal.page_bytes);
  const std::string want = fmt::format("{} × {} ({} of {})", pages, size_text(goal.page_bytes),
                                       facts::format_bytes(pages * goal.page_bytes),
                                       facts::format_bytes(ctx.facts.meminfo.total_bytes));
  f.details.push_back(
      fmt::format("{} (the profile: {:.0f} % of memory)", goal.why, goal.share_of_memory * 100));
  f.details.insert(f.details.end(), verdict->lines.begin(), verdict->lines.end());
  for (const std::string& line : host_lines(ctx.facts)) f.details.push_back(line);
  if (verdict->signal) f.signals.push_back(*verdict->signal);
  if (frag) f.evidence = frag->hugetlb_items();
  if (verdict->runtime_holds) {
    f.id = "hugetlb-runtime-reservation-holds";
    f.severity = Severity::info;
    f.summary = fmt::format("reserve {} at run time, early in boot: {}", want,
                            frag ? "a runtime reservation after fragmenting got them all here"
                                 : "the model's free 2 MiB blocks now cover them");
    f.lever = fmt::format(
        "sysctl.d: vm.nr_hugepages = {} (systemd-sysctl applies it early in boot); or the kernel "
        "command line hugepagesz={} hugepages={}",
        pages, size, pages);
    f.sources.push_back("systemd-sysctl");
  } else {
    f.id = "hugetlb-reserve-at-boot";
    // A command line that reserves already is the lever in place: said, not warned about.
    const bool on_cmdline = ctx.facts.kernel.cmdline &&
                            ctx.facts.kernel.cmdline->find("hugepages=") != std::string::npos;
    f.severity = on_cmdline ? Severity::info : Severity::warning;
    f.summary =
        fmt::format("reserve {} on the kernel command line: {}", want,
                    frag && verdict->signal
                        ? fmt::format("a runtime reservation got {:.0f} % after fragmenting",
                                      verdict->signal->value)
                        : "a runtime reservation is not expected to get them all");
    f.lever = fmt::format("kernel command line: hugepagesz={} hugepages={}{}", size, pages,
                          goal.page_bytes == k1GiB ? " (default_hugepagesz=1G when the work uses "
                                                     "the default size)"
                                                   : "");
  }
  return {f};
}

}  // namespace mmtune::advisor
