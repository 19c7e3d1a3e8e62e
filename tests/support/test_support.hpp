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

}  // namespace mmtune::test
