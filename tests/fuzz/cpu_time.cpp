// /proc/stat's first line and /proc/PID/stat: the CPU time the governor tells others' load by.
#include "probes/cpu_time.hpp"

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::probes::parse_host_busy_seconds(text);
  mmtune::probes::parse_process_cpu(text);
  return 0;
}
