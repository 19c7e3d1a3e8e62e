#include "matrix/cpio.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <fstream>
#include <sstream>

#include "facts/error.hpp"

namespace mmtune::matrix {
namespace {

std::string normalise(std::string_view path) {
  while (path.starts_with('/')) path.remove_prefix(1);
  while (path.ends_with('/')) path.remove_suffix(1);
  return std::string(path);
}

}  // namespace

bool CpioWriter::contains(std::string_view path) const { return names_.contains(normalise(path)); }

void CpioWriter::add_parents(const std::string& path) {
  for (size_t slash = path.find('/'); slash != std::string::npos;
       slash = path.find('/', slash + 1)) {
    std::string parent = path.substr(0, slash);
    if (!names_.contains(parent)) write_entry(parent, S_IFDIR | 0755, {});
  }
}

void CpioWriter::add_directory(std::string_view path, uint32_t mode) {
  std::string name = normalise(path);
  if (names_.contains(name)) return;
  add_parents(name);
  write_entry(name, S_IFDIR | mode, {});
}

void CpioWriter::add_file(std::string_view path, std::string_view content, uint32_t mode) {
  std::string name = normalise(path);
  add_parents(name);
  write_entry(name, S_IFREG | mode, content);
}

void CpioWriter::add_host_file(std::string_view path, const std::filesystem::path& host_file,
                               uint32_t mode) {
  std::ifstream in(host_file, std::ios::binary);
  if (!in) fail(ErrorKind::internal, "initramfs: cannot read {}", host_file.string());
  std::ostringstream bytes;
  bytes << in.rdbuf();
  add_file(path, bytes.str(), mode);
}

void CpioWriter::add_symlink(std::string_view path, std::string_view target) {
  std::string name = normalise(path);
  add_parents(name);
  write_entry(name, S_IFLNK | 0777, target);
}

void CpioWriter::add_char_device(std::string_view path, uint32_t major, uint32_t minor,
                                 uint32_t mode) {
  std::string name = normalise(path);
  add_parents(name);
  write_entry(name, S_IFCHR | mode, {}, major, minor);
}

void CpioWriter::finish() {
  write_entry("TRAILER!!!", 0, {});
  out_.flush();
  if (!out_) fail(ErrorKind::internal, "initramfs: write failed");
}

void CpioWriter::write_entry(const std::string& path, uint32_t mode, std::string_view data,
                             uint32_t rdev_major, uint32_t rdev_minor) {
  if (path != "TRAILER!!!" && !names_.insert(path).second) {
    fail(ErrorKind::internal, "initramfs: {} added twice", path);
  }
  bool is_directory = (mode & S_IFMT) == S_IFDIR;
  // magic, ino, mode, uid, gid, nlink, mtime, filesize, devmajor, devminor, rdevmajor, rdevminor,
  // namesize (with the NUL), check: 13 fields of 8 hex digits.
  std::string header = fmt::format(
      "070701{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}{:08X}",
      path == "TRAILER!!!" ? 0 : next_inode_++, mode, 0, 0, is_directory ? 2 : 1, 0, data.size(), 0,
      0, rdev_major, rdev_minor, path.size() + 1, 0);
  auto pad = [this](uint64_t size) {
    static constexpr char kZeros[4] = {};
    out_.write(kZeros, std::streamsize((4 - size % 4) % 4));
    written_ += (4 - size % 4) % 4;
  };
  out_.write(header.data(), std::streamsize(header.size()));
  out_.write(path.c_str(), std::streamsize(path.size() + 1));
  written_ += header.size() + path.size() + 1;
  pad(written_);
  out_.write(data.data(), std::streamsize(data.size()));
  written_ += data.size();
  pad(written_);
}

}  // namespace mmtune::matrix
