#include <gtest/gtest.h>

#include "tests/support/test_support.hpp"

namespace mmtune::test {

TEST(Cli, UnknownCommandSuggestsTheNearest) {
  CliResult result = run_mmtune({"hots"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("did you mean \"host\""), std::string::npos) << result.err;
  EXPECT_TRUE(result.out.empty());
}

TEST(Cli, NoCommandIsBadUsage) {
  CliResult result = run_mmtune({});
  EXPECT_EQ(result.exit_code, 2);
}

TEST(Cli, MissingRootIsBadInput) {
  CliResult result = run_mmtune({"host", "--root", "/nonexistent"});
  EXPECT_EQ(result.exit_code, 2);
  EXPECT_NE(result.err.find("--root"), std::string::npos) << result.err;
  EXPECT_EQ(result.err.find('\n'), result.err.size() - 1) << "one line: " << result.err;
}

TEST(Cli, HelpExitsZero) {
  CliResult result = run_mmtune({"--help"});
  EXPECT_EQ(result.exit_code, 0);
  EXPECT_NE(result.out.find("Exit codes"), std::string::npos);
}

}  // namespace mmtune::test
