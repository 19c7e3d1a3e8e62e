// One line of trace_pipe: a balance_dirty_pages event (dirty-flood's throttling trace).
#include "probes/tracefs.hpp"

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mmtune::probes::parse_balance_dirty_pages(mmtune::fuzz::as_text(data, size));
  return 0;
}
