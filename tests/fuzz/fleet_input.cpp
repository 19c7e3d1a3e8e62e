// What `mmtune fleet` reads: any document mmtune writes, read for its identity, settings, advice,
// measurements and checks (fleet/read.cpp), then the analysis and the three renderings.
#include "fleet/fleet.hpp"
#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::fleet::Fleet fleet;
  if (!mmtune::fleet::add_document(fleet, text, "input")) return 0;
  const mmtune::fleet::FleetAnalysis analysis = mmtune::fleet::analyse(fleet);
  mmtune::fleet::render_fleet_html(analysis);
  mmtune::fleet::render_fleet_markdown(analysis);
  mmtune::fleet::fleet_to_json(analysis);
  return 0;
}
