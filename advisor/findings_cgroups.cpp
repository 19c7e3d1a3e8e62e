// Memory cgroups as findings: a cgroup at or near its limit, one whose tasks were OOM-killed, one
// under memory pressure. Their lever is the cgroup's own limit (or the workload's size, or for a
// Kubernetes pod its limits and requests), never a vm.* sysctl.
//
// The tests, per cgroup (cgroup-v2.rst, cgroup-v1/memory.rst; docs/advice.md):
//   usage of the limit   memory.current / memory.max (or memory.high)   ≥ 90 %
//   limit reached        memory.events max (v2), memory.failcnt (v1)    > 0
//   OOM kills            memory.events oom_kill (v2), oom_control (v1)  > 0
//   pressure             memory.pressure some avg60                     ≥ 1 %
// Without swap (none on the host, or memory.swap.max 0) a cgroup at its limit can only drop page
// cache, then its tasks are OOM-killed: swappiness changes nothing there, and the finding says so.
//
// cgroup v2 counts memory.events hierarchically: a pod's OOM kill shows in every ancestor. Each
// cgroup is judged on its own share — its count less what its listed children report — and a child
// with its parent's limit and counts (a container in a pod that has only it) is the parent's
// finding. One finding per cgroup: OOM kills, else at its limit, else under pressure.
#include <fmt/format.h>

#include <algorithm>

#include "advisor/rules.hpp"
#include "advisor/signals.hpp"
#include "facts/units.hpp"

