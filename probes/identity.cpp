#include "probes/identity.hpp"

#include <fmt/format.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <array>
#include <cstdint>
#include <sstream>

#include "probes/readers.hpp"

namespace mmtune::probes {
namespace {

std::string trimmed(std::string_view text) {
  const size_t begin = text.find_first_not_of(" \t\n");
  if (begin == std::string_view::npos) return {};
  const size_t end = text.find_last_not_of(" \t\n");
  return std::string(text.substr(begin, end - begin + 1));
}

std::optional<std::array<unsigned char, 16>> id128_bytes(std::string_view text) {
  if (text.size() != 32) return std::nullopt;
  std::array<unsigned char, 16> bytes{};
  for (size_t i = 0; i < bytes.size(); ++i) {
    unsigned value = 0;
    for (char c : text.substr(2 * i, 2)) {
      value <<= 4;
      if (c >= '0' && c <= '9')
        value |= unsigned(c - '0');
      else if (c >= 'a' && c <= 'f')
        value |= unsigned(c - 'a' + 10);
      else
        return std::nullopt;
    }
    bytes[i] = static_cast<unsigned char>(value);
  }
  return bytes;
}

std::optional<std::string> cpu_model(const HostFs& fs) {
  const std::optional<std::string> cpuinfo = fs.read("proc/cpuinfo");
  if (!cpuinfo) return std::nullopt;
  std::istringstream lines(*cpuinfo);
  for (std::string line; std::getline(lines, line);) {
    const size_t colon = line.find(':');
    if (colon != std::string::npos && trimmed(line.substr(0, colon)) == "model name")
      return trimmed(std::string_view(line).substr(colon + 1));
  }
  return std::nullopt;
}

std::optional<std::string> nonempty(std::optional<std::string> text) {
  if (!text) return std::nullopt;
  std::string value = trimmed(*text);
  if (value.empty()) return std::nullopt;
  return value;
}

}  // namespace

std::optional<std::string> app_specific_machine_id(std::string_view machine_id_text) {
  const auto key = id128_bytes(trimmed(machine_id_text));
  const auto message = id128_bytes(kMachineAppId);
  if (!key || !message) return std::nullopt;
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned length = 0;
  if (HMAC(EVP_sha256(), key->data(), int(key->size()), message->data(), message->size(),
           digest.data(), &length) == nullptr)
    return std::nullopt;
  digest[6] = static_cast<unsigned char>((digest[6] & 0x0F) | 0x40);
  digest[8] = static_cast<unsigned char>((digest[8] & 0x3F) | 0x80);
  std::string hex;
  for (size_t i = 0; i < 16; ++i) hex += fmt::format("{:02x}", digest[i]);
  return hex;
}

facts::HostIdentity read_host_identity(const HostFs& fs, std::optional<std::string> profile) {
  facts::HostIdentity identity;
  identity.hostname = nonempty(fs.read("proc/sys/kernel/hostname"));
  if (const std::optional<std::string> machine_id = fs.read("etc/machine-id"))
    identity.machine_id = app_specific_machine_id(*machine_id);
  identity.kernel = read_kernel(fs).release;
  identity.cpu_model = cpu_model(fs);
  identity.mem_total_bytes = read_meminfo(fs).total_bytes;
  // A kernel built without NUMA has no node directories and one node all the same.
  identity.numa_nodes = std::max<int>(1, int(read_numa_nodes(fs).size()));
  identity.profile = std::move(profile);
  return identity;
}

}  // namespace mmtune::probes
