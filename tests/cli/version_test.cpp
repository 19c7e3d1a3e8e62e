// `mmtune --version` and `mmtune version [--json]`: the build's version, git description, compiler
// and the libraries it was built against.
#include <gtest/gtest.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

TEST(Version, FlagPrintsOneLineAndExitsZero) {
  CliResult r = run_mmtune({"--version"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.rfind("mmtune 0.1 (git ", 0), 0u) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  EXPECT_TRUE(r.err.empty()) << r.err;
}

TEST(Version, JsonNamesGitCompilerAndLibraries) {
  CliResult r = run_mmtune({"version", "--json"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["schema"], "mmtune.version/1");
  EXPECT_EQ(j["version"], "0.1");
  EXPECT_FALSE(j["git"].get<std::string>().empty());
  EXPECT_TRUE(j["compiler"].get<std::string>().starts_with("GCC ") ||
              j["compiler"].get<std::string>().starts_with("Clang "))
      << j["compiler"];
  for (const char* library : {"fmt", "nlohmann_json", "CLI11", "libnuma", "liburing"}) {
    ASSERT_TRUE(j["libraries"].contains(library)) << library;
    EXPECT_NE(j["libraries"][library].get<std::string>().find('.'), std::string::npos) << library;
  }
  CliResult text = run_mmtune({"version"});
  ASSERT_EQ(text.exit_code, 0);
  EXPECT_NE(text.out.find("built against: fmt "), std::string::npos) << text.out;
}

}  // namespace
}  // namespace mmtune::test
