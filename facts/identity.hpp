#pragma once
// Who a document is about: the host's identity, written into every result, advice, baseline and
// check document, so that many hosts' documents can be grouped without file-name conventions
// (`mmtune fleet`). JSON (key "identity" at the top of each document):
//   {"hostname": "db-7" | null, "machine_id": "32 hex digits" | null, "kernel": "6.1.0-28-amd64",
//    "cpu_model": "AMD EPYC 7B13" | null, "mem_total_bytes": 68719476736, "numa_nodes": 2,
//    "profile": "database" | null}
// machine_id is not /etc/machine-id itself, which systemd asks applications not to expose: it is
// the application-specific id systemd derives from it (docs/fleet.md), so the same host gives the
// same id to every mmtune and `systemd-id128 machine-id --app-specific=…` can check it.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

namespace mmtune::facts {

struct HostIdentity {
  std::optional<std::string> hostname;    // /proc/sys/kernel/hostname
  std::optional<std::string> machine_id;  // app-specific id from /etc/machine-id
  std::string kernel;                     // release
  std::optional<std::string> cpu_model;   // /proc/cpuinfo "model name"
  uint64_t mem_total_bytes = 0;
  int numa_nodes = 0;
  std::optional<std::string> profile;  // the profile the document was made for, if any

  bool operator==(const HostIdentity&) const = default;
};

nlohmann::json identity_to_json(const HostIdentity& identity);
// Throws Error{bad_input} when j is not an object with a string "kernel".
HostIdentity identity_from_json(const nlohmann::json& j);

}  // namespace mmtune::facts
