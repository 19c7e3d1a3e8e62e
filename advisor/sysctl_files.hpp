#pragma once
// The advice as files that make it stick: a sysctl.d file and a tuned profile. Each carries a
// comment before every setting saying what it was and why it changes, so whoever reads
// /etc/sysctl.d later knows where each line came from.
#include <string>

#include "advisor/advice.hpp"

namespace mmtune::advisor {

// A file for /etc/sysctl.d (`sysctl -p FILE` reads it): one "name = value" line per sysctl that
// changes, each after a comment with the old value and the reason. THP is not a sysctl: its
// changes appear as comments saying how to make them.
std::string render_sysctl(const Advice& advice);
// A tuned profile (tuned.conf): [main] summary, [sysctl] for the sysctls, [vm]
// transparent_hugepages for thp.enabled, [sysfs] for the other THP files; a comment per line.
std::string render_tuned(const Advice& advice);

}  // namespace mmtune::advisor
