#pragma once
// The advice as files that make it stick: a sysctl.d file, a tuned profile, a systemd unit for the
// THP files, or whichever of these sticks on this host. Each carries a comment before every setting
// saying what it was and why it changes, so whoever reads /etc later knows where each line came
// from.
//
// Every rendering holds two rules: a knob this host's kernel lacks is never emitted (the knob
// table's first version, and the host having the file), and the settings of a group
// ("overcommit-strict": overcommit_memory 2 with its limit) are emitted all together or not at
// all.
#include <string>
#include <string_view>

#include "advisor/advice.hpp"

namespace mmtune::advisor {

// A file for /etc/sysctl.d (`sysctl -p FILE` reads it): one "name = value" line per sysctl that
// changes, each after a comment with the old value and the reason; named (in its header) so that
// it sorts after every sysctl.d file that sets the same knobs. THP is not a sysctl: its changes
// appear as comments saying how to make them.
std::string render_sysctl(const Advice& advice);
// A tuned profile (tuned.conf): [main] with include= of the active profile when tuned is active
// here, [sysctl] for the sysctls, [vm] transparent_hugepages for thp.enabled (unless the kernel
// command line sets it, which tuned leaves alone), [sysfs] for the other THP files.
std::string render_tuned(const Advice& advice);
// A systemd unit that writes the THP files at every boot, for hosts without tuned.
std::string render_systemd(const Advice& advice);
// The form that sticks here: the tuned profile when tuned is active and enabled, else the
// sysctl.d file. Names it in kind_out ("tuned" or "sysctl").
std::string render_auto(const Advice& advice, std::string& kind_out);

}  // namespace mmtune::advisor
