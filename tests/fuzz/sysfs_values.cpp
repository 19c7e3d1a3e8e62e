// One-value files: a sysfs choice ("always [madvise] never"), the kernel release.
#include "fuzz.hpp"
#include "probes/parsers.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = mmtune::fuzz::as_text(data, size);
  mmtune::probes::parse_bracketed_choice(text);
  mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::internal},
                                [&] { mmtune::probes::parse_kernel_release(text); });
  return 0;
}
