// "key value" files: /proc/vmstat, memory.stat, memory.events, memory.oom_control, numastat.
#include "fuzz.hpp"
#include "probes/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mmtune::probes::parse_key_values(mmtune::fuzz::as_text(data, size));
  return 0;
}
