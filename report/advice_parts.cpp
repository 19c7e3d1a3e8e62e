#include "report/advice_parts.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "advisor/signals.hpp"

namespace mmtune::report {

std::array<std::string, 6> signal_cells(const advisor::Signal& s) {
  return {s.name,
          advisor::signal_value_text(s),
          s.normalisation,
          s.comparison + " " + advisor::signal_threshold_text(s),
          s.met ? "yes" : "no",
          s.threshold_source};
}

std::string rule_line(const advisor::Recommendation& r) {
  return fmt::format("rule {}: {} (confidence: {})", r.id.empty() ? "?" : r.id, r.summary,
                     to_string(r.confidence));
}

std::string persisted_line(const advisor::Recommendation& r) {
  if (!r.persisted) return {};
  const facts::PersistedSetting& p = *r.persisted;
  return fmt::format("at boot {}{} sets {} ({}){}", p.file,
                     p.line > 0 ? fmt::format(":{}", p.line) : "", p.value, p.stage,
                     r.current && *r.current != p.value ? "; the running value differs" : "");
}

std::string finding_heading(const advisor::Finding& f) {
  return fmt::format("{} — {}", f.id, f.subject);
}

std::vector<std::string> finding_lines(const advisor::Finding& f) {
  std::vector<std::string> out = {fmt::format("{}: {}", to_string(f.severity), f.summary)};
  out.insert(out.end(), f.details.begin(), f.details.end());
  if (!f.lever.empty()) out.push_back("lever: " + f.lever);
  return out;
}

std::vector<std::string> apply_lines(const advisor::Advice& advice) {
  std::vector<std::string> out;
  const advisor::PersistPlan& p = advice.persist;
  if (!p.tuned_profiles.empty()) {
    std::string names;
    for (const std::string& n : p.tuned_profiles) names += (names.empty() ? "" : ",") + n;
    out.push_back(fmt::format(
        "tuned is active here (profile {0}): `mmtune advise --profile {1} --emit auto "
        "tuned.conf` writes a tuned profile that includes {0} and adds the advice; install it as "
        "/etc/tuned/mmtune-{1}/tuned.conf and `tuned-adm profile mmtune-{1}`. A sysctl.d file "
        "alone would be overridden where tuned sets the same knobs.",
        names, advice.profile));
  } else {
    out.push_back(fmt::format(
        "`mmtune advise --profile {0} --emit auto {1}` writes a sysctl.d file (each line after its "
        "rule id, old value and reason); install it as /etc/sysctl.d/{1} — the name sorts after "
        "every file that sets the same knobs — and `sysctl -p /etc/sysctl.d/{1}` applies it now.",
        advice.profile, p.sysctl_file));
  }
  const bool thp = std::any_of(
      advice.recommendations.begin(), advice.recommendations.end(),
      [](const advisor::Recommendation& r) { return r.change && r.knob.starts_with("thp."); });
  if (thp) {
    out.push_back(
        p.cmdline_thp
            ? fmt::format("THP: the kernel command line sets transparent_hugepage={}; change it "
                          "there (GRUB_CMDLINE_LINUX), or `--emit systemd mmtune-thp.service` "
                          "for a unit that writes the THP files after every boot",
                          *p.cmdline_thp)
        : p.tuned_profiles.empty()
            ? "THP is not a sysctl: `--emit systemd mmtune-thp.service` writes a unit that sets "
              "the "
              "THP files at every boot (or use transparent_hugepage= on the kernel command line)"
            : "THP: the tuned profile sets it ([vm] transparent_hugepages, [sysfs] for the other "
              "files)");
  }
  out.push_back("To revert, remove the file and write back the old values listed in it.");
  return out;
}

}  // namespace mmtune::report
