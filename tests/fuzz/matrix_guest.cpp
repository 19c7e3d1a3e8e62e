// What `mmtune matrix` reads back from a guest and from the kernel package: the result channel's
// frames, `depmod -n` output with modules.builtin (then the load order for the modules the guest
// needs), and `ldd` output. Input: the three texts (and modules.builtin) separated by \x01.
#include "fuzz.hpp"
#include "matrix/guest.hpp"
#include "matrix/initramfs.hpp"
#include "matrix/modules.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  auto parts = mmtune::fuzz::split(mmtune::fuzz::as_text(data, size), '\x01');
  parts.resize(4);
  mmtune::matrix::parse_channel(parts[0]);
  mmtune::matrix::ModuleIndex index = mmtune::matrix::parse_module_index(parts[1], parts[2]);
  mmtune::matrix::plan_module_loads(index, {"virtio_pci", "virtio_blk", "ext4", "loop"});
  mmtune::matrix::parse_ldd(parts[3]);
  return 0;
}
