#include "cli/host_render.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>
#include <iterator>
#include <string_view>
#include <utility>
#include <vector>

#include "facts/error.hpp"
#include "facts/facts_json.hpp"
#include "facts/knobs.hpp"
#include "facts/units.hpp"
#include "model/host_model.hpp"

namespace mmtune::cli {
namespace {

using facts::kGiB;
using facts::kKiB;
using facts::kMiB;
using facts::kPageSize;

constexpr std::string_view kNotAvailable = "not available";

std::string human_bytes(uint64_t bytes) {
  if (bytes >= kGiB) return fmt::format("{:.1f} GiB", double(bytes) / double(kGiB));
  if (bytes >= kMiB) return fmt::format("{:.1f} MiB", double(bytes) / double(kMiB));
  if (bytes >= kKiB) return fmt::format("{:.1f} KiB", double(bytes) / double(kKiB));
  return fmt::format("{} B", bytes);
}

template <typename T>
nlohmann::json optional_json(const std::optional<T>& value) {
  return value ? nlohmann::json(*value) : nlohmann::json(nullptr);
}

std::string optional_bytes(const std::optional<uint64_t>& bytes) {
  return bytes ? human_bytes(*bytes) : std::string(kNotAvailable);
}

double pages_mib(uint64_t pages) { return double(pages * kPageSize) / double(kMiB); }

// Appends "label  text\n" with the label in a fixed column, continuation lines indented.
class Section {
 public:
  explicit Section(std::string& out) : out_(out) {}
  void line(std::string_view label, std::string_view text) {
    fmt::format_to(std::back_inserter(out_), "{:<12}{}\n", label, text);
  }
  void more(std::string_view text) {
    fmt::format_to(std::back_inserter(out_), "{:<12}{}\n", "", text);
  }
  void raw(std::string_view text) { out_ += text; }

