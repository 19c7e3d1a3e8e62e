#pragma once
// Which kernel modules a guest must insmod, and in which order. The .deb ships no modules.dep, so
// `depmod -n -b ROOT KVER` prints it (with softdeps and aliases) without writing anything; these
// parsers read that output and modules.builtin. Pure: tested on text.
#include <map>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::matrix {

struct ModuleIndex {
  std::map<std::string, std::string, std::less<>>
      path_of;  // "virtio_pci" → "kernel/drivers/virtio/virtio_pci.ko"
  std::map<std::string, std::vector<std::string>, std::less<>>
      depends;  // as modules.dep lists them
  std::map<std::string, std::vector<std::string>, std::less<>>
      softdep_pre;                             // "softdep ext4 pre: crc32c"
  std::set<std::string, std::less<>> builtin;  // from modules.builtin
};

// "kernel/drivers/block/virtio-blk.ko.xz" → "virtio_blk" (the kernel treats - and _ alike).
std::string module_name(std::string_view path);

// depmod_output: modules.dep lines ("path: dep dep") and "softdep NAME pre: … post: …" lines,
// as `depmod -n` prints them; other lines (aliases, symbols, comments) are ignored.
ModuleIndex parse_module_index(std::string_view depmod_output, std::string_view modules_builtin);

struct ModulePlan {
  std::vector<std::string> load_paths;  // relative paths in insmod order: dependencies first
  std::vector<std::string> builtin;     // wanted modules compiled into the kernel
  std::vector<std::string> missing;  // wanted modules the kernel has neither built in nor as a file
};

// Dependencies come before the modules that need them; soft "pre:" dependencies are loaded when
// the kernel has them and skipped when not (crc32c on a kernel that builds it in, say).
ModulePlan plan_module_loads(const ModuleIndex& index, const std::vector<std::string>& wanted);

}  // namespace mmtune::matrix
