#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace mmtune::test {

// Absolute path of a file under tests/data.
std::filesystem::path test_data(const std::string& rel);
// Path of the built mmtune binary, for end-to-end tests that need a separate process.
std::filesystem::path mmtune_binary();

// A directory under $TMPDIR removed (recursively) when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CliResult {
  int exit_code = 0;
  std::string out, err;
};
// Runs the mmtune binary with args in a child process (no shell), capturing stdout and stderr.
CliResult run_mmtune(const std::vector<std::string>& args);

bool is_root();

// Held by every test (and test helper process) that changes a host setting, so concurrent test
// processes never change /proc/sys or /sys under each other: an exclusive flock on
// /tmp/mmtune-host-settings.lock, released when the object dies.
class HostSettingsLock {
 public:
  HostSettingsLock();
  ~HostSettingsLock();
  HostSettingsLock(const HostSettingsLock&) = delete;
  HostSettingsLock& operator=(const HostSettingsLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mmtune::test
