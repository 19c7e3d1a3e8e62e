#pragma once
// How `mmtune host` shows the host facts: the readable summary and the --json document.
#include <nlohmann/json.hpp>
#include <string>

#include "facts/facts.hpp"

namespace mmtune::cli {

// The host facts (schema mmtune.host/1) plus "thresholds": what the model derives from them.
nlohmann::json host_json(const facts::HostFacts& facts);

// The terminal summary; root is where the facts were read ("/" or a recorded host).
std::string host_text(const facts::HostFacts& facts, const std::string& root);

}  // namespace mmtune::cli