namespace mmtune::advisor {
namespace {

constexpr double kNearLimit = 0.90;
constexpr double kCgroupPressureAvg60 = 1.0;  // percent: six times Senpai's 0.17 % target
constexpr size_t kMaxCgroupFindings = 12;

// The event counts a cgroup is judged on: its own, without what listed children account for.
struct Local {
  uint64_t max = 0, oom_kill = 0;
  bool merged = false;  // same limit and counts as its listed parent: reported there
};

struct CgroupView {
  const facts::CgroupMemory* cg = nullptr;
  Local local;
  std::optional<uint64_t> limit;
  std::string limit_file;
  uint64_t limit_hits = 0, oom_kills = 0;
  std::optional<double> usage_share;
  std::optional<Signal> usage, hits, kills, pressure;
};

bool kubernetes(const facts::CgroupMemory& cg) {
  return cg.path.find("kubepods") != std::string::npos;
}

// A pod's own cgroup or below: ".../kubepods-burstable-pod<uid>.slice" (systemd driver) or
// ".../burstable/pod<uid>" (cgroupfs driver).
bool in_pod(const facts::CgroupMemory& cg) {
  return cg.path.find("-pod") != std::string::npos || cg.path.find("/pod") != std::string::npos;
}

std::string lever_for(const facts::CgroupMemory& cg, std::string_view limit_file) {
  if (kubernetes(cg)) {
    return in_pod(cg) ? fmt::format(
                            "the pod's memory limit (resources.limits.memory) and its requests; "
                            "{} of {} is what kubelet sets from them",
                            limit_file, cg.path)
                      : fmt::format(
                            "the node's allocatable memory: kubelet's --kube-reserved, "
                            "--system-reserved and eviction thresholds set {} of {}; and the "
                            "pods' requests, which decide how many land here",
                            limit_file, cg.path);
  }
  if (cg.path.ends_with(".service") || cg.path.ends_with(".slice") || cg.path.ends_with(".scope")) {
    return fmt::format(
        "the unit's MemoryMax=/MemoryHigh= (systemd writes {} of {}), or the "
        "work's size",
        limit_file, cg.path);
  }
  return fmt::format("{} of {}, or the work's size", limit_file, cg.path);
}

Signal count_signal(std::string name, uint64_t value, std::string normalisation,
                    std::string source) {
  return Signal{std::move(name),   double(value), "events", std::move(normalisation), ">", 0,
                std::move(source), value > 0};
}

CgroupView view_of(const facts::CgroupMemory& cg, Local local) {
  CgroupView v;
  v.cg = &cg;
  v.local = local;
  const bool v2 = cg.version == 2;
  v.limit = cg.max_bytes ? cg.max_bytes : cg.high_bytes;
  v.limit_file = v2 ? (cg.max_bytes ? "memory.max" : "memory.high") : "memory.limit_in_bytes";
  if (v.limit && cg.current_bytes && *v.limit > 0) {
    v.usage_share = double(*cg.current_bytes) / double(*v.limit);
    v.usage = Signal{"usage of its limit",
                     *v.usage_share,
                     "share",
                     fmt::format("{} {} / {} {}", v2 ? "memory.current" : "memory.usage_in_bytes",
                                 facts::format_bytes(*cg.current_bytes), v.limit_file,
                                 facts::format_bytes(*v.limit)),
                     "≥",
                     kNearLimit,
                     "mmtune's threshold: within 10 % of the limit, reclaim inside the cgroup "
                     "runs on every allocation burst (cgroup-v2.rst memory.max)",
                     *v.usage_share >= kNearLimit};
  }
  v.limit_hits = v2 ? local.max : cg.events.get_or("failcnt", 0);
  v.hits = count_signal(
      "times the limit was reached", v.limit_hits,
      v2 ? fmt::format("memory.events max {} since the cgroup was created, less "
                       "{} counted in the cgroups listed below it",
                       cg.events.get_or("max", 0), cg.events.get_or("max", 0) - local.max)
         : "memory.failcnt since the cgroup was created",
      "cgroup-v2.rst: memory.events max counts allocations that hit memory.max "
      "and had to reclaim first");
  v.oom_kills = v2 ? local.oom_kill : cg.events.get_or("oom_kill", 0);
  if (cg.events.get("oom_kill")) {
    v.kills =
        count_signal("tasks OOM-killed in it", v.oom_kills,
                     v2 ? fmt::format("memory.events oom_kill {} since the cgroup was created, "
                                      "less {} counted in the cgroups listed below it",
                                      cg.events.get_or("oom_kill", 0),
                                      cg.events.get_or("oom_kill", 0) - local.oom_kill)
                        : "memory.oom_control oom_kill since the cgroup was created",
                     "cgroup-v2.rst: oom_kill counts processes the OOM killer took in this "
                     "cgroup");
  }
  if (cg.pressure) {
    const facts::PsiLine& some = cg.pressure->some;
    v.pressure =
        Signal{"memory pressure (PSI some, last minute)",
               some.avg60,
               "%",
               fmt::format("memory.pressure some avg60 (avg10 {:.2f} %, avg300 {:.2f} %{})",
                           some.avg10, some.avg300,
                           cg.pressure->full
                               ? fmt::format(", full avg60 {:.2f} %", cg.pressure->full->avg60)
                               : std::string()),
               "≥",
               kCgroupPressureAvg60,
               "psi.rst; mmtune's threshold: six times the 0.17 % oomd's Senpai treats "
               "as costing no work",
               some.avg60 >= kCgroupPressureAvg60};
  }
  return v;
}

std::string no_swap_line(const RuleContext& ctx, const facts::CgroupMemory& cg) {
  if (!ctx.facts.has_swap())
    return "the host has no swap: at its limit this cgroup can only drop page cache, then the OOM "
           "killer acts (vm.swappiness changes nothing without swap)";
  if (cg.swap_max_bytes && *cg.swap_max_bytes == 0)
    return "memory.swap.max is 0: this cgroup may not swap, so at its limit it can only drop page "
           "cache, then the OOM killer acts";
  return {};
}

Finding base(const RuleContext& ctx, const CgroupView& v, std::string id, Severity severity) {
  Finding f;
  f.id = std::move(id);
  f.severity = severity;
  f.subject = v.cg->path;
  f.lever = lever_for(*v.cg, v.limit_file);
  f.sources = {v.cg->version == 2 ? "kernel-cgroup-v2" : "kernel-cgroup-v1-memory"};
  add_signals(f.signals, {v.usage, v.hits, v.kills, v.pressure});
  if (auto line = no_swap_line(ctx, *v.cg); !line.empty()) f.details.push_back(line);
  if (v.pressure) f.sources.push_back("kernel-psi");
  return f;
}

void findings_of(const RuleContext& ctx, const CgroupView& v, std::vector<Finding>& out) {
  if (v.local.merged) return;
  const std::string limit_text = v.limit ? fmt::format(" (limit {})", facts::format_bytes(*v.limit))
                                         : " (no limit of its own)";
  const bool at_limit = (v.usage && v.usage->met) || (v.hits && v.hits->met);
  if (v.kills && v.kills->met) {
    Finding f = base(ctx, v, "cgroup-oom-killed", Severity::critical);
    f.summary = fmt::format("{} task{} OOM-killed in {}{}{}", v.oom_kills,
                            v.oom_kills == 1 ? "" : "s", v.cg->path, limit_text,
                            at_limit && v.usage_share
                                ? fmt::format(", {:.0f} % of it in use", *v.usage_share * 100)
                                : std::string());
    out.push_back(std::move(f));
  } else if (at_limit) {
    Finding f = base(ctx, v, "cgroup-at-limit", Severity::warning);
    f.summary =
        fmt::format("{} is at its limit{}: {}{}", v.cg->path, limit_text,
                    v.usage_share ? fmt::format("{:.0f} % in use", *v.usage_share * 100)
                                  : std::string("usage not compared"),
                    v.limit_hits ? fmt::format(", reached {} times", v.limit_hits) : std::string());
    out.push_back(std::move(f));
  } else if (v.pressure && v.pressure->met) {
    Finding f = base(ctx, v, "cgroup-memory-pressure", Severity::warning);
    f.summary = fmt::format("{} waits on memory {:.1f} % of the time (last minute)", v.cg->path,
                            v.pressure->value);
    out.push_back(std::move(f));
  }
}

std::optional<uint64_t> limit_of(const facts::CgroupMemory& cg) {
  return cg.max_bytes ? cg.max_bytes : cg.high_bytes;
}

// The nearest listed ancestor of each cgroup (the list is in walk order: parents first).
std::vector<std::optional<size_t>> listed_parents(const std::vector<facts::CgroupMemory>& cgs) {
  std::vector<std::optional<size_t>> parent(cgs.size());
  for (size_t i = 0; i < cgs.size(); ++i) {
    for (size_t j = 0; j < cgs.size(); ++j) {
      const std::string& p = cgs[j].path;
      const bool ancestor =
          j != i && (p == "/" ? cgs[i].path != "/" : cgs[i].path.starts_with(p + "/"));
      if (ancestor && (!parent[i] || p.size() > cgs[*parent[i]].path.size())) parent[i] = j;
    }
  }
  return parent;
}

// v2's hierarchical counts made local; v1 counts are the cgroup's own already.
std::vector<Local> local_counts(const std::vector<facts::CgroupMemory>& cgs) {
  const auto parent = listed_parents(cgs);
  std::vector<Local> local(cgs.size());
  for (size_t i = 0; i < cgs.size(); ++i) {
    local[i].max = cgs[i].events.get_or("max", 0);
    local[i].oom_kill = cgs[i].events.get_or("oom_kill", 0);
  }
  if (std::any_of(cgs.begin(), cgs.end(), [](const auto& cg) { return cg.version != 2; }))
    return local;
  for (size_t i = 0; i < cgs.size(); ++i) {
    if (!parent[i]) continue;
    const facts::CgroupMemory& p = cgs[*parent[i]];
    local[i].merged = limit_of(p) == limit_of(cgs[i]) && limit_of(p) &&
                      p.events.get_or("max", 0) == cgs[i].events.get_or("max", 0) &&
                      p.events.get_or("oom_kill", 0) == cgs[i].events.get_or("oom_kill", 0);
  }
  // A reporting cgroup's counts less those of the reporting cgroups just below it.
  for (size_t i = 0; i < cgs.size(); ++i) {
    if (local[i].merged) continue;
    std::optional<size_t> up = parent[i];
    while (up && local[*up].merged) up = parent[*up];
    if (!up) continue;
    local[*up].max -= std::min(local[*up].max, cgs[i].events.get_or("max", 0));
    local[*up].oom_kill -= std::min(local[*up].oom_kill, cgs[i].events.get_or("oom_kill", 0));
  }
  return local;
}

int severity_rank(Severity s) {
  return s == Severity::critical ? 0 : s == Severity::warning ? 1 : 2;
}

}  // namespace

std::vector<Finding> cgroup_findings(const RuleContext& ctx) {
  std::vector<Finding> out;
  const std::vector<Local> local = local_counts(ctx.facts.cgroups);
  for (size_t i = 0; i < ctx.facts.cgroups.size(); ++i)
    findings_of(ctx, view_of(ctx.facts.cgroups[i], local[i]), out);
  std::stable_sort(out.begin(), out.end(), [](const Finding& a, const Finding& b) {
    return severity_rank(a.severity) < severity_rank(b.severity);
  });
  if (out.size() > kMaxCgroupFindings) {
    const size_t more = out.size() - kMaxCgroupFindings;
    out.resize(kMaxCgroupFindings);
    out.back().details.push_back(fmt::format("and {} more cgroup findings not listed", more));
  }
  return out;
}

}  // namespace mmtune::advisor
