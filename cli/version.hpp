#pragma once
// What this build of mmtune is: its version, the git description of the tree it was built from,
// the compiler and the versions of the libraries it was built against (`mmtune --version`,
// `mmtune version --json`, the Prometheus export's build label).
#include <string>
#include <utility>
#include <vector>

namespace mmtune::cli {

struct BuildInfo {
  std::string version;       // the project's version, "0.1"
  std::string git_describe;  // `git describe --tags --always --dirty` at build time
  std::string compiler;      // "GCC 12.2.0"
  std::string build_type;    // "Release"
  std::vector<std::pair<std::string, std::string>> libraries;  // name → version built against
};

const BuildInfo& build_info();
// "mmtune 0.1 (git 7f4bb8f-dirty, GCC 12.2.0, Release)"
std::string version_line();

}  // namespace mmtune::cli
