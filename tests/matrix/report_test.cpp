#include "matrix/report.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "facts/error.hpp"

namespace mmtune::matrix {
namespace {

nlohmann::json dio_result(double lost, const char* expectation) {
  return nlohmann::json::parse(fmt::format(R"({{
    "schema": "mmtune.result/1", "workload": "dio-fork-race",
    "verdict": {{"status": "ok", "reason": ""}},
    "measurements": [{{"name": "lost_reads.io_uring", "value": {}, "unit": "reads"}},
                     {{"name": "lost_reads.control_madv_dontfork", "value": 0, "unit": "reads"}}],
    "predictions": [{{"metric": "", "name": "{}", "value": 1, "unit": "bool"}}]
  }})",
                                           lost, expectation));
}

MatrixResult two_kernels() {
  MatrixResult result;
  result.options.kernels = {"debian:6.1-cloud", "debian:6.12-cloud", "debian:9.9-none"};
  result.options.command = {"run", "dio-fork-race"};
  for (int i = 0; i < 2; ++i) {
    KernelRun run;
    run.label = result.options.kernels[size_t(i)];
    run.kernel = Kernel();
    run.kernel->release = i == 0 ? "6.1.0-56-cloud-amd64" : "6.12.117+deb12-cloud-amd64";
    run.status = RunStatus::ran;
    run.exit_code = 0;
    run.boot_s = 1.2;
    run.command_s = 30;
    run.result = dio_result(i == 0 ? 57 : 0, i == 0 ? "affected" : "not affected");
    result.runs.push_back(run);
  }
  KernelRun skipped;
  skipped.label = "debian:9.9-none";
  skipped.problem = "no linux-image-9.9-none-amd64 in the apt lists";
  result.runs.push_back(skipped);
  return result;
}

TEST(Report, ResultRowsReadTheResultSchema) {
  auto rows = result_rows(dio_result(57, "affected"));
  ASSERT_GE(rows.size(), 4u);
  EXPECT_EQ(rows[0], (std::pair<std::string, std::string>{"verdict", "ok"}));
  EXPECT_EQ(rows[1], (std::pair<std::string, std::string>{"lost_reads.io_uring", "57 reads"}));
  EXPECT_EQ(rows[3].first, "model: affected");
}

TEST(Report, AComparedMeasurementShowsTheModelAndWhetherTheyAgree) {
  nlohmann::json result = nlohmann::json::parse(R"({
    "verdict": {"status": "ok", "reason": ""},
    "measurements": [{"name": "affected", "value": 1, "unit": "bool"},
                     {"name": "data_loss.shared", "value": 3, "unit": "reads"}],
    "predictions": [{"metric": "affected", "name": "affected", "value": 1, "unit": "bool"},
                    {"metric": "data_loss.shared", "name": "data_loss.shared", "value": 0,
                     "unit": "reads"}],
    "comparisons": [{"metric": "affected", "within": true},
                    {"metric": "data_loss.shared", "within": false}]
  })");
  auto rows = result_rows(result);
  ASSERT_EQ(rows.size(), 3u) << "no separate model: rows for compared metrics";
  EXPECT_EQ(rows[1], (std::pair<std::string, std::string>{"affected", "yes (model: yes, agrees)"}));
  EXPECT_EQ(rows[2], (std::pair<std::string, std::string>{"data_loss.shared",
                                                          "3 reads (model: 0 reads, DISAGREES)"}));
}

TEST(Report, TableHasAColumnPerKernelAndSaysWhySkipped) {
  std::string table = render_table(two_kernels());
  std::string header = table.substr(0, table.find('\n'));
  EXPECT_LT(header.find("debian:6.1-cloud"), header.find("debian:6.12-cloud"));
  EXPECT_NE(header.find("debian:9.9-none"), std::string::npos);
  size_t row = table.find("lost_reads.io_uring");
  ASSERT_NE(row, std::string::npos);
  std::string line = table.substr(row, table.find('\n', row) - row);
  EXPECT_LT(line.find("57 reads"), line.find("0 reads")) << line;
  EXPECT_NE(table.find("debian:9.9-none: no linux-image-9.9-none-amd64"), std::string::npos);
  EXPECT_NE(table.find("full emulation"), std::string::npos);
}

TEST(Report, JsonCarriesEveryKernelAndTheEmulationFacts) {
  MatrixResult result = two_kernels();
  result.options.numa_nodes = 2;
  nlohmann::json json = matrix_json(result);
  EXPECT_EQ(json["schema"], "mmtune.matrix/1");
  EXPECT_EQ(json["emulation"]["accelerator"], "tcg");
  EXPECT_EQ(json["emulation"]["numa_nodes_emulated"], true);
  EXPECT_NE(json["emulation"]["note"].get<std::string>().find("not tuning evidence"),
            std::string::npos);
  ASSERT_EQ(json["kernels"].size(), 3u);
  EXPECT_EQ(json["kernels"][0]["result"]["measurements"][0]["value"], 57);
  EXPECT_EQ(json["kernels"][2]["status"], "skipped");
  EXPECT_EQ(json["exit_code"], 0);
}

TEST(Report, ExitCodeFollowsTheGuests) {
  MatrixResult result = two_kernels();
  EXPECT_EQ(matrix_exit_code(result), 0);
  result.runs[1].exit_code = 1;
  EXPECT_EQ(matrix_exit_code(result), 1) << "a failed check in any guest";
  result.runs[1].exit_code = 0;
  result.runs[0].status = RunStatus::timed_out;
  EXPECT_EQ(matrix_exit_code(result), 1) << "a guest that never answered";
  MatrixResult none = two_kernels();
  none.runs[0].exit_code = 3;
  none.runs[1].exit_code = 3;
  EXPECT_EQ(matrix_exit_code(none), 3) << "nothing could run anywhere";
}

TEST(Report, ValidationNamesTheOption) {
  MatrixOptions options;
  options.kernels = {"debian:6.1-cloud"};
  options.command = {"run", "x"};
  EXPECT_NO_THROW(validate(options));
  options.numa_nodes = 9;
  EXPECT_THROW(validate(options), Error);
  options.numa_nodes = 2;
  options.memory_mib = 300;
  try {
    validate(options);
    ADD_FAILURE();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("--memory"), std::string::npos);
  }
  options.memory_mib = 2048;
  options.command = {};
  EXPECT_THROW(validate(options), Error);
}

}  // namespace
}  // namespace mmtune::matrix
