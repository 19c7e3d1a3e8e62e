// `mmtune matrix` for real: Debian's kernels booted under QEMU (TCG) with this build's mmtune
// inside. Label "matrix". Each test skips with the reason when QEMU or the kernel packages cannot
// be had (no qemu-system-x86_64, no apt, no network): the rest of CI does not depend on them.
#include <gtest/gtest.h>

#include <fstream>
#include <optional>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

struct MatrixRun {
  CliResult cli;
  nlohmann::json json;
};

MatrixRun run_matrix(std::vector<std::string> args) {
  TempDir dir;
  std::string json_path = (dir.path() / "matrix.json").string();
  args.insert(args.begin(), {"matrix", "--json", json_path});
  MatrixRun run{run_mmtune(args), {}};
  std::ifstream in(json_path);
  if (in) run.json = nlohmann::json::parse(in, nullptr, false);
  return run;
}

// The reason to skip, or empty when every kernel ran.
std::string why_not_runnable(const MatrixRun& run) {
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

const nlohmann::json* kernel_named(const nlohmann::json& json, std::string_view label) {
  for (const auto& kernel : json["kernels"]) {
    if (kernel["label"] == label) return &kernel;
  }
  return nullptr;
}

TEST(MatrixLive, BootsBothDebianKernelsAndRunsMmtuneInside) {
  MatrixRun run =
      run_matrix({"--kernel", "debian:6.1-cloud", "--kernel", "debian:6.12-cloud", "--", "host"});
  if (std::string reason = why_not_runnable(run); !reason.empty()) GTEST_SKIP() << reason;
  ASSERT_EQ(run.cli.exit_code, 0) << run.cli.err << run.cli.out;
  ASSERT_TRUE(run.json.is_object()) << run.cli.out;
  EXPECT_EQ(run.json["emulation"]["accelerator"], "tcg");
  for (const char* label : {"debian:6.1-cloud", "debian:6.12-cloud"}) {
    const nlohmann::json* kernel = kernel_named(run.json, label);
    ASSERT_NE(kernel, nullptr) << label;
    EXPECT_EQ((*kernel)["status"], "ran") << kernel->dump(2);
    EXPECT_EQ((*kernel)["exit_code"], 0);
    std::string release = (*kernel)["release"];
    // The guest's own `mmtune host` names the guest kernel: our binary really ran on it.
    EXPECT_NE((*kernel)["stdout"].get<std::string>().find(release), std::string::npos)
        << (*kernel)["stdout"];
    EXPECT_TRUE((*kernel)["kernel_warnings"].empty()) << (*kernel)["kernel_warnings"].dump();
  }
  EXPECT_NE(
      kernel_named(run.json, "debian:6.1-cloud")->at("release").get<std::string>().find("6.1."),
      std::string::npos);
  // The table: one column per kernel.
  std::string header = run.cli.out.substr(0, run.cli.out.find('\n'));
  EXPECT_NE(header.find("debian:6.1-cloud"), std::string::npos) << run.cli.out;
  EXPECT_NE(header.find("debian:6.12-cloud"), std::string::npos) << run.cli.out;
}

// The value of a measurement (or, with prediction = true, the model's value for that metric).
std::optional<double> value_of(const nlohmann::json& kernel, std::string_view name, bool prediction = false) {
  const nlohmann::json& result = kernel["result"];
  if (!result.is_object()) return std::nullopt;
  for (const auto& entry : result[prediction ? "predictions" : "measurements"]) {
    std::string key = prediction ? entry.value("metric", "") : entry.value("name", "");
    if (key == name) return entry["value"].get<double>();
  }
  return std::nullopt;
}

TEST(MatrixLive, DioForkRaceLosesDataOn61AndNotOn612) {
  MatrixRun run = run_matrix({"--kernel", "debian:6.1-cloud", "--kernel", "debian:6.12-cloud", "--", "run",
                              "dio-fork-race", "--time-budget", "24s"});
  if (std::string reason = why_not_runnable(run); !reason.empty()) GTEST_SKIP() << reason;
  ASSERT_TRUE(run.json.is_object()) << run.cli.err;
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.out << run.cli.err;
  const nlohmann::json* old_kernel = kernel_named(run.json, "debian:6.1-cloud");
  const nlohmann::json* new_kernel = kernel_named(run.json, "debian:6.12-cloud");
  ASSERT_TRUE(old_kernel && new_kernel);
  for (const nlohmann::json* kernel : {old_kernel, new_kernel}) {
    ASSERT_EQ((*kernel)["status"], "ran") << kernel->dump(2);
    ASSERT_EQ((*kernel)["result"]["verdict"]["status"], "ok") << (*kernel)["stderr"];
    for (const char* control : {"dontfork", "shared", "no_write", "buffered"}) {
      std::string name = std::string("data_loss.") + control;
      ASSERT_TRUE(value_of(*kernel, name)) << name;
      EXPECT_EQ(*value_of(*kernel, name), 0) << (*kernel)["label"] << " " << name;
      EXPECT_GT(*value_of(*kernel, std::string("tries.") + control), 0);
    }
    // The model's expectation agrees with what was measured, on both kernels.
    EXPECT_EQ(value_of(*kernel, "affected"), value_of(*kernel, "affected", true)) << (*kernel)["label"];
  }
  double old_loss = *value_of(*old_kernel, "data_loss.io_uring") + *value_of(*old_kernel, "data_loss.thread");
  EXPECT_GT(old_loss, 0) << "Debian 12's 6.1 kernel still has the O_DIRECT + fork race";
  EXPECT_EQ(*value_of(*old_kernel, "affected", true), 1);
  EXPECT_EQ(*value_of(*new_kernel, "data_loss.io_uring") + *value_of(*new_kernel, "data_loss.thread"), 0);
  EXPECT_EQ(*value_of(*new_kernel, "affected", true), 0);
  EXPECT_NE(run.cli.out.find("finding"), std::string::npos) << run.cli.out;
}

TEST(MatrixLive, NumaPagesLandWhereThePolicySaysOnTwoEmulatedNodes) {
  MatrixRun run = run_matrix({"--kernel", "debian:6.1-cloud", "--numa", "2", "--", "run", "numa-misplacement",
                              "--size", "64MiB", "--balancing-time", "4s"});
  if (std::string reason = why_not_runnable(run); !reason.empty()) GTEST_SKIP() << reason;
  ASSERT_TRUE(run.json.is_object()) << run.cli.err;
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.out << run.cli.err;
  EXPECT_EQ(run.json["emulation"]["numa_nodes_emulated"], true);
  EXPECT_NE(run.cli.out.find("NUMA nodes are emulated"), std::string::npos) << run.cli.out;
  const nlohmann::json& kernel = run.json["kernels"][0];
  ASSERT_EQ(kernel["status"], "ran") << kernel.dump(2);
  ASSERT_EQ(kernel["result"]["verdict"]["status"], "ok") << kernel["stderr"];
  EXPECT_GE(value_of(kernel, "on_requested_node.local").value_or(0), 0.99);
  EXPECT_GE(value_of(kernel, "on_requested_node.remote").value_or(0), 0.99);
  EXPECT_EQ(value_of(kernel, "nodes_emulated"), 1) << "the guest's own result flags the nodes as emulated";
}

TEST(MatrixLive, AKernelThatCannotBeHadIsSkippedNotACrash) {
  MatrixRun run =
      run_matrix({"--kernel", "debian:linux-image-0.0.0-nonexistent-amd64", "--", "host"});
  if (run.cli.err.find("qemu-system-x86_64 not found") != std::string::npos)
    GTEST_SKIP() << run.cli.err;
  EXPECT_EQ(run.cli.exit_code, 3) << run.cli.err;
  ASSERT_TRUE(run.json.is_object()) << run.cli.out;
  EXPECT_EQ(run.json["kernels"][0]["status"], "skipped");
  EXPECT_FALSE(run.json["kernels"][0]["problem"].get<std::string>().empty());
}

}  // namespace
}  // namespace mmtune::test
