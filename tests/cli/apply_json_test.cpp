// `mmtune apply --json`: the plan for machines (the Ansible role's check mode, --diff and
// idempotence read it). "changes" is false exactly when applying again would change neither a knob
// nor the sysctl.d file --persist writes. On a fake host under --root.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>

#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

void write_file(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

class ApplyJson : public ::testing::Test {
 protected:
  void SetUp() override {
    write_file(root_.path() / "proc/meminfo", "MemTotal: 1000 kB\n");
    write_file(root_.path() / "proc/sys/vm/swappiness", "60\n");
    write_file(dir_.path() / "tuning.conf", "vm.swappiness = 10\n");
  }
  json apply(bool yes) {
    std::vector<std::string> args = {"--root",
                                     root_.path().string(),
                                     "apply",
                                     (dir_.path() / "tuning.conf").string(),
                                     "--persist",
                                     "--sysctl-file",
                                     persisted().string(),
                                     "--state-dir",
                                     state_.path().string(),
                                     "--json"};
    if (yes) args.push_back("--yes");
    const CliResult r = run_mmtune(args);
    EXPECT_EQ(r.exit_code, 0) << r.err;
    return json::parse(r.out);
  }
  fs::path persisted() const { return dir_.path() / "90-mmtune.conf"; }
  TempDir root_, state_, dir_;
};

TEST_F(ApplyJson, ThePlanSaysWhatWouldChangeUntilItIsApplied) {
  const json plan = apply(false);
  EXPECT_EQ(plan["schema"], "mmtune.apply/1");
  EXPECT_TRUE(plan["dry_run"]);
  EXPECT_TRUE(plan["changes"]);
  ASSERT_EQ(plan["settings"].size(), 1u);
  EXPECT_EQ(plan["settings"][0]["knob"], "vm.swappiness");
  EXPECT_EQ(plan["settings"][0]["current"], "60");
  EXPECT_EQ(plan["settings"][0]["requested"], "10");
  EXPECT_TRUE(plan["settings"][0]["changes"]);
  EXPECT_EQ(plan["persist"]["before"], "");
  EXPECT_NE(plan["persist"]["after"].get<std::string>().find("vm.swappiness = 10\n"),
            std::string::npos);
  EXPECT_FALSE(fs::exists(persisted())) << "a dry run writes nothing";

  const json applied = apply(true);
  EXPECT_FALSE(applied["dry_run"]);
  ASSERT_EQ(applied["applied"].size(), 1u);
  EXPECT_EQ(applied["applied"][0]["old"], "60");
  EXPECT_EQ(applied["applied"][0]["new"], "10");
  std::string swappiness = read_file(root_.path() / "proc/sys/vm/swappiness");
  EXPECT_EQ(swappiness.substr(0, swappiness.find_last_not_of(" \n") + 1), "10");
  EXPECT_EQ(read_file(persisted()), plan["persist"]["after"].get<std::string>());

  // Applied and persisted: nothing left to change, although the file's comment would now say
  // "was 10" where it says "was 60".
  const json again = apply(false);
  EXPECT_FALSE(again["changes"]);
  EXPECT_FALSE(again["settings"][0]["changes"]);
  EXPECT_FALSE(again["persist"]["changes"]);
}

TEST_F(ApplyJson, AMissingSysctlFileIsAChangeEvenWhenTheKnobIsSet) {
  write_file(root_.path() / "proc/sys/vm/swappiness", "10\n");
  const json plan = apply(false);
  EXPECT_FALSE(plan["settings"][0]["changes"]);
  EXPECT_TRUE(plan["persist"]["changes"]);
  EXPECT_TRUE(plan["changes"]);
}

}  // namespace
}  // namespace mmtune::test
