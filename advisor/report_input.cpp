#include "advisor/report_input.hpp"

#include <nlohmann/json.hpp>

#include "advisor/advice_json.hpp"
#include "probes/error.hpp"
#include "probes/facts_json.hpp"

namespace mmtune::advisor {

using nlohmann::json;

namespace {

constexpr std::string_view kTuneSchema = "mmtune.tune/1";

}  // namespace

ReportInput read_report_input(std::string_view text) {
  const json j = json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) fail(ErrorKind::bad_input, "not a JSON document");
  ReportInput input;
  input.schema = j.value("schema", "");
  if (input.schema == workloads::kResultSchema) {
    input.result = workloads::result_from_json(text);
    input.host = input.result->host;
  } else if (input.schema == kScenarioSchema) {
    input.scenario = scenario_from_json(j);
    input.host = input.scenario->facts;
  } else if (input.schema == kTuneSchema) {
    if (!j.contains("advice") || !j.contains("scenario"))
      fail(ErrorKind::bad_input, "{}: needs \"advice\" and \"scenario\"", kTuneSchema);
    input.advice = advice_from_json(j["advice"]);
    input.scenario = scenario_from_json(j["scenario"]);
    input.host = input.scenario->facts;
  } else if (input.schema == kAdviceSchema) {
    input.advice = advice_from_json(j);
  } else if (input.schema == probes::kHostSchema) {
    input.host = probes::host_facts_from_json(j);
  } else {
    fail(ErrorKind::bad_input,
         "schema \"{}\" is not one this build reports on ({}, {}, {}, {}, {})", input.schema,
         workloads::kResultSchema, kScenarioSchema, kTuneSchema, kAdviceSchema,
         probes::kHostSchema);
  }
  return input;
}

}  // namespace mmtune::advisor
