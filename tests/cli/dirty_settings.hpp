#pragma once
// The four dirty-limit sysctls of this host, read and put back: for the live tests that sweep
// them or change them under a CI check. Hold HostSettingsLock while a DirtySettingsGuard lives.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>

#include "tests/support/test_support.hpp"

namespace mmtune::test {

inline constexpr const char* kDirtyKnobs[] = {"dirty_ratio", "dirty_background_ratio",
                                              "dirty_bytes", "dirty_background_bytes"};

inline std::map<std::string, std::string> dirty_settings() {
  std::map<std::string, std::string> values;
  for (const char* knob : kDirtyKnobs)
    values[knob] = trimmed(slurp(std::filesystem::path("/proc/sys/vm") / knob));
  return values;
}

// Puts the dirty limits back as they were, whatever a test did (ratio or bytes form).
class DirtySettingsGuard {
 public:
  DirtySettingsGuard() : original_(dirty_settings()) {}
  ~DirtySettingsGuard() {
    if (dirty_settings() == original_) return;
    for (const char* knob : kDirtyKnobs) {
      const std::string& value = original_[knob];
      if (value != "0") std::ofstream(std::filesystem::path("/proc/sys/vm") / knob) << value;
    }
  }
  const std::map<std::string, std::string>& original() const { return original_; }

 private:
  std::map<std::string, std::string> original_;
};

}  // namespace mmtune::test
