#pragma once
// What the host applies again at every boot, read through HostFs so a recorded host (--root)
// carries its /etc too. The assignments come out in boot order; for a knob the last one is the
// value it will have after a reboot. docs/advice.md ("Persisted settings") lists the sources;
// in short:
//
//   1. the kernel command line: transparent_hugepage=, and sysctl.<name>= (5.8+);
//   2. systemd-sysctl (sysctl.d(5)): *.conf in /etc/sysctl.d, /run/sysctl.d,
//      /usr/local/lib/sysctl.d, /usr/lib/sysctl.d, /lib/sysctl.d — a name in an earlier
//      directory hides the same name in a later one; all files by name, later lines win.
//      /etc/sysctl.conf only through the usual /etc/sysctl.d/99-sysctl.conf symlink;
//   3. tuned, when its service is enabled (or running): the active profile(s) with their
//      include= chain resolved (parents first, the profile's own options win); [sysctl], then
//      — unless tuned-main.conf says reapply_sysctl = 0 — tuned re-applies /run/sysctl.d,
//      /etc/sysctl.d and /etc/sysctl.conf, so those files win over tuned's own [sysctl]; [vm]
//      transparent_hugepages (ignored by tuned when the command line sets transparent_hugepage=),
//      transparent_hugepage.defrag and dirty_*; [sysfs] THP files; [bootloader] cmdline;
//   4. systemd units under /etc/systemd/system that echo a value into a THP file (the usual
//      "disable THP" unit).
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "facts/facts.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::probes {

// A "key = value" line of a sysctl.d file or an INI section; line is 1-based.
struct ConfLine {
  std::string key, value;
  int line = 0;
};

// sysctl.d(5) syntax: '#' and ';' start comments, a leading '-' (ignore errors) is dropped,
// '/' separates like '.', whitespace around '=' is insignificant.
std::vector<ConfLine> parse_sysctl_conf(std::string_view text);

// One section of an INI file (tuned.conf), its lines in file order.
struct IniSection {
  std::string name;
  std::vector<ConfLine> lines;
};
std::vector<IniSection> parse_ini(std::string_view text);

// The knob a sysctl key names ("vm.swappiness", "vm/swappiness"), or nullopt when the knob table
// does not know it.
std::optional<std::string> knob_of_sysctl(std::string_view key);

// Everything above, read from the host. cmdline is /proc/cmdline as the kernel facts hold it.
facts::Persistence read_persisted(const HostFs& fs, const std::optional<std::string>& cmdline);

// The last assignment of knob (its value after a reboot), or nullptr when nothing sets it.
const facts::PersistedSetting* boot_value(const facts::Persistence& persisted,
                                          std::string_view knob);

}  // namespace mmtune::probes
