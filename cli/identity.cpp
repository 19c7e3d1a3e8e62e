#include "cli/identity.hpp"

#include "probes/identity.hpp"

namespace mmtune::cli {

nlohmann::json with_identity(nlohmann::json document, const probes::HostFs& fs,
                             std::optional<std::string> profile) {
  document["identity"] =
      facts::identity_to_json(probes::read_host_identity(fs, std::move(profile)));
  return document;
}

}  // namespace mmtune::cli
