// What the host lacks that the advice would have used, and who else owns some of its settings.
//
//   host-lacks-psi               no /proc/pressure/memory (before 4.20, or psi=0 / CONFIG_PSI off):
//                                the advice argues from vmstat counters alone
//   host-lacks-wsf               no vm.watermark_scale_factor (before 4.6): the lever for kswapd's
//                                headroom is min_free_kbytes
//   host-lacks-watermark-boost   no vm.watermark_boost_factor (before 5.0): no boost reclaim after
//                                fragmentation events
//   host-lacks-mglru             no /sys/kernel/mm/lru_gen (before 6.1, or built without it)
//   host-lacks-mthp              no per-size THP controls (before 6.8): 2 MiB pages only
//   host-lacks-memory-peak       cgroup v2 without memory.peak (before 6.6)
//   host-lacks-uptime            no /proc/uptime read: counters since boot cannot be normalised
//   kubelet-owns-sysctls         a Kubernetes node: kubelet sets vm.overcommit_memory and
//                                kernel.panic* itself; mmtune leaves them alone
#include <fmt/format.h>

#include <algorithm>

#include "advisor/rules.hpp"

namespace mmtune::advisor {
namespace {

Finding lacks(std::string id, std::string summary, std::string detail, std::string lever,
              std::vector<std::string> sources) {
  Finding f;
  f.id = std::move(id);
  f.severity = Severity::info;
  f.subject = "host";
  f.summary = std::move(summary);
  f.details = {std::move(detail)};
  f.lever = std::move(lever);
  f.sources = std::move(sources);
  return f;
}

facts::KernelVersion version_of(const facts::HostFacts& facts) {
  return {facts.kernel.major, facts.kernel.minor};
}

void psi(const facts::HostFacts& facts, std::vector<Finding>& out) {
  if (facts.psi) return;
  const bool old = version_of(facts) < facts::KernelVersion{4, 20};
  out.push_back(lacks(
      "host-lacks-psi",
      old ? fmt::format("no pressure stall information: PSI arrived in 4.20, this is {}",
                        facts.kernel.release)
          : "no /proc/pressure/memory: PSI is built out (CONFIG_PSI) or off (psi=0; some "
            "distributions build it off by default)",
      "the advice cannot say how much time tasks lost waiting for memory; it argues from the "
      "vmstat counters alone (allocstall, pgscan_direct, kswapd_low_wmark_hit_quickly, compact_*)",
      old ? "" : "boot with psi=1 to let the advice weigh stall time", {"kernel-psi"}));
}

void knobs(const facts::HostFacts& facts, std::vector<Finding>& out) {
  if (!facts.settings.text("vm.watermark_scale_factor")) {
    out.push_back(lacks("host-lacks-wsf",
                        "no vm.watermark_scale_factor (4.6+): kswapd's headroom is fixed at a "
                        "quarter of min",
                        "widening kswapd's band costs four times as much hard reserve here "
                        "(low = min + min/4, high = min + min/2)",
                        "vm.min_free_kbytes is the only lever for kswapd's headroom",
                        {"kernel-wsf-commit"}));
  }
  if (!facts.settings.text("vm.watermark_boost_factor")) {
    out.push_back(lacks("host-lacks-watermark-boost",
                        "no vm.watermark_boost_factor (5.0+): no boost reclaim after "
                        "fragmentation events",
                        "when a pageblock is stolen for another migratetype, newer kernels reclaim "
                        "a little extra to give compaction room; here fragmentation is left to "
                        "compaction at fault time (the THP defrag setting matters more)",
                        "", {"kernel-vm-rst"}));
  }
}

void features(const facts::HostFacts& facts, std::vector<Finding>& out) {
  if (!facts.mglru) {
    out.push_back(lacks("host-lacks-mglru",
                        "no multi-generation LRU (/sys/kernel/mm/lru_gen, 6.1+)",
                        "reclaim uses the classic active/inactive lists: the swappiness advice "
                        "follows get_scan_count's rules",
                        "", {"kernel-mglru", "kernel-scan-balance"}));
  }
  const bool has_mthp =
      std::any_of(facts.settings.values.begin(), facts.settings.values.end(),
                  [](const auto& kv) { return kv.first.starts_with("thp.hugepages-"); });
  if (facts.settings.text("thp.enabled") && !has_mthp) {
    out.push_back(lacks("host-lacks-mthp", "no per-size THP controls (mTHP, 6.8+)",
                        "anonymous memory gets 2 MiB pages or 4 KiB pages, nothing between: the "
                        "THP advice is about PMD-sized pages only",
                        "", {"kernel-transhuge"}));
  }
  const bool v2 = facts.cgroup.version == 2 ||
                  std::any_of(facts.cgroups.begin(), facts.cgroups.end(),
                              [](const facts::CgroupMemory& cg) { return cg.version == 2; });
  const bool peak =
      facts.cgroup.peak_bytes ||
      std::any_of(facts.cgroups.begin(), facts.cgroups.end(),
                  [](const facts::CgroupMemory& cg) { return cg.peak_bytes.has_value(); });
  if (v2 && !peak && !facts.cgroups.empty()) {
    out.push_back(lacks("host-lacks-memory-peak", "cgroup v2 without memory.peak (6.6+)",
                        "a cgroup's highest usage is not recorded: the cgroup findings rest on "
                        "its usage now and its event counters",
                        "", {"kernel-cgroup-v2"}));
  }
  if (!facts.uptime_s) {
    out.push_back(lacks("host-lacks-uptime", "no /proc/uptime was read",
                        "counters since boot cannot be turned into rates per hour: the rules "
                        "weigh only shares (direct scanning, failed compactions)",
                        "", {}));
  }
}

}  // namespace

std::vector<Finding> host_lacks_findings(const RuleContext& ctx) {
  std::vector<Finding> out;
  psi(ctx.facts, out);
  knobs(ctx.facts, out);
  features(ctx.facts, out);
  return out;
}

std::vector<Finding> kubelet_findings(const RuleContext& ctx) {
  if (!ctx.facts.kubelet) return {};
  Finding f;
  f.id = "kubelet-owns-sysctls";
  f.severity = Severity::info;
  f.subject = "host";
  f.summary = fmt::format(
      "a Kubernetes node ({}): kubelet sets vm.overcommit_memory=1, "
      "vm.panic_on_oom=0, kernel.panic=10 and kernel.panic_on_oops=1 itself",
      *ctx.facts.kubelet);
  f.details = {
      fmt::format("vm.overcommit_memory is {} here; mmtune does not advise on it or on "
                  "kernel.panic*: kubelet resets them at start (setupKernelTunables), "
                  "or refuses to start with --protect-kernel-defaults",
                  ctx.facts.settings.text("vm.overcommit_memory").value_or("absent"))};
  f.lever = "kubelet's configuration (protectKernelDefaults), not sysctl files";
  f.sources = {"kubernetes-kubelet"};
  return {f};
}

}  // namespace mmtune::advisor
