#pragma once
// Every document a command writes (result, scenario, tune, advice, baseline, check, sweep) carries
// the identity of the host it is about under "identity" (facts/identity.hpp), read through the
// command's HostFs, so `mmtune fleet` can group many hosts' documents.
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "probes/host_fs.hpp"

namespace mmtune::cli {

nlohmann::json with_identity(nlohmann::json document, const probes::HostFs& fs,
                             std::optional<std::string> profile = std::nullopt);

}  // namespace mmtune::cli
