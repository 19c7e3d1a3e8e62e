// The sampler: resolves which line holds which counter in /proc/vmstat, /proc/zoneinfo, the PSI
// file, /proc/PID/stat and a memory cgroup's files, then re-reads them after the kernel changed
// their shape. Input: the tree at construction, then (after a \x03) the files written over it
// before two samples.
#include "probes/sampler.hpp"

#include "fuzz.hpp"
#include "probes/readers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static mmtune::fuzz::HostTree tree;
  std::string_view text = mmtune::fuzz::as_text(data, size);
  size_t cut = text.find('\x03');
  tree.reset(text.substr(0, cut));
  const mmtune::probes::HostFs fs(tree.root());
  mmtune::fuzz::refused_cleanly(
      {mmtune::ErrorKind::internal, mmtune::ErrorKind::unsupported, mmtune::ErrorKind::bad_input},
      [&] {
        mmtune::probes::SamplerTarget target{.pid = 1, .cgroup = std::nullopt};
        mmtune::facts::CgroupMemory own = mmtune::probes::read_own_cgroup(fs);
        if (own.version != 0) target.cgroup = own.path;
        mmtune::probes::Sampler sampler(fs, target);
        mmtune::probes::Sample sample;
        sampler.sample(sample);
        if (cut != std::string_view::npos) tree.overwrite(text.substr(cut + 1));
        sampler.sample(sample);
        sampler.sample(sample);
      });
  return 0;
}
