// thp: the same amount of 2 MiB-aligned anonymous memory with MADV_HUGEPAGE and with
// MADV_NOHUGEPAGE.
//
// Faults: each region is written one byte per 4 KiB page; getrusage(ru_minflt), CLOCK_MONOTONIC
// and the /proc/vmstat deltas of the phase (thp_fault_alloc, thp_fault_fallback, compact_stall)
// say how the kernel served them. Coverage is the region's own AnonHugePages in /proc/self/smaps
// over its size, so other memory of the process cannot blur it.
//
// The TLB effect: a random cyclic pointer chain through each region (Sattolo's shuffle), followed
// for --accesses dependent loads, alternating between the regions --repeats times; the median ns
// per access of each, and their ratio. With --access page there is one node per 4 KiB page (at
// varying cache lines): the data touched is 1/64 of the region and mostly cache-resident, so the
// difference is the page walk a TLB miss costs (two-dimensional under a hypervisor). With
// --access line every cache line is a node: DRAM latency dominates and the ratio shrinks
// (1.08× at 1 GiB, 1.5× at 4 GiB here: docs/workloads.md).
#include "model/thp.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "facts/units.hpp"
#include "workloads/loops.hpp"
#include "workloads/mapping.hpp"
#include "workloads/session.hpp"
#include "workloads/workload.hpp"

