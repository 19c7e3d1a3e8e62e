#include "matrix/kernels.hpp"

#include <gtest/gtest.h>

#include <fstream>

#include "facts/error.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::matrix {
namespace {

TEST(DebianQuery, VersionedFlavourTriesTheVersionedMetaPackageFirst) {
  DebianQuery query = debian_query("6.12-cloud");
  EXPECT_EQ(query.meta_packages,
            (std::vector<std::string>{"linux-image-6.12-cloud-amd64", "linux-image-cloud-amd64"}));
  EXPECT_EQ(query.version, "6.12");
  EXPECT_EQ(query.flavour, "cloud");
}

TEST(DebianQuery, StandardFlavourAndBareFlavour) {
  EXPECT_EQ(debian_query("6.1").meta_packages,
            (std::vector<std::string>{"linux-image-6.1-amd64", "linux-image-amd64"}));
  EXPECT_EQ(debian_query("cloud").meta_packages,
            (std::vector<std::string>{"linux-image-cloud-amd64"}));
  EXPECT_EQ(debian_query("linux-image-6.1.0-56-cloud-amd64").exact_package,
            "linux-image-6.1.0-56-cloud-amd64");
}

TEST(DebianQuery, MalformedNamesAreBadInput) {
  for (const char* name : {"", "6.1-", "-cloud", "6.1 cloud", "6..1", "CLOUD", "6.1-cloud;rm"}) {
    try {
      debian_query(name);
      ADD_FAILURE() << "accepted \"" << name << "\"";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input);
      EXPECT_NE(std::string(e.what()).find("--kernel"), std::string::npos);
    }
  }
}

TEST(DebianQuery, AptDependsGivesTheImagePackage) {
  EXPECT_EQ(
      parse_apt_depends("linux-image-cloud-amd64\n  Depends: linux-image-6.1.0-56-cloud-amd64\n"),
      "linux-image-6.1.0-56-cloud-amd64");
  EXPECT_EQ(parse_apt_depends(
                "x\n  Depends: linux-base\n |Depends: linux-image-6.12.117+deb12-cloud-amd64\n"),
            "linux-image-6.12.117+deb12-cloud-amd64");
  EXPECT_EQ(parse_apt_depends("x\n  Depends: linux-image-cloud-amd64-dbg\n"), std::nullopt);
}

TEST(DebianQuery, PackageMustMatchVersionAndFlavour) {
  DebianQuery cloud61 = debian_query("6.1-cloud");
  EXPECT_TRUE(package_fits("linux-image-6.1.0-56-cloud-amd64", cloud61));
  EXPECT_FALSE(package_fits("linux-image-6.12.117+deb12-cloud-amd64", cloud61))
      << "6.12 is not 6.1";
  EXPECT_FALSE(package_fits("linux-image-6.1.0-56-amd64", cloud61)) << "standard flavour";
  EXPECT_FALSE(package_fits("linux-image-6.1.0-56-cloud-amd64-unsigned", cloud61));
  DebianQuery standard = debian_query("6.12");
  EXPECT_TRUE(package_fits("linux-image-6.12.117+deb12-amd64", standard));
  EXPECT_FALSE(package_fits("linux-image-6.12.117+deb12-cloud-amd64", standard));
}

TEST(KernelRequest, LocalImageWithModulesDirectory) {
  test::TempDir dir;
  std::ofstream(dir.path() / "vmlinuz") << "x";
  std::filesystem::create_directories(dir.path() / "lib/modules/6.9.0-test");
  KernelRequest request = parse_kernel_request((dir.path() / "vmlinuz").string() + ":" +
                                               (dir.path() / "lib/modules/6.9.0-test/").string());
  EXPECT_FALSE(request.is_debian());
  EXPECT_EQ(request.modules_dir.filename(), "6.9.0-test");
  EXPECT_THROW(parse_kernel_request((dir.path() / "nope").string()), Error);
  EXPECT_THROW(parse_kernel_request((dir.path() / "vmlinuz").string() + ":/nonexistent"), Error);
  EXPECT_TRUE(parse_kernel_request("debian:6.1-cloud").is_debian());
}

// Found by tests/fuzz/matrix_kernel: a --kernel path longer than the kernel accepts threw
// std::filesystem_error out (exit 4, "internal error") instead of the bad-input line.
TEST(KernelRequest, ANameTooLongIsBadInputNotAnInternalError) {
  const std::string long_name(5000, 'l');
  // The image itself, and the modules directory after an image that exists.
  for (const std::string& text : {long_name, "/proc/self/exe:" + long_name}) {
    try {
      parse_kernel_request(text);
      FAIL() << "accepted";
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input);
      EXPECT_EQ(std::string(e.what()).rfind("--kernel: ", 0), 0u) << e.what();
    }
  }
}

TEST(KernelRequest, BzImageReleaseFromTheSetupHeader) {
  test::TempDir dir;
  std::string image(0x600, '\0');
  image.replace(0x202, 4, "HdrS");
  image[0x20E] = 0x00;  // version string at 0x200 + 0x300
  image[0x20F] = 0x03;
  image.replace(0x500, 41, "6.1.0-56-cloud-amd64 (debian-kernel@list)");
  std::ofstream(dir.path() / "bz", std::ios::binary) << image;
  EXPECT_EQ(read_bzimage_release(dir.path() / "bz"), "6.1.0-56-cloud-amd64");
  std::ofstream(dir.path() / "text") << "not a kernel";
  EXPECT_EQ(read_bzimage_release(dir.path() / "text"), std::nullopt);
}

}  // namespace
}  // namespace mmtune::matrix
