// Values typed on the command line: sizes, durations, fractions, `model --set KNOB=VALUE` and
// `sweep --knob KNOB=V1,V2`.
#include "compare/sweep.hpp"
#include "facts/units.hpp"
#include "fuzz.hpp"
#include "model/what_if.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::facts::parse_size(text);
  mmtune::facts::parse_duration(text);
  mmtune::facts::parse_fraction(text);
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input},
                                [&] { mmtune::model::parse_knob_change(text); });
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input},
                                [&] { mmtune::compare::parse_knob_sweep(text); });
  return 0;
}
