#pragma once
// The recorded hosts under tests/data/hosts (every directory with an ABOUT.md) and their golden
// `mmtune host --json` output under tests/data/golden/<host>/host.json.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/support/test_support.hpp"

namespace mmtune::test {

inline std::vector<std::string> recorded_hosts() {
  std::vector<std::string> names;
  for (const auto& entry : std::filesystem::directory_iterator(test_data("hosts"))) {
    if (entry.is_directory() && std::filesystem::exists(entry.path() / "ABOUT.md")) {
      names.push_back(entry.path().filename().string());
    }
  }
  std::sort(names.begin(), names.end());
  return names;
}

inline std::filesystem::path golden_path(const std::string& host) {
  return test_data("golden") / host / "host.json";
}

inline bool update_golden() {
  const char* flag = std::getenv("MMTUNE_UPDATE_GOLDEN");
  return flag && std::string(flag) == "1";
}

}  // namespace mmtune::test
