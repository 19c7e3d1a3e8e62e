// Advice that survives a reboot: what the host sets at boot (probes/persisted.hpp) against what
// runs now, and in which form the advice will stick here.
//
//   persist-drift       the running value differs from what the host sets at boot: a runtime
//                       change that a reboot undoes, or a file that did not apply
//   tuned-will-revert   the same where tuned sets it: tuned re-applies its profile at every boot
//                       and `tuned-adm profile`, so a runtime change is undone
//   persist-shadowed    a file sets a knob that a later file or tuned overrides with another
//                       value: that line has no effect
//   tuned-not-enabled   /etc/tuned/active_profile names a profile but tuned.service is not
//                       enabled: its values apply only while someone runs tuned
#include <fmt/format.h>

#include <algorithm>
#include <cstdlib>

#include "advisor/rules.hpp"
#include "facts/knobs.hpp"
#include "facts/units.hpp"
#include "probes/persisted.hpp"

namespace mmtune::advisor {
namespace {

bool comparable(std::string_view value) {
  return value.find("${") == std::string_view::npos && !value.starts_with('>') &&
         !value.starts_with('<');
}

// Whitespace-insensitive ("10" vs "10 ", "4096 87380" vs "4096\t87380").
bool same_value(std::string_view a, std::string_view b) {
  auto squeeze = [](std::string_view s) {
    std::string out;
    bool space = false;
    for (char c : s) {
      if (c == ' ' || c == '\t' || c == '\n') {
        space = !out.empty();
      } else {
        if (space) out += ' ';
        out += c;
        space = false;
      }
    }
    return out;
  };
  return squeeze(a) == squeeze(b);
}

std::string where(const facts::PersistedSetting& a) {
  std::string at = a.line > 0 ? fmt::format("{}:{}", a.file, a.line) : a.file;
  if (a.stage == "tuned") return "tuned (" + at + ")";
  if (a.stage == "tuned-reapply") return at + ", re-applied by tuned";
  if (a.stage == "tuned-bootloader") return "tuned's [bootloader] (" + at + "), next boot";
  if (a.stage == "cmdline") return "the kernel command line";
  if (a.stage == "systemd-unit") return "a systemd unit (" + at + ")";
  return at;
}

Finding drift(const std::string& knob, std::string_view now, const facts::PersistedSetting& boot) {
  Finding f;
  const bool tuned = boot.stage == "tuned";
  f.id = tuned ? "tuned-will-revert" : "persist-drift";
  f.severity = Severity::warning;
  f.subject = knob;
  f.summary = tuned ? fmt::format(
                          "{} is {} now, but tuned sets {} at every boot and "
                          "`tuned-adm profile`: the running value will be undone",
                          knob, now, boot.value)
                    : fmt::format("{} is {} now, but {} sets {} at boot: a reboot changes it", knob,
                                  now, where(boot), boot.value);
  f.details.push_back(fmt::format("runtime {}; at boot {} ({})", now, boot.value, where(boot)));
  if (!tuned)
    f.details.push_back(
        "either the running value was set by hand and is lost at the next boot, "
        "or the file did not apply (a later file, a typo, a missing module)");
  f.lever =
      tuned ? fmt::format("the tuned profile ({}), or a child profile that includes it", boot.file)
            : fmt::format("{} (make the file and the running value agree)", boot.file);
  f.sources = tuned ? std::vector<std::string>{"tuned-plugins"}
                    : std::vector<std::string>{"systemd-sysctl"};
  return f;
}

// Earlier assignments of the knob with another value than the one that wins at boot.
void shadowed(const std::string& knob, const facts::Persistence& persisted,
              const facts::PersistedSetting& boot, std::vector<Finding>& out) {
  for (const facts::PersistedSetting& a : persisted.assignments) {
    if (&a == &boot || a.knob != knob || same_value(a.value, boot.value)) continue;
    if (a.stage == "tuned-reapply") continue;  // the same file already counted at its first pass
    Finding f;
    f.id = "persist-shadowed";
    f.severity = Severity::info;
    f.subject = knob;
    f.summary = fmt::format("{} sets {}={}, but {} sets {} later: that line has no effect",
                            where(a), knob, a.value, where(boot), boot.value);
    f.lever = "remove one of the two, so that the files say one thing";
    f.sources = {"systemd-sysctl", "tuned-plugins"};
    out.push_back(std::move(f));
  }
}

// overcommit_memory=2 at boot with a ratio that leaves less than the 25 % headroom over what is
// committed now: after the next reboot allocations and fork() start to fail.
std::optional<Finding> strict_at_boot(const RuleContext& ctx) {
  const facts::PersistedSetting* mode =
      probes::boot_value(ctx.facts.persisted, "vm.overcommit_memory");
  if (!mode || mode->value != "2") return std::nullopt;
  const auto committed = ctx.facts.meminfo.fields.get("Committed_AS");
  if (!committed) return std::nullopt;
  const facts::PersistedSetting* ratio_at_boot =
      probes::boot_value(ctx.facts.persisted, "vm.overcommit_ratio");
  const int64_t ratio = ratio_at_boot
                            ? std::atoll(ratio_at_boot->value.c_str())
                            : ctx.facts.settings.integer("vm.overcommit_ratio").value_or(50);
  const facts::MemInfo& mem = ctx.facts.meminfo;
  const uint64_t hugetlb = mem.fields.get_or("Hugetlb", 0);
  const uint64_t outside = mem.total_bytes > hugetlb ? mem.total_bytes - hugetlb : 0;
  const uint64_t limit =
      outside / 100 * uint64_t(std::max<int64_t>(ratio, 0)) + mem.swap_total_bytes;
  if (double(limit) >= double(*committed) * 1.25) return std::nullopt;
  Finding f;
  f.id = "persist-strict-overcommit-unsized";
  f.severity = Severity::critical;
  f.subject = "vm.overcommit_memory";
  f.summary = fmt::format(
      "at boot {} sets vm.overcommit_memory=2 with overcommit_ratio {}: the commit limit will be "
      "{}, against {} committed now — allocations and fork() will fail after the next reboot",
      where(*mode), ratio, facts::format_bytes(limit), facts::format_bytes(*committed));
  f.details = {
      "strict accounting needs a limit sized to the host: overcommit_ratio (or "
      "overcommit_kbytes) set in the same file, leaving room above Committed_AS"};
  f.lever = fmt::format("{}: add a computed vm.overcommit_ratio next to it, or remove the line",
                        mode->file);
  f.sources = {"kernel-overcommit"};
  return f;
}

}  // namespace

std::vector<Finding> persistence_findings(const RuleContext& ctx) {
  std::vector<Finding> out;
  const facts::Persistence& p = ctx.facts.persisted;
  if (!p.tuned_profiles.empty() && !p.tuned_enabled) {
    Finding f;
    f.id = "tuned-not-enabled";
    f.severity = Severity::info;
    f.subject = "tuned";
    std::string names;
    for (const std::string& name : p.tuned_profiles) names += (names.empty() ? "" : " ") + name;
    f.summary = fmt::format(
        "/etc/tuned/active_profile names {}, but tuned.service is not enabled: "
        "its values apply only while tuned runs",
        names);
    f.lever = "systemctl enable --now tuned, or remove the active profile";
    f.sources = {"tuned-plugins"};
    out.push_back(std::move(f));
  }
  for (const auto& [knob, now] : ctx.facts.settings.values) {
    const facts::PersistedSetting* boot = probes::boot_value(p, knob);
    if (!boot) continue;
    shadowed(knob, p, *boot, out);
    if (comparable(boot->value) && !same_value(now, boot->value))
      out.push_back(drift(knob, now, *boot));
  }
  if (auto f = strict_at_boot(ctx)) out.push_back(std::move(*f));
  return out;
}

void attach_persisted(const facts::HostFacts& facts, std::vector<Recommendation>& recs) {
  for (Recommendation& rec : recs) {
    const facts::PersistedSetting* boot = probes::boot_value(facts.persisted, rec.knob);
    if (!boot) continue;
    rec.persisted = *boot;
    if (rec.change && !same_value(boot->value, rec.recommended)) {
      rec.rationale.push_back(fmt::format(
          "at boot {} sets {}: written only at runtime, the change is undone by the next boot; "
          "the emitted files put it where it sticks",
          where(*boot), boot->value));
    } else if (!rec.change && rec.current && comparable(boot->value) &&
               !same_value(boot->value, *rec.current)) {
      rec.rationale.push_back(fmt::format(
          "this keeps the running {}; at boot {} sets {} instead (see the persist findings)",
          *rec.current, where(*boot), boot->value));
    }
  }
}

PersistPlan persist_plan(const facts::HostFacts& facts, const std::vector<Recommendation>& recs) {
  PersistPlan plan;
  const facts::Persistence& p = facts.persisted;
  plan.files = p.files;
  if (p.tuned_enabled) plan.tuned_profiles = p.tuned_profiles;
  plan.tuned_enabled = p.tuned_enabled;
  for (const facts::PersistedSetting& a : p.assignments) {
    if (a.stage == "cmdline" && a.knob == "thp.enabled") plan.cmdline_thp = a.value;
  }
  // A sysctl.d name that sorts after every file that sets a knob this advice changes.
  std::string last;
  for (const Recommendation& rec : recs) {
    if (!rec.change) continue;
    for (const facts::PersistedSetting& a : p.assignments) {
      if (a.knob != rec.knob || a.file.find("sysctl.d/") == std::string::npos) continue;
      last = std::max(last, a.file.substr(a.file.rfind('/') + 1));
    }
  }
  for (const char* name : {"99-mmtune.conf", "99-zz-mmtune.conf", "zzz-mmtune.conf"}) {
    plan.sysctl_file = name;
    if (name > last) break;
  }
  return plan;
}

}  // namespace mmtune::advisor
