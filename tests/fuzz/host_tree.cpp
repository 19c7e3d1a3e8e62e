// Every reader of a recorded host (`--root DIR`): the files of /proc and /sys that
// read_host_facts() reads, the own cgroup's files through mountinfo, a process's status,
// smaps_rollup and numa_maps, then what `mmtune host`, `advise` and `check` compute from them (the
// model, the advice for the general profile, the fingerprint).
#include "advisor/advice.hpp"
#include "advisor/profile.hpp"
#include "compare/fingerprint.hpp"
#include "fuzz.hpp"
#include "model/host_model.hpp"
#include "probes/readers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mmtune::fuzz::HostTree tree;
  static const mmtune::advisor::Profile profile = mmtune::advisor::load_profile("general");
  tree.reset(mmtune::fuzz::as_text(data, size));
  const mmtune::probes::HostFs fs(tree.root());
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::internal, mmtune::ErrorKind::unsupported}, [&] {
    mmtune::facts::HostFacts facts = mmtune::probes::read_host_facts(fs);
    mmtune::model::model_host(facts);
    mmtune::advisor::advise(facts, profile, nullptr);
  });
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::internal, mmtune::ErrorKind::bad_input},
                                [&] { mmtune::probes::read_process(fs, 1); });
  mmtune::fuzz::refused_cleanly(
      {mmtune::ErrorKind::internal, mmtune::ErrorKind::unsupported, mmtune::ErrorKind::bad_input},
      [&] { mmtune::compare::read_fingerprint(fs); });
  return 0;
}
