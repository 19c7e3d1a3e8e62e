#pragma once
// The kernel's initramfs format: an uncompressed "newc" cpio archive (SVR4 with no CRC; see the
// kernel's Documentation/driver-api/early-userspace/buffer-format.rst). Writing it here needs no
// root (device nodes are just header fields) and no cpio program, and the kernel unpacks an
// uncompressed archive as fast as it can copy it.
#include <cstdint>
#include <filesystem>
#include <ostream>
#include <set>
#include <string>
#include <string_view>

namespace mmtune::matrix {

class CpioWriter {
 public:
  explicit CpioWriter(std::ostream& out) : out_(out) {}

  // Paths are archive paths ("bin/busybox", no leading slash needed). Missing parent directories
  // are added first, as the kernel needs them before their entries.
  void add_directory(std::string_view path, uint32_t mode = 0755);
  void add_file(std::string_view path, std::string_view content, uint32_t mode = 0644);
  // Copies a host file's bytes (following symlinks) under the archive path.
  void add_host_file(std::string_view path, const std::filesystem::path& host_file, uint32_t mode);
  void add_symlink(std::string_view path, std::string_view target);
  void add_char_device(std::string_view path, uint32_t major, uint32_t minor, uint32_t mode = 0600);
  // Writes the TRAILER!!! entry; the archive is complete after this.
  void finish();

  bool contains(std::string_view path) const;

 private:
  void add_parents(const std::string& path);
  void write_entry(const std::string& path, uint32_t mode, std::string_view data,
                   uint32_t rdev_major = 0, uint32_t rdev_minor = 0);

  std::ostream& out_;
  uint64_t written_ = 0;
  uint32_t next_inode_ = 1;
  std::set<std::string, std::less<>> names_;
};

}  // namespace mmtune::matrix
