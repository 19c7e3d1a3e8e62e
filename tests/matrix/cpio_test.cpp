#include "matrix/cpio.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <sstream>

#include "facts/error.hpp"
#include "matrix/process.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::matrix {
namespace {

std::string archive_of(const std::function<void(CpioWriter&)>& fill) {
  std::ostringstream out;
  CpioWriter cpio(out);
  fill(cpio);
  cpio.finish();
  return out.str();
}

TEST(Cpio, NewcHeaderFieldsAndPadding) {
  std::string bytes = archive_of([](CpioWriter& cpio) { cpio.add_file("init", "abc", 0755); });
  ASSERT_EQ(bytes.substr(0, 6), "070701");
  // mode of "init" is S_IFREG|0755, namesize 5 ("init\0"), filesize 3.
  EXPECT_EQ(bytes.substr(6 + 8, 8), "000081ED");
  EXPECT_EQ(bytes.substr(6 + 6 * 8, 8), "00000003");
  EXPECT_EQ(bytes.substr(6 + 11 * 8, 8), "00000005");
  EXPECT_EQ(bytes.substr(110, 5), std::string("init\0", 5));
  EXPECT_EQ(bytes.substr(116, 3), "abc");  // 110 + 5 = 115, padded to 116
  EXPECT_EQ(bytes.size() % 4, 0u);
  EXPECT_NE(bytes.find("TRAILER!!!"), std::string::npos);
}

TEST(Cpio, ParentsComeFirstAndDuplicatesAreRefused) {
  std::ostringstream out;
  CpioWriter cpio(out);
  cpio.add_file("lib/x86_64-linux-gnu/libc.so.6", "elf");
  EXPECT_TRUE(cpio.contains("lib"));
  EXPECT_TRUE(cpio.contains("/lib/x86_64-linux-gnu"));
  std::string text = out.str();
  EXPECT_LT(text.find(std::string("lib\0", 4)), text.find("lib/x86_64-linux-gnu/libc.so.6"));
  EXPECT_THROW(cpio.add_file("lib/x86_64-linux-gnu/libc.so.6", "again"), Error);
}

// An independent reader (busybox cpio) lists what we wrote, with types and sizes.
TEST(Cpio, BusyboxListsTheArchive) {
  if (!find_program("busybox")) GTEST_SKIP() << "busybox not installed (package busybox-static)";
  test::TempDir dir;
  std::string bytes = archive_of([](CpioWriter& cpio) {
    cpio.add_directory("proc");
    cpio.add_file("bin/tool", std::string(5000, 'x'), 0755);
    cpio.add_symlink("bin/sh", "busybox");
    cpio.add_char_device("dev/console", 5, 1);
  });
  std::ofstream(dir.path() / "a.cpio", std::ios::binary) << bytes;
  CommandResult listed =
      run_command({"busybox", "cpio", "-t", "-v", "-F", (dir.path() / "a.cpio").string()});
  ASSERT_EQ(listed.exit_code, 0) << listed.err;
  EXPECT_NE(listed.out.find("-rwxr-xr-x"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("5000"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("bin/sh -> busybox"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("crw-------"), std::string::npos) << listed.out;
  EXPECT_NE(listed.out.find("dev/console"), std::string::npos) << listed.out;
}

}  // namespace
}  // namespace mmtune::matrix
