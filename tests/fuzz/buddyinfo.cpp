// /proc/buddyinfo.
#include "fuzz.hpp"
#include "probes/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::internal},
                                [&] { mmtune::probes::parse_buddyinfo(text); });
  return 0;
}
