// The baseline `mmtune check --baseline FILE` compares with (mmtune.baseline/1).
#include "compare/baseline.hpp"

#include <nlohmann/json.hpp>

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const nlohmann::json j = nlohmann::json::parse(mmtune::fuzz::as_text(data, size), nullptr, false);
  if (j.is_discarded()) return 0;  // read_baseline refuses it before this reader sees it
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input},
                                [&] { mmtune::compare::baseline_from_json(j, "base.json"); });
  return 0;
}
