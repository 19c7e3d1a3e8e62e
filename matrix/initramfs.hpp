#pragma once
// Builds the guest's initramfs for one kernel: busybox (a shell, insmod, mount, poweroff), this
// very mmtune binary with its shared-library closure (from ldd; Debian's libfmt is shared-only),
// the kernel's virtio, ext4 and loop modules in dependency order (from `depmod -n`; decompressed on
// the host because busybox insmod cannot read .ko.xz), mkfs.ext4, and the generated /init.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "matrix/kernels.hpp"

namespace mmtune::matrix {

// virtio_pci and virtio_blk for the disk, ext4 to mount it. Built-in ones are skipped.
inline const std::vector<std::string> kGuestModules = {"virtio_pci", "virtio_blk", "ext4"};
// Loaded where the kernel has them: loop for the slow device of dirty-flood (which also needs
// mkfs.ext4: the image carries the host's, with its libraries).
inline const std::vector<std::string> kOptionalGuestModules = {"loop"};

struct ImageInputs {
  std::vector<std::string> command;  // mmtune's arguments inside the guest (without the binary)
  int command_timeout_s = 240;
  std::filesystem::path mmtune_binary;  // the running binary, /proc/self/exe
  std::optional<double> stop_after_s;   // see InitPlan
  std::string stop_signal = "KILL";
};

struct GuestImage {
  std::vector<std::string> modules_loaded;   // module names in insmod order
  std::vector<std::string> modules_builtin;  // wanted modules the kernel has built in
  uint64_t bytes = 0;
};

// The libraries `ldd` lists ("libc.so.6 => /lib/…" and the loader line); empty for a static binary.
std::vector<std::string> parse_ldd(std::string_view ldd_output);

// Writes the archive to `out`. Throws Error{unsupported} naming what is missing (a module the
// kernel has neither built in nor shipped, busybox, ldd, depmod).
GuestImage build_initramfs(const Kernel& kernel, const ImageInputs& inputs,
                           const std::filesystem::path& out);

}  // namespace mmtune::matrix
