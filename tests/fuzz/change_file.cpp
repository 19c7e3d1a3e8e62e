// What `mmtune apply FILE` reads: advice JSON or a sysctl.d file.
#include "advisor/change_file.hpp"

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input},
                                [&] { mmtune::advisor::parse_change_file(text, "changes.conf"); });
  return 0;
}