 private:
  std::string& out_;
};

void kernel_and_cpu(const facts::HostFacts& f, Section& s) {
  s.line("kernel", f.kernel.release.empty() ? std::string(kNotAvailable) : f.kernel.release);
  std::string cpus = f.cpu.online > 0
                         ? fmt::format("{} online ({})", f.cpu.online, f.cpu.online_list)
                         : std::string(kNotAvailable);
  cpus += ", cache line " + (f.cpu.cache_line_bytes ? fmt::format("{} B", *f.cpu.cache_line_bytes)
                                                    : std::string(kNotAvailable));
  s.line("cpus", cpus);
}

void memory(const facts::HostFacts& f, Section& s) {
  const facts::MemInfo& m = f.meminfo;
  s.line("memory", fmt::format("total {}, free {}, available {}", human_bytes(m.total_bytes),
                               human_bytes(m.free_bytes), optional_bytes(m.available_bytes)));
  s.more(fmt::format("file LRU {} (active {}, inactive {}), anon LRU {} (active {}, inactive {})",
                     human_bytes(m.active_file_bytes + m.inactive_file_bytes),
                     human_bytes(m.active_file_bytes), human_bytes(m.inactive_file_bytes),
                     human_bytes(m.active_anon_bytes + m.inactive_anon_bytes),
                     human_bytes(m.active_anon_bytes), human_bytes(m.inactive_anon_bytes)));
  s.more(fmt::format("dirty {}, writeback {}, page tables {}, AnonHugePages {}",
                     human_bytes(m.dirty_bytes), human_bytes(m.writeback_bytes),
                     human_bytes(m.page_tables_bytes), optional_bytes(m.anon_huge_bytes)));
}

void swap_devices(const facts::HostFacts& f, Section& s) {
  const facts::MemInfo& m = f.meminfo;
  if (m.swap_total_bytes == 0 && f.swaps.empty()) {
    s.line("swap", "none");
    return;
  }
  s.line("swap", fmt::format("total {}, free {}, {} device(s)", human_bytes(m.swap_total_bytes),
                             human_bytes(m.swap_free_bytes), f.swaps.size()));
  for (const facts::SwapDevice& d : f.swaps) {
    s.more(fmt::format("{} ({}): size {}, used {}, priority {}", d.filename, d.type,
                       human_bytes(d.size_bytes), human_bytes(d.used_bytes), d.priority));
  }
}

void numa(const facts::HostFacts& f, Section& s) {
  if (f.numa.empty()) {
    s.line("numa", fmt::format("{} (no /sys/devices/system/node)", kNotAvailable));
    return;
  }
  s.line("numa", fmt::format("{} node(s)", f.numa.size()));
  std::string header = fmt::format("  {:<5} {:<16} {:>10} {:>10}  distance to", "node", "cpus",
                                   "MemTotal", "MemFree");
  for (const facts::NumaNode& n : f.numa) header += fmt::format(" {:>3}", n.id);
  s.raw(header + "\n");
  for (const facts::NumaNode& n : f.numa) {
    std::string row = fmt::format(
        "  {:<5} {:<16} {:>10} {:>10}  {:<11}", n.id, n.cpulist.empty() ? "-" : n.cpulist,
        optional_bytes(n.mem_total_bytes), optional_bytes(n.mem_free_bytes), "");
    for (int d : n.distances) row += fmt::format(" {:>3}", d);
    if (n.distances.empty()) row += fmt::format(" {}", kNotAvailable);
    s.raw(row + "\n");
  }
}

void zones(const facts::HostFacts& f, Section& s) {
  if (f.zones.empty()) {
    s.line("zones", fmt::format("{} (no /proc/zoneinfo)", kNotAvailable));
    return;
  }
  s.line("zones",
         "MiB from /proc/zoneinfo; the kernel prints min/low/high with the current boost added");
  s.raw(fmt::format("  {:<5} {:<8} {:>10} {:>9} {:>9} {:>9} {:>10} {:>7}  {}\n", "node", "zone",
                    "free", "min", "low", "high", "managed", "boost", "protection (pages)"));
  std::string empty;
  for (const facts::Zone& z : f.zones) {
    if (z.managed_pages == 0) {
      empty += fmt::format("{}node {} {}", empty.empty() ? "" : ", ", z.node, z.name);
      continue;
    }
    std::string protection;
    for (uint64_t p : z.protection)
      protection += fmt::format("{}{}", protection.empty() ? "" : " ", p);
    s.raw(fmt::format(
        "  {:<5} {:<8} {:>10.1f} {:>9.2f} {:>9.2f} {:>9.2f} {:>10.1f} {:>7}  {}\n", z.node, z.name,
        pages_mib(z.free_pages), pages_mib(z.min_pages), pages_mib(z.low_pages),
        pages_mib(z.high_pages), pages_mib(z.managed_pages),
        z.boost_pages ? fmt::format("{:.1f}", pages_mib(*z.boost_pages)) : std::string("n/a"),
        protection));
  }
  if (!empty.empty()) s.more("empty zones (no managed pages): " + empty);
}

std::string setting(const facts::HostFacts& f, std::string_view knob) {
  auto value = f.settings.text(knob);
  return value ? std::string(*value) : std::string(kNotAvailable);
}

void thp(const facts::HostFacts& f, Section& s) {
  s.line("thp", fmt::format("enabled {}, defrag {}, shmem_enabled {}, use_zero_page {}",
                            setting(f, "thp.enabled"), setting(f, "thp.defrag"),
                            setting(f, "thp.shmem_enabled"), setting(f, "thp.use_zero_page")));
  std::string khugepaged;
  for (const facts::Knob& knob : facts::static_knobs()) {
    constexpr std::string_view kPrefix = "thp.khugepaged.";
    if (!std::string_view(knob.name).starts_with(kPrefix)) continue;
    khugepaged += fmt::format("{}{} {}", khugepaged.empty() ? "" : ", ",
                              knob.name.substr(kPrefix.size()), setting(f, knob.name));
  }
  s.more("khugepaged: " + khugepaged);
  std::vector<std::pair<unsigned, std::string>> sizes;  // numeric order: 16kB before 128kB
  for (const auto& [name, value] : f.settings.values) {
    constexpr std::string_view kPrefix = "thp.hugepages-";  // thp.hugepages-64kB.enabled
    if (!name.starts_with(kPrefix)) continue;
    std::string_view size = std::string_view(name).substr(kPrefix.size());
    size = size.substr(0, size.find('.'));
    unsigned kib = 0;
    std::from_chars(size.data(), size.data() + size.size(), kib);
    sizes.emplace_back(kib, fmt::format("{} {}", size, value));
  }
  std::sort(sizes.begin(), sizes.end());
  std::string size_text;
  for (const auto& [kib, text] : sizes) size_text += (size_text.empty() ? "" : ", ") + text;
  s.more("per-size (mTHP): " + (size_text.empty() ? std::string(kNotAvailable) : size_text));
}

void mglru(const facts::HostFacts& f, Section& s) {
  if (!f.mglru) {
    s.line("mglru", fmt::format("{} (no /sys/kernel/mm/lru_gen/enabled)", kNotAvailable));
    return;
  }
  s.line("mglru", fmt::format("{} (lru_gen/enabled = 0x{:04x})",
                              f.mglru_enabled() ? "enabled" : "disabled", *f.mglru));
}

void settings(const facts::HostFacts& f, Section& s) {
  bool first = true;
  for (const facts::Knob& knob : facts::static_knobs()) {
    if (std::string_view(knob.name).starts_with("thp.")) continue;
    std::string text = fmt::format("{:<30} {}", knob.name, setting(f, knob.name));
    if (first)
      s.line("settings", text);
    else
      s.more(text);
    first = false;
  }
}

std::string psi_line(const facts::PsiLine& p) {
  return fmt::format("avg10 {:.2f}%, avg60 {:.2f}%, avg300 {:.2f}%, total {:.3f} s", p.avg10,
                     p.avg60, p.avg300, double(p.total_us) / 1e6);
}

void psi(const std::optional<facts::Psi>& pressure, std::string_view label,
         std::string_view missing, Section& s, std::string_view prefix = "") {
  if (!pressure) {
    s.line(label, fmt::format("{}{} ({})", prefix, kNotAvailable, missing));
    return;
  }
  s.line(label, fmt::format("{}some {}", prefix, psi_line(pressure->some)));
  s.more(fmt::format("{}full {}", prefix,
                     pressure->full ? psi_line(*pressure->full) : std::string(kNotAvailable)));
}

void cgroup(const facts::HostFacts& f, Section& s) {
  const facts::CgroupMemory& cg = f.cgroup;
  if (cg.version == 0) {
    s.line("cgroup",
           fmt::format("{} (no memory controller found for this process)", kNotAvailable));
    return;
  }
  s.line("cgroup", fmt::format("v{} {} ({})", cg.version, cg.path, cg.dir));
  s.more(fmt::format("usage {}, limit {}, swap limit {}", optional_bytes(cg.current_bytes),
                     cg.max_bytes ? human_bytes(*cg.max_bytes) : "none",
                     cg.swap_max_bytes ? human_bytes(*cg.swap_max_bytes) : "none"));
  std::string events;
  for (const auto& [name, value] : cg.events.values)
    events += fmt::format("{}{} {}", events.empty() ? "" : ", ", name, value);
  s.more("events: " + (events.empty() ? std::string(kNotAvailable) : events));
  if (cg.version == 2) psi(cg.pressure, "", "no memory.pressure", s, "memory.pressure ");
}

// The thresholds the model derives from the facts; the model throws Error when the facts lack what
// it needs (no zones with managed pages, no vm.min_free_kbytes), and then there are none.
struct Thresholds {
  std::optional<model::HostModel> model;
  std::string unavailable;  // why not, when model is empty
};

Thresholds derive(const facts::HostFacts& facts) {
  try {
    return {model::model_host(facts), {}};
  } catch (const Error& e) {
    return {std::nullopt, e.what()};
  }
}

struct BandTotals {
  uint64_t min = 0, low = 0, high = 0;
};

BandTotals band_totals(const model::HostModel& m) {
  BandTotals t;
  for (const model::ReclaimBands& b : m.bands) {
    t.min += b.direct_reclaim_below_bytes;
    t.low += b.kswapd_wakes_below_bytes;
    t.high += b.kswapd_sleeps_at_bytes;
  }
  return t;
}

nlohmann::json thresholds_json(const Thresholds& t) {
  if (!t.model) return nullptr;
  const model::HostModel& m = *t.model;
  nlohmann::json zones = nlohmann::json::array();
  for (size_t i = 0; i < m.zones.size() && i < m.bands.size(); ++i) {
    const model::ReclaimBands& b = m.bands[i];
    zones.push_back({{"node", m.zones[i].node},
                     {"zone", m.zones[i].zone},
                     {"direct_reclaim_below_bytes", b.direct_reclaim_below_bytes},
                     {"kswapd_wakes_below_bytes", b.kswapd_wakes_below_bytes},
                     {"kswapd_sleeps_at_bytes", b.kswapd_sleeps_at_bytes},
                     {"burst_headroom_bytes", b.burst_headroom_bytes}});
  }
  BandTotals total = band_totals(m);
  const model::DirtyLimits& d = m.dirty;
  nlohmann::json j = {
      {"computed_by", "model"},
      {"zones", zones},
      {"all_zones",
       {{"direct_reclaim_below_bytes", total.min},
        {"kswapd_wakes_below_bytes", total.low},
        {"kswapd_sleeps_at_bytes", total.high}}},
      {"dirty",
       {{"dirtyable_bytes", d.dirtyable_pages * kPageSize},
        {"background_bytes", d.background_pages * kPageSize},
        {"throttle_from_bytes", d.freerun_pages * kPageSize},
        {"setpoint_bytes", d.setpoint_pages * kPageSize},
        {"hard_limit_bytes", d.threshold_pages * kPageSize}}},
      {"expected_min_free_kbytes", m.expected_min_free_kbytes.value},
      {"totalreserve_pages", m.totalreserve_pages},
  };
  if (m.agreement) {
    j["kernel_agreement"] = {
        {"zones_compared", m.agreement->zones_compared},
        {"zones_matching", m.agreement->zones_matching},
        {"kernel_dirty_threshold_pages", optional_json(m.agreement->kernel_threshold_pages)},
        {"kernel_dirty_background_pages", optional_json(m.agreement->kernel_background_pages)}};
  }
  return j;
}

void thresholds(const facts::HostFacts& facts, Section& s) {
  Thresholds t = derive(facts);
  if (!t.model) {
    s.line("thresholds", fmt::format("{} ({})", kNotAvailable, t.unavailable));
    return;
  }
  const model::HostModel& m = *t.model;
  BandTotals total = band_totals(m);
  s.line("thresholds",
         "computed by the model from the facts above (`mmtune model` shows the arithmetic)");
  std::string per_zone;
  for (size_t i = 0; i < m.zones.size() && i < m.bands.size(); ++i) {
    per_zone += fmt::format("{}{}{} {}", per_zone.empty() ? "" : ", ",
                            facts.numa.size() > 1 ? fmt::format("node {} ", m.zones[i].node) : "",
                            m.zones[i].zone, human_bytes(m.bands[i].kswapd_wakes_below_bytes));
  }
  s.more(fmt::format(
      "kswapd wakes when a zone's free memory falls below its low mark: {} over all zones ({})",
      human_bytes(total.low), per_zone));
  s.more(
      fmt::format("kswapd reclaims until free reaches high: {}; allocations stall in direct "
                  "reclaim below min: {}",
                  human_bytes(total.high), human_bytes(total.min)));
  const model::DirtyLimits& d = m.dirty;
  s.more(fmt::format(
      "dirty page cache: background writeback from {}, writers throttled from {}, hard limit {} "
      "(of {} dirtyable)",
      human_bytes(d.background_pages * kPageSize), human_bytes(d.freerun_pages * kPageSize),
      human_bytes(d.threshold_pages * kPageSize), human_bytes(d.dirtyable_pages * kPageSize)));
  if (m.agreement) {
    const model::KernelAgreement& a = *m.agreement;
    bool dirty_agrees = a.kernel_threshold_pages == d.threshold_pages &&
                        a.kernel_background_pages == d.background_pages;
    s.more(fmt::format(
        "against the kernel's own numbers: {}/{} zones' watermarks equal, dirty thresholds {}",
        a.zones_matching, a.zones_compared,
        !a.kernel_threshold_pages ? std::string("not in /proc/vmstat")
        : dirty_agrees            ? std::string("equal /proc/vmstat")
                       : fmt::format("differ (kernel {} / {} pages)", *a.kernel_threshold_pages,
                                     a.kernel_background_pages.value_or(0))));
  }
}

}  // namespace

nlohmann::json host_json(const facts::HostFacts& facts) {
  nlohmann::json j = facts::host_facts_to_json(facts);
  j["thresholds"] = thresholds_json(derive(facts));
  return j;
}

std::string host_text(const facts::HostFacts& facts, const std::string& root) {
  std::string out;
  Section s(out);
  s.line("host", root == "/" ? std::string("this machine (/)") : "recorded host at " + root);
  kernel_and_cpu(facts, s);
  memory(facts, s);
  swap_devices(facts, s);
  numa(facts, s);
  zones(facts, s);
  thp(facts, s);
  mglru(facts, s);
  settings(facts, s);
  cgroup(facts, s);
  psi(facts.psi, "psi", "no /proc/pressure/memory: a kernel before 4.20, or booted with psi=0", s);
  thresholds(facts, s);
  return out;
}

nlohmann::json cgroups_near_limit_json(const std::vector<probes::CgroupNearLimit>& cgroups) {
  nlohmann::json out = nlohmann::json::array();
  for (const probes::CgroupNearLimit& c : cgroups) {
    nlohmann::json pressure;
    if (c.memory.pressure) pressure = *c.memory.pressure;
    out.push_back(
        {{"path", c.path},
         {"current_bytes", c.memory.current_bytes.value_or(0)},
         {"max_bytes", c.memory.max_bytes ? nlohmann::json(*c.memory.max_bytes) : nlohmann::json()},
         {"high_bytes",
          c.memory.high_bytes ? nlohmann::json(*c.memory.high_bytes) : nlohmann::json()},
         {"ceiling_bytes", c.ceiling_bytes},
         {"used_fraction", c.used_fraction},
         {"events", c.memory.events},
         {"pressure", pressure}});
  }
  return out;
}

std::string cgroups_near_limit_text(const std::vector<probes::CgroupNearLimit>& cgroups,
                                    double fraction) {
  if (cgroups.empty()) return {};
  std::string text = fmt::format(
      "\nMemory cgroups at or above {:.0f} % of memory.max or memory.high\n", fraction * 100);
  for (const probes::CgroupNearLimit& c : cgroups) {
    const bool at_high = c.memory.high_bytes && c.ceiling_bytes == *c.memory.high_bytes &&
                         (!c.memory.max_bytes || *c.memory.high_bytes < *c.memory.max_bytes);
    text +=
        fmt::format("  {}: {} of {} {} ({:.1f} %); events: oom_kill {}, oom {}, max {}, high {}",
                    c.path, facts::format_bytes(c.memory.current_bytes.value_or(0)),
                    at_high ? "memory.high" : "memory.max", facts::format_bytes(c.ceiling_bytes),
                    c.used_fraction * 100, c.memory.events.get_or("oom_kill", 0),
                    c.memory.events.get_or("oom", 0), c.memory.events.get_or("max", 0),
                    c.memory.events.get_or("high", 0));
    if (c.memory.pressure) {
      text += fmt::format("; memory pressure some avg10 {:.2f} %", c.memory.pressure->some.avg10);
      if (c.memory.pressure->full)
        text += fmt::format(", full avg10 {:.2f} %", c.memory.pressure->full->avg10);
    }
    text += "\n";
  }
  return text;
}

}  // namespace mmtune::cli
