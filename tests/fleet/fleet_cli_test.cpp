// `mmtune fleet` as a command: documents this very binary wrote carry this host's identity and
// give one host; the format follows --format or -o; bad input exits 2 with one line naming it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;

TEST(FleetCli, AdviceWrittenHereIsOneHostWithThisHostsIdentity) {
  TempDir dir;
  const CliResult advise = run_mmtune({"advise", "--profile", "general", "--format", "json"});
  ASSERT_EQ(advise.exit_code, 0) << advise.err;
  const nlohmann::json doc = nlohmann::json::parse(advise.out);
  ASSERT_TRUE(doc.contains("identity"));
  EXPECT_EQ(doc["identity"]["profile"], "general");
  EXPECT_FALSE(doc["identity"]["kernel"].get<std::string>().empty());
  fs::create_directories(dir.path() / "results/here");
  write_text(dir.path() / "results/here/advice.json", advise.out);
  write_text(dir.path() / "results/here/copy.json", advise.out);  // the same host twice
  write_text(dir.path() / "results/notes.json", "{\"not\": \"mmtune\"}");

  const CliResult json =
      run_mmtune({"fleet", (dir.path() / "results").string(), "--format", "json"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  const nlohmann::json fleet = nlohmann::json::parse(json.out);
  EXPECT_EQ(fleet["hosts"], 1);
  EXPECT_EQ(fleet["documents"], 2);
  EXPECT_EQ(fleet["groups"][0]["profile"], "general");
  EXPECT_EQ(fleet["skipped"]["not an mmtune document"].size(), 1u);

  const fs::path page = dir.path() / "fleet.html";
  const CliResult html =
      run_mmtune({"fleet", (dir.path() / "results").string(), "-o", page.string()});
  ASSERT_EQ(html.exit_code, 0) << html.err;
  EXPECT_TRUE(slurp(page).starts_with("<!DOCTYPE html>"));
  const CliResult md = run_mmtune({"fleet", (dir.path() / "results/here/advice.json").string(),
                                   "-o", (dir.path() / "fleet.md").string()});
  ASSERT_EQ(md.exit_code, 0) << md.err;
  EXPECT_TRUE(slurp(dir.path() / "fleet.md").starts_with("# mmtune fleet"));
}

TEST(FleetCli, BadInputExits2WithOneLineNamingIt) {
  TempDir dir;
  const CliResult missing = run_mmtune({"fleet", (dir.path() / "nowhere").string()});
  EXPECT_EQ(missing.exit_code, 2);
  EXPECT_NE(missing.err.find("nowhere: no such file or directory"), std::string::npos)
      << missing.err;
  write_text(dir.path() / "x.json", "{}");
  const CliResult empty =
      run_mmtune({"fleet", dir.path().string(), "-o", (dir.path() / "f.html").string()});
  EXPECT_EQ(empty.exit_code, 2);
  EXPECT_NE(empty.err.find("no mmtune document with a host identity"), std::string::npos)
      << empty.err;
  EXPECT_FALSE(fs::exists(dir.path() / "f.html"));
  const CliResult format = run_mmtune({"fleet", dir.path().string(), "--format", "pdf"});
  EXPECT_EQ(format.exit_code, 2);
}

}  // namespace
}  // namespace mmtune::test
