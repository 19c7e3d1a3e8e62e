// What `mmtune report FILE` reads: any document mmtune writes (result, scenario, tune, sweep,
// check, advice, host), recognised by its schema.
#include "fuzz.hpp"
#include "report/input.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input},
                                [&] { mmtune::report::read_report_input(text); });
  return 0;
}
