// /proc/meminfo and the other "Key:  123 kB" files (/proc/PID/status, smaps_rollup, a node's
// meminfo).
#include "fuzz.hpp"
#include "probes/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::internal},
                                [&] { mmtune::probes::parse_meminfo(text); });
  mmtune::probes::parse_colon_kib(text);
  return 0;
}
