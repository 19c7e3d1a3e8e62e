// A profile (profiles/*.json or `--profile FILE`).
#include "advisor/profile.hpp"

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input},
                                [&] { mmtune::advisor::parse_profile(text, "profile.json"); });
  return 0;
}
