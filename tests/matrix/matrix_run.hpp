#pragma once
// Running `mmtune matrix` from a test: the CLI result and its --json document, the kernel cache,
// and lookups in the per-kernel results. Shared by the matrix and matrix-acceptance tests.
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "tests/support/test_support.hpp"

namespace mmtune::test {

struct MatrixRun {
  CliResult cli;
  nlohmann::json json;
};

// Where the kernels are unpacked: MMTUNE_KERNEL_CACHE, else a directory of the build tree (so a
// clean checkout downloads them once and the host's /var/cache is left alone).
inline std::filesystem::path kernel_cache() {
  const char* env = std::getenv("MMTUNE_KERNEL_CACHE");
  return env && *env ? std::filesystem::path(env) : std::filesystem::path(MMTUNE_TEST_KERNEL_CACHE);
}

inline MatrixRun run_matrix(std::vector<std::string> args) {
  TempDir dir;
  std::string json_path = (dir.path() / "matrix.json").string();
  args.insert(args.begin(), {"matrix", "--json", json_path, "--cache", kernel_cache().string()});
  MatrixRun run{run_mmtune(args), {}};
  std::ifstream in(json_path);
  if (in) run.json = nlohmann::json::parse(in, nullptr, false);
  return run;
}

// The reason to skip, or empty when every kernel ran.
inline std::string why_not_runnable(const MatrixRun& run) {
  if (run.cli.exit_code == 3 &&
      run.cli.err.find("qemu-system-x86_64 not found") != std::string::npos) {
    return run.cli.err;
  }
  if (!run.json.is_object()) return {};
  std::string reasons;
  for (const auto& kernel : run.json["kernels"]) {
    if (kernel["status"] == "skipped")
      reasons += kernel["label"].get<std::string>() + ": " + kernel.value("problem", "") + "; ";
  }
  return reasons;
}

inline const nlohmann::json* kernel_named(const nlohmann::json& json, std::string_view label) {
  for (const auto& kernel : json["kernels"]) {
    if (kernel["label"] == label) return &kernel;
  }
  return nullptr;
}

// The value of a measurement (or, with prediction = true, the model's value for that metric).
inline std::optional<double> value_of(const nlohmann::json& kernel, std::string_view name,
                                      bool prediction = false) {
  const nlohmann::json& result = kernel["result"];
  if (!result.is_object()) return std::nullopt;
  for (const auto& entry : result[prediction ? "predictions" : "measurements"]) {
    std::string key = prediction ? entry.value("metric", "") : entry.value("name", "");
    if (key == name) return entry["value"].get<double>();
  }
  return std::nullopt;
}

}  // namespace mmtune::test
