#include "matrix/modules.hpp"

#include <gtest/gtest.h>

namespace mmtune::matrix {
namespace {

// The shape of `depmod -n` on Debian's 6.1 cloud kernel (trimmed).
constexpr std::string_view kDepmod61 =
    R"(kernel/drivers/virtio/virtio_pci.ko: kernel/drivers/virtio/virtio_pci_legacy_dev.ko kernel/drivers/virtio/virtio_pci_modern_dev.ko kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/drivers/virtio/virtio_pci_legacy_dev.ko:
kernel/drivers/virtio/virtio_pci_modern_dev.ko:
kernel/drivers/virtio/virtio.ko:
kernel/drivers/virtio/virtio_ring.ko: kernel/drivers/virtio/virtio.ko
kernel/drivers/block/virtio_blk.ko: kernel/drivers/virtio/virtio.ko kernel/drivers/virtio/virtio_ring.ko
kernel/fs/jbd2/jbd2.ko:
kernel/fs/ext4/ext4.ko: kernel/lib/crc16.ko kernel/fs/mbcache.ko kernel/fs/jbd2/jbd2.ko
kernel/lib/crc16.ko:
kernel/fs/mbcache.ko:
kernel/crypto/crc32c_generic.ko:
# Aliases extracted from modules themselves.
alias virtio:d00000002v* virtio_blk
# Soft dependencies extracted from modules themselves.
softdep ext4 pre: crc32c
softdep virtio_blk pre: missing_helper
)";

size_t position(const std::vector<std::string>& paths, std::string_view name) {
  for (size_t i = 0; i < paths.size(); ++i) {
    if (module_name(paths[i]) == name) return i;
  }
  return paths.size();
}

TEST(Modules, NamesNormaliseDashesAndCompression) {
  EXPECT_EQ(module_name("kernel/drivers/block/virtio-blk.ko.xz"), "virtio_blk");
  EXPECT_EQ(module_name("crc32c_generic.ko"), "crc32c_generic");
  EXPECT_EQ(module_name("ext4"), "ext4");
}

TEST(Modules, DependenciesLoadBeforeTheirUsers) {
  ModuleIndex index = parse_module_index(kDepmod61, "kernel/fs/ext4/ext4.ko\n");
  ModulePlan plan = plan_module_loads(index, {"virtio_pci", "virtio_blk"});
  ASSERT_EQ(plan.load_paths.size(), 6u);
  EXPECT_TRUE(plan.missing.empty());
  EXPECT_LT(position(plan.load_paths, "virtio"), position(plan.load_paths, "virtio_ring"));
  EXPECT_LT(position(plan.load_paths, "virtio_ring"), position(plan.load_paths, "virtio_pci"));
  EXPECT_LT(position(plan.load_paths, "virtio_pci_modern_dev"),
            position(plan.load_paths, "virtio_pci"));
  EXPECT_LT(position(plan.load_paths, "virtio_pci_legacy_dev"),
            position(plan.load_paths, "virtio_pci"));
  EXPECT_EQ(module_name(plan.load_paths.back()), "virtio_blk");
  // Each module once, even though both want virtio.
  EXPECT_EQ(position(plan.load_paths, "virtio"), 0u);
}

TEST(Modules, BuiltInModulesAreNotLoaded) {
  ModuleIndex index = parse_module_index(
      kDepmod61, "kernel/fs/ext4/ext4.ko\nkernel/drivers/virtio/virtio_pci.ko\n");
  ModulePlan plan = plan_module_loads(index, {"virtio_pci", "ext4"});
  EXPECT_TRUE(plan.load_paths.empty());
  EXPECT_EQ(plan.builtin, (std::vector<std::string>{"virtio_pci", "ext4"}));
}

TEST(Modules, SoftDependenciesLoadFirstWhenPresentAndAreOptional) {
  ModuleIndex index =
      parse_module_index(std::string(kDepmod61) + "softdep crc32c pre: crc32c_generic\n", "");
  ModulePlan plan = plan_module_loads(index, {"ext4", "virtio_blk"});
  EXPECT_TRUE(plan.missing.empty()) << "missing_helper is only a soft dependency";
  EXPECT_LT(position(plan.load_paths, "crc16"), position(plan.load_paths, "ext4"));
  EXPECT_LT(position(plan.load_paths, "jbd2"), position(plan.load_paths, "ext4"));
}

TEST(Modules, MissingModulesAreReported) {
  ModuleIndex index = parse_module_index(kDepmod61, "");
  ModulePlan plan = plan_module_loads(index, {"virtio_blk", "nvme"});
  EXPECT_EQ(plan.missing, (std::vector<std::string>{"nvme"}));
}

}  // namespace
}  // namespace mmtune::matrix
