// The scenario `mmtune advise --from FILE` takes its evidence from (mmtune.scenario/1, or the
// "scenario" of a tune document), then the advice made from it.
#include "advisor/scenario.hpp"

#include <nlohmann/json.hpp>
#include <optional>

#include "advisor/advice.hpp"
#include "advisor/profile.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const mmtune::advisor::Profile profile = mmtune::advisor::load_profile("general");
  nlohmann::json j = nlohmann::json::parse(mmtune::fuzz::as_text(data, size), nullptr, false);
  if (j.is_discarded()) return 0;  // advise refuses it before this reader sees it
  if (j.is_object() && j.contains("scenario") && j["scenario"].is_object()) j = j["scenario"];
  std::optional<mmtune::advisor::ScenarioRun> run;
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input},
                                [&] { run = mmtune::advisor::scenario_from_json(j); });
  // The model may find the recorded host lacking (no vm.min_free_kbytes): unsupported, exit 3,
  // as for a recorded host tree.
  if (run)
    mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input, mmtune::ErrorKind::unsupported},
                                  [&] { mmtune::advisor::advise(run->facts, profile, &*run); });
  return 0;
}
