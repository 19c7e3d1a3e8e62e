#pragma once
// The matrix's two outputs: one comparison table with a column per kernel (verdicts and the key
// numbers of each result side by side), and the JSON of everything (schema "mmtune.matrix/1").
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "matrix/matrix.hpp"

namespace mmtune::matrix {

inline constexpr std::string_view kMatrixSchema = "mmtune.matrix/1";

// Said in the table and in the JSON: what emulated results are evidence for and what not.
std::string emulation_note(const MatrixOptions& options);

// The rows one guest result contributes: ("verdict", "ok"), ("data_loss_reads [reads]", "12"),
// ("model: affected", "1"). Reads the mmtune.result/1 schema (also a list of them under
// "results"); other JSON gives its top-level numbers and strings.
std::vector<std::pair<std::string, std::string>> result_rows(const nlohmann::json& result);

nlohmann::json matrix_json(const MatrixResult& result);
std::string render_table(const MatrixResult& result);

}  // namespace mmtune::matrix
