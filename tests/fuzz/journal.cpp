// A journal file left in the state directory (what `mmtune restore` undoes), and its header's
// owner pid.
#include "changes/journal.hpp"

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::changes::parse_journal(text);
  mmtune::changes::journal_owner_pid(text);
  return 0;
}
