// `mmtune export --prometheus`: written atomically where the textfile collector looks, the same
// text as on stdout; directories give their mmtune documents, the newest of each kind; bad input
// exits 2 with one line naming it and writes nothing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

std::string root() { return test_data("hosts/numa2-5.15").string(); }

TEST(Export, WritesTheFileAtomicallyWithWhatStdoutShows) {
  TempDir dir;
  const fs::path prom = dir.path() / "mmtune.prom";
  const std::string check = test_data("reports/check-ci-smoke.json").string();
  const CliResult written =
      run_mmtune({"--root", root(), "export", "--prometheus", prom.string(), check});
  ASSERT_EQ(written.exit_code, 0) << written.err;
  const CliResult printed = run_mmtune({"--root", root(), "export", "--prometheus", "-", check});
  ASSERT_EQ(printed.exit_code, 0) << printed.err;
  EXPECT_EQ(slurp(prom), printed.out);
  EXPECT_NE(printed.out.find("# TYPE mmtune_model_zone_low_bytes gauge\n"), std::string::npos);
  EXPECT_NE(printed.out.find("mmtune_check_passed 0\n"), std::string::npos);
  // Only the file itself is left: the temporary file was renamed into place.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
}

TEST(Export, ADirectoryGivesItsNewestDocumentOfEachKind) {
  TempDir dir;
  fs::copy_file(test_data("golden/local-6.18/advise-general.json"), dir.path() / "old.json");
  fs::copy_file(test_data("golden/local-6.18/advise-database.json"), dir.path() / "new.json");
  fs::last_write_time(dir.path() / "old.json",
                      fs::last_write_time(dir.path() / "new.json") - std::chrono::hours(1));
  std::ofstream(dir.path() / "notes.json") << "{\"not\": \"an mmtune document\"}";
  std::ofstream(dir.path() / "other.json") << "{\"schema\": 3}";  // once exit 4 (type_error)
  std::ofstream(dir.path() / "README") << "ignored";
  const CliResult r =
      run_mmtune({"--root", root(), "export", "--prometheus", "-", dir.path().string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("mmtune_recommendation_changes{profile=\"database\"}"), std::string::npos);
  EXPECT_EQ(r.out.find("profile=\"general\""), std::string::npos);
}

TEST(Export, BadInputExits2NamingItAndWritesNothing) {
  TempDir dir;
  const fs::path prom = dir.path() / "mmtune.prom";
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const std::string host_json = test_data("golden/local-6.18/host.json").string();
  const fs::path numeric_schema = dir.path() / "numeric-schema.json";
  std::ofstream(numeric_schema) << "{\"schema\": 3}";
  const std::vector<Case> cases = {
      {{"export", "--prometheus", (dir.path() / "mmtune.txt").string()},
       "reads only files ending in .prom"},
      {{"export", "--prometheus", (dir.path() / "missing/mmtune.prom").string()}, "does not exist"},
      {{"export", "--prometheus", prom.string(), "/nonexistent.json"},
       "/nonexistent.json: no such file"},
      {{"export", "--prometheus", prom.string(), host_json}, "not a document export reads"},
      {{"export", "--prometheus", prom.string(), numeric_schema.string()},
       "not a document export reads"},
      {{"export"}, "--prometheus"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"--root", root()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    const CliResult r = run_mmtune(args);
    EXPECT_EQ(r.exit_code, 2) << c.message;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_FALSE(fs::exists(prom)) << c.message;
  }
}

}  // namespace
}  // namespace mmtune::test
