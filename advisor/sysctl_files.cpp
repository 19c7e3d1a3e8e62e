// sysctl.d and tuned files from the advice: only what changes, each line after its reason.
#include "advisor/sysctl_files.hpp"

#include <fmt/format.h>

#include "facts/knobs.hpp"
#include "facts/units.hpp"
#include "model/prediction.hpp"

namespace mmtune::advisor {
namespace {

bool is_sysctl(const Recommendation& r) { return !r.knob.starts_with("thp."); }

// "/sys/kernel/mm/transparent_hugepage/defrag" for thp.defrag.
std::string sysfs_path(const Recommendation& r) {
  auto knob = facts::find_knob(r.knob);
  return knob ? "/" + knob->path : r.knob;
}

// One comment line (no newlines inside), for both formats.
std::string comment(const Recommendation& r) {
  std::string text = fmt::format("{}: was {}; {} confidence; {}", r.knob,
                                 r.current.value_or("absent"), to_string(r.confidence), r.summary);
  for (char& c : text) {
    if (c == '\n') c = ' ';
  }
  return "# " + text + "\n";
}

std::string header(const Advice& advice, std::string_view what) {
  return fmt::format(
      "# {} written by `mmtune advise` for profile {} on kernel {} ({} RAM).\n"
      "# Every setting below follows a comment with its old value and the reason; the full "
      "reasoning is in `mmtune advise --profile {} --format md`.\n",
      what, advice.profile, advice.host.kernel, facts::format_bytes(advice.host.mem_total_bytes),
      advice.profile);
}

}  // namespace

std::string render_sysctl(const Advice& advice) {
  std::string out = header(advice, "sysctl.d file");
  out +=
      "# Apply: copy to /etc/sysctl.d/90-mmtune.conf and run `sysctl -p "
      "/etc/sysctl.d/90-mmtune.conf`.\n"
      "# Revert: delete the file and write back the old values named in the comments.\n";
  bool any = false;
  for (const Recommendation* r : advice.changes()) {
    if (!is_sysctl(*r)) continue;
    out += "\n" + comment(*r);
    if (r->knob == "vm.dirty_bytes" || r->knob == "vm.dirty_background_bytes") {
      out +=
          fmt::format("# (writing {} sets {} to 0: the kernel keeps one of each pair)\n", r->knob,
                      r->knob == "vm.dirty_bytes" ? "vm.dirty_ratio" : "vm.dirty_background_ratio");
    }
    out += fmt::format("{} = {}\n", r->knob, r->recommended);
    any = true;
  }
  for (const Recommendation* r : advice.changes()) {
    if (is_sysctl(*r)) continue;
    out += "\n" + comment(*r);
    out += fmt::format(
        "# not a sysctl: {} ← {} (use --emit tuned{})\n", sysfs_path(*r), r->recommended,
        r->knob == "thp.enabled"
            ? fmt::format(", or transparent_hugepage={} on the kernel command line", r->recommended)
            : "");
  }
  if (!any) out += "\n# no sysctl changes for this profile\n";
  return out;
}

std::string render_tuned(const Advice& advice) {
  std::string out = header(advice, "tuned profile");
  out += "# Install: /etc/tuned/mmtune-" + advice.profile +
         "/tuned.conf, then `tuned-adm profile mmtune-" + advice.profile + "`.\n";
  out += fmt::format("\n[main]\nsummary=mmtune advice for profile {} on kernel {}\n",
                     advice.profile, advice.host.kernel);
  std::string sysctl, vm, sysfs;
  for (const Recommendation* r : advice.changes()) {
    if (is_sysctl(*r)) {
      sysctl += comment(*r) + fmt::format("{}={}\n", r->knob, r->recommended);
    } else if (r->knob == "thp.enabled") {
      // tuned's [vm] plugin writes THP enabled unless transparent_hugepage= is on the kernel
      // command line.
      vm += comment(*r) + fmt::format("transparent_hugepages={}\n", r->recommended);
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

}  // namespace mmtune::advisor
