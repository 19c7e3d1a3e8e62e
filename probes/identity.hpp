#pragma once
// The host's identity (facts/identity.hpp) read through HostFs, so a recorded host gives its own:
// what it lacks (a recording without /etc/machine-id, a kernel without "model name" in cpuinfo)
// stays null.
#include <optional>
#include <string>

#include "facts/identity.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::probes {

facts::HostIdentity read_host_identity(const HostFs& fs,
                                       std::optional<std::string> profile = std::nullopt);

// The application-specific id systemd's sd_id128_get_machine_app_specific() derives from the
// machine id (32 hex digits): HMAC-SHA256 keyed with the machine id over kMachineAppId, its first
// 16 bytes made a version-4 UUID. nullopt when text is not 32 hex digits.
std::optional<std::string> app_specific_machine_id(std::string_view machine_id_text);

// mmtune's application id (made once with `systemd-id128 new`).
inline constexpr std::string_view kMachineAppId = "8cdf0575226c49c19e182e8bee290ffb";

}  // namespace mmtune::probes
