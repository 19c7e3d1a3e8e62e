// /proc/self/mountinfo: where each cgroup hierarchy and tracefs are mounted.
#include "fuzz.hpp"
#include "probes/parsers.hpp"
#include "probes/tracefs.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::probes::parse_cgroup_mount(text, 1);
  mmtune::probes::parse_cgroup_mount(text, 2);
  mmtune::probes::tracefs_mount_point(text);
  return 0;
}
