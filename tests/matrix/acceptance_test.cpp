// The acceptance runs of `mmtune matrix` exactly as issue 7 states them, with default workload
// parameters: minutes of emulation, so not part of the default test run. Label
// "matrix-acceptance"; each test skips unless MMTUNE_MATRIX_ACCEPTANCE=1:
//   MMTUNE_MATRIX_ACCEPTANCE=1 ctest --test-dir build -L matrix-acceptance --output-on-failure
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>

#include "tests/matrix/matrix_run.hpp"

namespace mmtune::test {
namespace {

bool wanted() {
  const char* env = std::getenv("MMTUNE_MATRIX_ACCEPTANCE");
  return env && std::string(env) == "1";
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

TEST(MatrixAcceptance, DioForkRaceOn61And612WithinTenMinutes) {
  if (!wanted()) GTEST_SKIP() << "set MMTUNE_MATRIX_ACCEPTANCE=1 (takes several minutes)";
  auto start = std::chrono::steady_clock::now();
  MatrixRun run = run_matrix({"--kernel", "debian:6.1-cloud", "--kernel", "debian:6.12-cloud", "--",
                              "run", "dio-fork-race"});
  double wall = seconds_since(start);
  if (std::string reason = why_not_runnable(run); !reason.empty()) GTEST_SKIP() << reason;
  ASSERT_TRUE(run.json.is_object()) << run.cli.err;
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.out << run.cli.err;
  EXPECT_LT(wall, 600) << "the whole command within 10 minutes";
  const nlohmann::json* old_kernel = kernel_named(run.json, "debian:6.1-cloud");
  const nlohmann::json* new_kernel = kernel_named(run.json, "debian:6.12-cloud");
  ASSERT_TRUE(old_kernel && new_kernel);
  for (const nlohmann::json* kernel : {old_kernel, new_kernel}) {
    ASSERT_EQ((*kernel)["status"], "ran") << kernel->dump(2);
    ASSERT_EQ((*kernel)["result"]["verdict"]["status"], "ok") << (*kernel)["stderr"];
    for (const char* control : {"dontfork", "shared", "no_write", "buffered"}) {
      EXPECT_EQ(value_of(*kernel, std::string("data_loss.") + control), 0) << control;
      EXPECT_GT(value_of(*kernel, std::string("tries.") + control).value_or(0), 0) << control;
    }
    EXPECT_EQ(value_of(*kernel, "affected"), value_of(*kernel, "affected", true))
        << (*kernel)["label"] << ": the model's expectation agrees with the measurement";
  }
  EXPECT_GT(value_of(*old_kernel, "data_loss.io_uring").value_or(0) +
                value_of(*old_kernel, "data_loss.thread").value_or(0),
            0);
  EXPECT_EQ(value_of(*new_kernel, "data_loss.io_uring").value_or(-1) +
                value_of(*new_kernel, "data_loss.thread").value_or(-1),
            0);
  EXPECT_NE(run.cli.out.find("affected                    yes (model: yes, agrees)"),
            std::string::npos)
      << run.cli.out;
  std::cout << run.cli.out << "wall time " << wall << " s\n";
}

TEST(MatrixAcceptance, NumaMisplacementOnTwoEmulatedNodes) {
  if (!wanted()) GTEST_SKIP() << "set MMTUNE_MATRIX_ACCEPTANCE=1 (takes a minute or more)";
  auto start = std::chrono::steady_clock::now();
  MatrixRun run =
      run_matrix({"--kernel", "debian:6.1-cloud", "--numa", "2", "--", "run", "numa-misplacement"});
  double wall = seconds_since(start);
  if (std::string reason = why_not_runnable(run); !reason.empty()) GTEST_SKIP() << reason;
  ASSERT_TRUE(run.json.is_object()) << run.cli.err;
  EXPECT_EQ(run.cli.exit_code, 0) << run.cli.out << run.cli.err;
  EXPECT_EQ(run.json["emulation"]["numa_nodes_emulated"], true);
  const nlohmann::json& kernel = run.json["kernels"][0];
  ASSERT_EQ(kernel["status"], "ran") << kernel.dump(2);
  ASSERT_EQ(kernel["result"]["verdict"]["status"], "ok") << kernel["stderr"];
  EXPECT_GE(value_of(kernel, "on_requested_node.local").value_or(0), 0.99);
  EXPECT_GE(value_of(kernel, "on_requested_node.remote").value_or(0), 0.99);
  EXPECT_EQ(value_of(kernel, "nodes_emulated"), 1);
  EXPECT_TRUE(kernel["kernel_warnings"].empty()) << kernel["kernel_warnings"].dump();
  std::cout << run.cli.out << "wall time " << wall << " s\n";
}

}  // namespace
}  // namespace mmtune::test
