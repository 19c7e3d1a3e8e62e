#include "facts/identity.hpp"

#include "facts/error.hpp"

namespace mmtune::facts {
namespace {

nlohmann::json or_null(const std::optional<std::string>& text) {
  return text ? nlohmann::json(*text) : nlohmann::json(nullptr);
}

std::optional<std::string> optional_text(const nlohmann::json& j, const char* key) {
  const auto it = j.find(key);
  if (it == j.end() || !it->is_string()) return std::nullopt;
  return it->get<std::string>();
}

}  // namespace

nlohmann::json identity_to_json(const HostIdentity& identity) {
  return {{"hostname", or_null(identity.hostname)},
          {"machine_id", or_null(identity.machine_id)},
          {"kernel", identity.kernel},
          {"cpu_model", or_null(identity.cpu_model)},
          {"mem_total_bytes", identity.mem_total_bytes},
          {"numa_nodes", identity.numa_nodes},
          {"profile", or_null(identity.profile)}};
}

HostIdentity identity_from_json(const nlohmann::json& j) {
  if (!j.is_object() || !j.contains("kernel") || !j["kernel"].is_string())
    fail(ErrorKind::bad_input, "identity: not an object with a \"kernel\" string");
  HostIdentity identity;
  identity.hostname = optional_text(j, "hostname");
  identity.machine_id = optional_text(j, "machine_id");
  identity.kernel = j["kernel"].get<std::string>();
  identity.cpu_model = optional_text(j, "cpu_model");
  if (const auto it = j.find("mem_total_bytes"); it != j.end() && it->is_number_unsigned())
    identity.mem_total_bytes = it->get<uint64_t>();
  if (const auto it = j.find("numa_nodes"); it != j.end() && it->is_number_integer())
    identity.numa_nodes = it->get<int>();
  identity.profile = optional_text(j, "profile");
  return identity;
}

}  // namespace mmtune::facts
