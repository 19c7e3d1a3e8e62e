// NUMA files: /proc/PID/numa_maps, a node's cpulist (and /sys/devices/system/cpu/online).
#include "fuzz.hpp"
#include "probes/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::probes::parse_numa_maps(text);
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::internal},
                                [&] { mmtune::probes::parse_cpulist(text); });
  return 0;
}
