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

// Writes the dirty limits of `values` (from dirty_settings()), ratio or bytes form: the kernel
// zeroes one form when the other is written, and refuses a 0 for the bytes form.
inline void put_back_dirty_settings(const std::map<std::string, std::string>& values) {
  if (dirty_settings() == values) return;
  for (const char* knob : kDirtyKnobs) {
    const std::string& value = values.at(knob);
    if (value != "0") std::ofstream(std::filesystem::path("/proc/sys/vm") / knob) << value;
  }
}

// Puts the dirty limits back as they were, whatever a test did (ratio or bytes form).
class DirtySettingsGuard {
 public:
  DirtySettingsGuard() : original_(dirty_settings()) {}
  ~DirtySettingsGuard() { put_back_dirty_settings(original_); }
  const std::map<std::string, std::string>& original() const { return original_; }

 private:
  std::map<std::string, std::string> original_;
};

}  // namespace mmtune::test
