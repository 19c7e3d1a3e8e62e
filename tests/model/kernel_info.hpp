// A KernelInfo for "major.minor.0": what the model's version-dependent rules read.
#pragma once

#include <string>

#include "facts/facts.hpp"

namespace mmtune::model::test {

inline facts::KernelInfo kernel(int major, int minor) {
  facts::KernelInfo info;
  info.release = std::to_string(major) + "." + std::to_string(minor) + ".0";
  info.major = major;
  info.minor = minor;
  return info;
}

}  // namespace mmtune::model::test
