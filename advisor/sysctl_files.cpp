// sysctl.d, tuned and systemd files from the advice: only what changes (and the partners of its
// group), each line after its reason, nothing this kernel lacks.
#include "advisor/sysctl_files.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "facts/knobs.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"

namespace mmtune::advisor {
namespace {

bool is_sysctl(const Recommendation& r) { return !r.knob.starts_with("thp."); }

// The host has the knob and its kernel version does too (an unknown version proves nothing).
bool emittable(const Advice& advice, const Recommendation& r) {
  if (!r.current) return false;
  const facts::KernelVersion kernel = advice.host.kernel_version;
  return kernel.major == 0 || facts::knob_exists_on(r.knob, kernel);
}

// What the files set: every change the host can take, with every member of its group (a member
// that cannot be emitted drops the whole group).
struct Emission {
  std::vector<const Recommendation*> settings;
  std::vector<std::string> withheld;  // one comment line each
};

Emission emission(const Advice& advice) {
  Emission out;
  std::vector<std::string> groups;
  for (const Recommendation& r : advice.recommendations) {
    if (r.change && !r.group.empty() &&
        std::find(groups.begin(), groups.end(), r.group) == groups.end())
      groups.push_back(r.group);
  }
  auto group_ok = [&](const std::string& group) {
    return std::all_of(
        advice.recommendations.begin(), advice.recommendations.end(),
        [&](const Recommendation& r) { return r.group != group || emittable(advice, r); });
  };
  for (const Recommendation& r : advice.recommendations) {
    const bool grouped =
        !r.group.empty() && std::find(groups.begin(), groups.end(), r.group) != groups.end();
    if (!r.change && !grouped) continue;
    if (grouped && !group_ok(r.group)) {
      out.withheld.push_back(
          fmt::format("{} = {} is not set: its group {} cannot be set whole on "
                      "this host",
                      r.knob, r.recommended, r.group));
      continue;
    }
    if (!emittable(advice, r)) {
      out.withheld.push_back(fmt::format("{} is not set: this kernel ({}) does not have it", r.knob,
                                         advice.host.kernel));
      continue;
    }
    out.settings.push_back(&r);
  }
  return out;
}

// "/sys/kernel/mm/transparent_hugepage/defrag" for thp.defrag.
std::string sysfs_path(const Recommendation& r) {
  auto knob = facts::find_knob(r.knob);
  return knob ? "/" + knob->path : r.knob;
}

std::string one_line(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  return text;
}

// One comment line (no newlines inside), for every format; the partner of a group says so.
std::string comment(const Recommendation& r) {
  std::string text = fmt::format("{} [{}]: was {}; {} confidence; {}", r.knob, r.id,
                                 r.current.value_or("absent"), to_string(r.confidence), r.summary);
  if (!r.change) text += fmt::format(" (unchanged, set with its group {})", r.group);
  return "# " + one_line(std::move(text)) + "\n";
}

// Where the host sets this knob at boot, when that matters for the file at hand.
std::string boot_note(const Recommendation& r) {
  if (!r.persisted) return {};
  const facts::PersistedSetting& p = *r.persisted;
  if (p.stage == "tuned-reapply" && !p.file.starts_with("/etc/sysctl.d/") &&
      !p.file.starts_with("/run/sysctl.d/")) {
    return fmt::format("# {} sets {} and tuned re-applies it last: change it there too\n", p.file,
                       p.value);
  }
  if (p.stage == "tuned") {
    return fmt::format("# tuned sets {} at boot ({}:{}): keep the profile in agreement\n", p.value,
                       p.file, p.line);
  }
  return fmt::format("# at boot {}:{} sets {} ({})\n", p.file, p.line, p.value, p.stage);
}

std::string header(const Advice& advice, std::string_view what) {
  return fmt::format(
      "# {} written by `mmtune advise` for profile {} on kernel {} ({} RAM).\n"
      "# Every setting below follows a comment with its rule id, old value and the reason; the "
      "full reasoning is in `mmtune advise --profile {} --format md`.\n",
      what, advice.profile, advice.host.kernel, facts::format_bytes(advice.host.mem_total_bytes),
      advice.profile);
}

std::string withheld_lines(const Emission& e) {
  std::string out;
  for (const std::string& line : e.withheld) out += "# " + line + "\n";
  return out;
}

std::string thp_how(const Advice& advice, const Recommendation& r) {
  if (r.knob != "thp.enabled") return "use --emit tuned or --emit systemd";
  if (advice.persist.cmdline_thp) {
    return fmt::format(
        "the kernel command line sets transparent_hugepage={}: change it there "
        "(GRUB_CMDLINE_LINUX) to transparent_hugepage={}, or use --emit systemd",
        *advice.persist.cmdline_thp, r.recommended);
  }
  return fmt::format(
      "use --emit tuned or --emit systemd, or transparent_hugepage={} on the "
      "kernel command line",
      r.recommended);
}

}  // namespace

std::string render_sysctl(const Advice& advice) {
  const std::string name = advice.persist.sysctl_file;
  std::string out = header(advice, "sysctl.d file");
  out += fmt::format(
      "# Apply: copy to /etc/sysctl.d/{0} (the name sorts after every sysctl.d file that sets the "
      "same knobs, so it wins at boot) and run `sysctl -p /etc/sysctl.d/{0}`.\n"
      "# Revert: delete the file and write back the old values named in the comments.\n",
      name);
  const Emission e = emission(advice);
  out += withheld_lines(e);
  bool any = false;
  for (const Recommendation* r : e.settings) {
    if (!is_sysctl(*r)) continue;
    out += "\n" + comment(*r) + boot_note(*r);
    if (r->knob == "vm.dirty_bytes" || r->knob == "vm.dirty_background_bytes") {
      out +=
          fmt::format("# (writing {} sets {} to 0: the kernel keeps one of each pair)\n", r->knob,
                      r->knob == "vm.dirty_bytes" ? "vm.dirty_ratio" : "vm.dirty_background_ratio");
    }
    out += fmt::format("{} = {}\n", r->knob, r->recommended);
    any = true;
  }
  for (const Recommendation* r : e.settings) {
    if (is_sysctl(*r)) continue;
    out += "\n" + comment(*r);
    out += fmt::format("# not a sysctl: {} ← {} ({})\n", sysfs_path(*r), r->recommended,
                       thp_how(advice, *r));
  }
  if (!any) out += "\n# no sysctl changes for this profile\n";
  return out;
}

std::string render_tuned(const Advice& advice) {
  std::string out = header(advice, "tuned profile");
  out += "# Install: /etc/tuned/mmtune-" + advice.profile +
         "/tuned.conf, then `tuned-adm profile mmtune-" + advice.profile + "`.\n";
  const Emission e = emission(advice);
  out += withheld_lines(e);
  out += fmt::format("\n[main]\nsummary=mmtune advice for profile {} on kernel {}\n",
                     advice.profile, advice.host.kernel);
  if (!advice.persist.tuned_profiles.empty()) {
    std::string names;
    for (const std::string& p : advice.persist.tuned_profiles)
      names += (names.empty() ? "" : ",") + p;
    out += "# the active profile stays in force: this one only adds the advice on top of it\n";
    out += "include=" + names + "\n";
  }
  std::string sysctl, vm, sysfs;
  for (const Recommendation* r : e.settings) {
    if (is_sysctl(*r)) {
      sysctl += comment(*r) + boot_note(*r) + fmt::format("{}={}\n", r->knob, r->recommended);
    } else if (r->knob == "thp.enabled" && !advice.persist.cmdline_thp) {
      // tuned's [vm] plugin writes THP enabled unless transparent_hugepage= is on the kernel
      // command line.
      vm += comment(*r) + fmt::format("transparent_hugepages={}\n", r->recommended);
    } else if (r->knob == "thp.enabled") {
      sysfs += comment(*r) +
               fmt::format(
                   "# transparent_hugepage={} is on the kernel command line, so tuned's "
                   "[vm] would ignore this; [sysfs] writes it after boot\n",
                   *advice.persist.cmdline_thp) +
               fmt::format("{}={}\n", sysfs_path(*r), r->recommended);
    } else {
      sysfs += comment(*r) + fmt::format("{}={}\n", sysfs_path(*r), r->recommended);
    }
  }
  if (!sysctl.empty()) out += "\n[sysctl]\n" + sysctl;
  if (!vm.empty()) out += "\n[vm]\n" + vm;
  if (!sysfs.empty()) out += "\n[sysfs]\n" + sysfs;
  if (sysctl.empty() && vm.empty() && sysfs.empty()) out += "\n# no changes for this profile\n";
  return out;
}

std::string render_systemd(const Advice& advice) {
  std::string out = header(advice, "systemd unit");
  out +=
      "# Install: /etc/systemd/system/mmtune-thp.service, then `systemctl daemon-reload && "
      "systemctl enable --now mmtune-thp.service`.\n"
      "# It writes the THP files at every boot; revert with `systemctl disable mmtune-thp` and the "
      "old values in the comments.\n";
  const Emission e = emission(advice);
  out += withheld_lines(e);
  out +=
      "\n[Unit]\nDescription=mmtune: transparent huge page settings\nDefaultDependencies=no\n"
      "After=sysinit.target local-fs.target\nBefore=basic.target\n\n[Service]\nType=oneshot\n";
  bool any = false;
  for (const Recommendation* r : e.settings) {
    if (is_sysctl(*r)) continue;
    out += comment(*r);
    out += fmt::format("ExecStart=/bin/sh -c 'echo {} > {}'\n", r->recommended, sysfs_path(*r));
    any = true;
  }
  if (!any) out += "# no THP changes for this profile\nExecStart=/bin/true\n";
  out += "\n[Install]\nWantedBy=basic.target\n";
  return out;
}

std::string render_auto(const Advice& advice, std::string& kind_out) {
  if (!advice.persist.tuned_profiles.empty()) {
    kind_out = "tuned";
    return render_tuned(advice);
  }
  kind_out = "sysctl";
  return render_sysctl(advice);
}

}  // namespace mmtune::advisor
