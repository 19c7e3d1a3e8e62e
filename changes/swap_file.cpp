#include "changes/swap_file.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/statvfs.h>
#include <sys/swap.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "changes/journal.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "workloads/params.hpp"

namespace mmtune::changes {
namespace {

constexpr uint64_t kPage = 4096;
constexpr uint64_t kSpareBytes = 1ull << 30;

void put_u32(std::vector<unsigned char>& page, size_t offset, uint32_t value) {
  std::memcpy(page.data() + offset, &value, sizeof value);  // native order, as the kernel reads it
}

}  // namespace

std::vector<unsigned char> swap_header(uint64_t bytes) {
  std::vector<unsigned char> page(kPage, 0);
  const uint64_t pages = bytes / kPage;
  put_u32(page, 1024, 1);                                             // version
  put_u32(page, 1028, static_cast<uint32_t>(pages ? pages - 1 : 0));  // last_page
  put_u32(page, 1032, 0);                                             // nr_badpages
  std::memcpy(page.data() + kPage - 10, "SWAPSPACE2", 10);
  return page;
}

TempSwap::TempSwap(Journal& journal, const std::filesystem::path& dir, uint64_t bytes)
    : bytes_(bytes / kPage * kPage) {
  if (bytes_ < kMinSwapBytes)
    fail(ErrorKind::bad_input, "--swap: {} is too small for a swap file",
         facts::format_size(bytes));
  struct statvfs st {};
  if (::statvfs(dir.c_str(), &st) != 0) {
    fail(ErrorKind::unsupported, "{}: cannot check free space for a swap file: {}", dir.string(),
         std::strerror(errno));
  }
  const uint64_t free_bytes = uint64_t(st.f_bavail) * st.f_frsize;
  if (free_bytes < bytes_ + kSpareBytes) {
    fail(ErrorKind::unsupported, "{} has {} free: too little for a {} swap file and 1GiB to spare",
         dir.string(), facts::format_size(free_bytes), facts::format_size(bytes_));
  }
  static std::atomic<int> counter{0};
  path_ = dir / fmt::format("mmtune-swap-{}-{}", ::getpid(), counter++);
  journal.track_swap_file(path_);
  int fd = ::open(path_.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
  if (fd < 0)
    fail(ErrorKind::unsupported, "cannot create the swap file {}: {}", path_.string(),
         std::strerror(errno));
  // Swap needs every block allocated (no holes); fallocate gives that without writing them.
  std::vector<unsigned char> header = swap_header(bytes_);
  int err = ::posix_fallocate(fd, 0, static_cast<off_t>(bytes_));
  if (err == 0 &&
      ::pwrite(fd, header.data(), header.size(), 0) != static_cast<ssize_t>(header.size()))
    err = errno;
  if (err == 0 && ::fsync(fd) != 0) err = errno;
  ::close(fd);
  if (err != 0) {
    ::unlink(path_.c_str());
    fail(ErrorKind::unsupported, "cannot allocate the swap file {}: {}", path_.string(),
         std::strerror(err));
  }
  if (::swapon(path_.c_str(), 0) != 0) {
    int saved = errno;
    ::unlink(path_.c_str());
    fail(ErrorKind::unsupported, "swapon {}: {}", path_.string(), std::strerror(saved));
  }
}

}  // namespace mmtune::changes
