// One workload's result document (mmtune.result/1), as `report` and a sweep read it back.
#include "workloads/result.hpp"

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input},
                                [&] { mmtune::workloads::result_from_json(text); });
  return 0;
}
