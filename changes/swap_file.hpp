#pragma once
// A temporary swap file for workloads that need swap on a host without any (reclaim, oom): made,
// formatted and enabled through the journal, so it is swapped off and removed at the end of the run
// and by restore_leftovers() after a crash.
#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace mmtune::changes {

class Journal;

inline constexpr uint64_t kMinSwapBytes = 40 * 4096;  // the kernel wants at least 10 usable pages

// The first page of a swap area, version 1 ("SWAPSPACE2" at the end of the page, last_page at
// offset 1028), as mkswap writes it without label or UUID. bytes is rounded down to whole pages.
std::vector<unsigned char> swap_header(uint64_t bytes);

class TempSwap {
 public:
  // Makes <dir>/mmtune-swap-<pid>-<n> of bytes (allocated, not sparse), writes the header and
  // swapon()s it. Throws Error{unsupported} when dir lacks room (bytes + 1 GiB to spare), the
  // filesystem cannot hold swap, or swapon is refused (not root).
  TempSwap(Journal& journal, const std::filesystem::path& dir, uint64_t bytes);
  const std::filesystem::path& path() const { return path_; }
  uint64_t bytes() const { return bytes_; }

 private:
  std::filesystem::path path_;
  uint64_t bytes_ = 0;
};

}  // namespace mmtune::changes
