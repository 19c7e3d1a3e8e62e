#pragma once
// Internal to workloads/: the JSON form of each part of a Result, shared by result.cpp (the whole
// document), session.cpp (the child's reports over the pipe) and runner.cpp (reading them back).
// nlohmann_json is a private dependency of mmtune::workloads; nothing outside includes this.
#include <nlohmann/json.hpp>

#include "workloads/result.hpp"

namespace mmtune::workloads {

nlohmann::json counters_json(const facts::Counters& counters);
facts::Counters counters_from(const nlohmann::json& j);

nlohmann::json measurement_json(const Measurement& m);
Measurement measurement_from(const nlohmann::json& j);

nlohmann::json phase_json(const Phase& phase);
Phase phase_from(const nlohmann::json& j);

nlohmann::json series_json(const Series& series);
Series series_from(const std::string& name, const nlohmann::json& j);

nlohmann::json expectation_json(const Expectation& e);
Expectation expectation_from(const nlohmann::json& j);

}  // namespace mmtune::workloads
