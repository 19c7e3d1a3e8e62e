// Kernel package metadata for `mmtune matrix`: `apt-cache depends` output, the package name it
// yields against a debian:NAME query, a bzImage's setup header, and a --kernel argument. Input:
// the apt output, \x01, the query name, \x01, the image bytes.
#include <unistd.h>

#include <fstream>

#include "fuzz.hpp"
#include "matrix/kernels.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  static const std::filesystem::path image = [] {
    std::string pattern = (std::filesystem::temp_directory_path() / "mmtune-fuzz-XXXXXX").string();
    int fd = ::mkstemp(pattern.data());
    if (fd < 0) std::abort();
    ::close(fd);
    return std::filesystem::path(pattern);
  }();
  auto parts = mmtune::fuzz::split(mmtune::fuzz::as_text(data, size), '\x01');
  std::optional<std::string> package = mmtune::matrix::parse_apt_depends(parts[0]);
  if (parts.size() > 1) {
    mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input}, [&] {
      mmtune::matrix::DebianQuery query = mmtune::matrix::debian_query(parts[1]);
      if (package) mmtune::matrix::package_fits(*package, query);
    });
    mmtune::fuzz::refused_cleanly({mmtune::ErrorKind::bad_input},
                                  [&] { mmtune::matrix::parse_kernel_request(parts[1]); });
  }
  if (parts.size() > 2) {
    std::ofstream(image, std::ios::binary | std::ios::trunc) << parts[2];
    mmtune::matrix::read_bzimage_release(image);
  }
  return 0;
}