namespace mmtune::workloads {
namespace {

enum class Access { page, line };  // in the order of --access's choices

struct Options {
  uint64_t size = 0;
  Access access{};
  uint64_t accesses = 0;
  int repeats = 0;
};

constexpr Param kParams[] = {
    bind<&Options::size>({"size", ParamKind::size, "bytes", "1GiB",
                          "size of each of the two regions (a multiple of 2MiB)", 4 * 1024 * 1024}),
    bind<&Options::access>({"access", ParamKind::choice, "choice", "page",
                            "page: one chase node per 4 KiB page (TLB reach); line: one per cache "
                            "line (DRAM latency too)",
                            0, 0, "page|line"}),
    bind<&Options::accesses>({"accesses", ParamKind::integer, "loads", "2000000",
                              "dependent loads per timed chase", 1000, 1e10}),
    bind<&Options::repeats>({"repeats", ParamKind::integer, "chases", "3",
                             "timed chases per region, alternating; the median counts", 1, 20}),
};

std::optional<std::string> unsupported(const facts::HostFacts& facts) {
  if (!facts.settings.text("thp.enabled")) {
    return "this kernel has no transparent huge pages (/sys/kernel/mm/transparent_hugepage is "
           "missing)";
  }
  return std::nullopt;
}

std::optional<std::string> invalid(const Options& o) {
  if (o.size % kHugePage != 0)
    return fmt::format("--size: {} is not a multiple of 2MiB", facts::format_size(o.size));
  return std::nullopt;
}

size_t spacing(const Options& o) { return o.access == Access::page ? kPage : 64; }

// Both regions, plus the shuffle's index array (4 bytes per node) while a chain is built.
uint64_t footprint(const Options& o) { return 2 * o.size + o.size / spacing(o) * 4; }

model::ThpPrediction thp_prediction(uint64_t size, bool huge, const facts::HostFacts& facts) {
  model::ThpShape shape;
  shape.region_bytes = size;
  shape.madv_hugepage = huge;
  shape.madv_nohugepage = !huge;
  return model::predict_thp(shape, facts.settings, facts.buddyinfo);
}

// Coverage is compared within 0.1 either side of the model (the acceptance is ≥ 90 % when the model
// says all of it).
Expectation coverage_expectation(const model::Prediction& coverage, const std::string& metric) {
  return {metric, coverage, std::nullopt, std::max(0.0, coverage.value - 0.1),
          std::min(1.0, coverage.value + 0.1)};
}

std::vector<Expectation> predict(const Options& o, const facts::HostFacts& facts) {
  std::vector<Expectation> out;
  for (bool huge : {true, false}) {
    std::string label = huge ? "hugepage" : "nohugepage";
    model::ThpPrediction prediction = thp_prediction(o.size, huge, facts);
    out.push_back(coverage_expectation(prediction.coverage, "coverage." + label));
    double faults = prediction.huge_faults.value;
    out.push_back({"thp_fault_alloc." + label, prediction.huge_faults,
                   faults > 0 ? std::optional(0.02) : std::nullopt,
                   faults > 0 ? std::nullopt : std::optional(0.0),
                   faults > 0 ? std::nullopt : std::optional(0.0)});
  }
  return out;
}

struct Region {
  std::string label;
  Mapping memory;
  uint64_t start = 0;
  std::vector<double> ns_per_access;
};

void fault_in(Session& session, Region& region) {
  const std::map<std::string, std::string> labels = {{"advice", region.label}};
  PhaseStart phase = session.begin_phase("fault." + region.label);
  Rusage r0 = read_rusage();
  int64_t t0 = monotonic_ns();
  touch_sequential(region.memory.data(), region.memory.size(), Session::stop_flag(), nullptr);
  int64_t t1 = monotonic_ns();
  Rusage faults = read_rusage() - r0;
  Phase done = session.end_phase(phase);
  const double seconds = double(t1 - t0) / 1e9;
  session.measured("fault_s." + region.label, seconds, "s",
                   "CLOCK_MONOTONIC around the first writes", labels);
  session.measured("faults." + region.label, double(faults.minor_faults), "faults",
                   "getrusage ru_minflt", labels);
  session.derived("fault_gib_per_s." + region.label,
                  double(region.memory.size()) / seconds / double(1ull << 30), "GiB/s",
                  "region size / fault_s", labels);
  for (const char* counter : {"thp_fault_alloc", "thp_fault_fallback", "compact_stall"}) {
    session.measured(
        std::string(counter) + "." + region.label, double(done.vmstat_delta.get_or(counter, 0)),
        "events", fmt::format("/proc/vmstat {} delta over the phase (host-wide)", counter), labels);
  }
  auto smaps = smaps_of(session.fs(), region.memory.data());
  double huge = smaps ? double(smaps->get_or("AnonHugePages", 0)) : 0;
  session.measured("anon_huge_bytes." + region.label, huge, "bytes",
                   "/proc/self/smaps AnonHugePages of the region", labels);
  session.derived("coverage." + region.label, huge / double(region.memory.size()), "ratio",
                  "anon_huge_bytes / region size", labels);
}

void run(Session& session, const Options& o) {
  const uint64_t size = o.size, accesses = o.accesses;
  const int repeats = o.repeats;
  Region regions[2] = {
      {"hugepage", Mapping::anonymous(size, true, HugeAdvice::hugepage), 0, {}},
      {"nohugepage", Mapping::anonymous(size, true, HugeAdvice::nohugepage), 0, {}}};
  for (Region& region : regions) {
    if (session.stop_requested()) return;
    fault_in(session, region);
  }
  PhaseStart build = session.begin_phase("build-chains");
  for (Region& region : regions) {
    region.start =
        build_chase(region.memory.data(), region.memory.size(), spacing(o), 0x5DEECE66Dull);
  }
  session.end_phase(build);

  PhaseStart timing = session.begin_phase("chase");
  uint64_t sink = 0;
  for (Region& region : regions)
    sink += chase(region.memory.data(), region.start, accesses / 4);  // warm the caches
  for (int r = 0; r < repeats && !session.stop_requested(); ++r) {
    // Alternate which region goes first, so drift in the host's state hits both alike.
    for (int i = 0; i < 2; ++i) {
      Region& region = regions[(i + r) % 2];
      int64_t t0 = monotonic_ns();
      sink += chase(region.memory.data(), region.start, accesses);
      region.ns_per_access.push_back(double(monotonic_ns() - t0) / double(accesses));
    }
  }
  session.end_phase(timing);
  if (regions[0].ns_per_access.empty() || regions[1].ns_per_access.empty()) return;

  double median[2];
  for (int i = 0; i < 2; ++i) {
    std::vector<double> v = regions[i].ns_per_access;
    std::sort(v.begin(), v.end());
    median[i] = v[v.size() / 2];
    session.measured("ns_per_access." + regions[i].label, median[i], "ns",
                     fmt::format("median of {} chases of {} dependent loads, CLOCK_MONOTONIC",
                                 v.size(), accesses),
                     {{"advice", regions[i].label}});
  }
  session.derived("random_access_speedup", median[1] / median[0], "x",
                  "ns_per_access.nohugepage / ns_per_access.hugepage");
  session.explain(
      fmt::format("random access: {:.1f} ns with huge pages vs {:.1f} ns with 4 KiB pages "
                  "({:.2f}x) over {} one node per {} "
                  "(chain checksum {})",
                  median[0], median[1], median[1] / median[0], facts::format_size(size),
                  o.access == Access::page ? "page" : "cache line", sink % 1000));
  session.note(
      "fault times are on memory as found: memory idle for over ~1 s is host-cold and faults "
      "slower, the "
      "more so for huge pages (docs/workloads.md)");
}

}  // namespace

extern const Workload kThp = define_workload<unsupported, invalid, footprint, predict, run>(
    "thp", "Huge-page coverage, fault cost and the TLB effect: MADV_HUGEPAGE vs MADV_NOHUGEPAGE",
    kParams);

}  // namespace mmtune::workloads
