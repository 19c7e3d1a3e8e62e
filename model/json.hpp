#pragma once
// JSON form of the model's results (nlohmann::json sorts keys, so output is deterministic). A
// prediction is {"value", "unit", "rule", "kernel_function", "text"}; a non-finite value is null.
#include <nlohmann/json.hpp>

#include "model/demand_paging.hpp"
#include "model/dio_fork.hpp"
#include "model/false_sharing.hpp"
#include "model/fork_cow.hpp"
#include "model/host_model.hpp"
#include "model/numa.hpp"
#include "model/reclaim.hpp"
#include "model/thp.hpp"

namespace mmtune::model {

nlohmann::json to_json(const Explanation& explanation);
nlohmann::json to_json(const Prediction& prediction);
nlohmann::json to_json(const ZoneWatermarks& zone);
nlohmann::json to_json(const DirtyLimits& dirty);
nlohmann::json to_json(const ScanBalance& balance);
nlohmann::json to_json(const ThpPrediction& thp);
nlohmann::json to_json(const FragmentationPrediction& prediction);
nlohmann::json to_json(const HostModel& host);
nlohmann::json to_json(const DemandPagingPrediction& prediction);
nlohmann::json to_json(const ForkPrediction& prediction);
nlohmann::json to_json(const FalseSharingPrediction& prediction);
nlohmann::json to_json(const NumaPlacement& placement);
nlohmann::json to_json(const DioForkPrediction& prediction);
nlohmann::json to_json(const OomPoint& point);

}  // namespace mmtune::model
