// The kernel log (/dev/kmsg records or dmesg lines): OOM kills and the memory cgroup they hit.
#include "workloads/kernel_log.hpp"

#include "fuzz.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  mmtune::workloads::parse_oom_kills(mmtune::fuzz::as_text(data, size));
  return 0;
}
