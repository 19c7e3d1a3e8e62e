// The host identity every document carries: systemd's application-specific machine id, what a
// host tree gives, null for what it lacks, and the JSON both ways.
#include "facts/identity.hpp"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>

#include "probes/identity.hpp"
#include "probes/readers.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

TEST(Identity, MachineIdIsSystemdsApplicationSpecificId) {
  // Expected from Python's hmac (bench/synthesize_fleet.py app_specific), the same construction
  // as systemd's sd_id128_get_machine_app_specific().
  EXPECT_EQ(probes::app_specific_machine_id("00112233445566778899aabbccddeeff\n"),
            "155dc54f304e4c43894c17ded1d97288");
  EXPECT_EQ(probes::app_specific_machine_id("not a machine id"), std::nullopt);
  EXPECT_EQ(probes::app_specific_machine_id("00112233445566778899AABBCCDDEEFF"), std::nullopt);
}

TEST(Identity, MatchesSystemdId128OnThisHost) {
  if (::access("/usr/bin/systemd-id128", X_OK) != 0 || !std::filesystem::exists("/etc/machine-id"))
    GTEST_SKIP() << "systemd-id128 or /etc/machine-id missing";
  std::string expected;
  if (FILE* p = ::popen(
          "/usr/bin/systemd-id128 machine-id --app-specific=8cdf0575226c49c19e182e8bee290ffb",
          "r")) {
    char line[64] = {};
    if (std::fgets(line, sizeof line, p)) expected = line;
    ::pclose(p);
  }
  if (!expected.empty() && expected.back() == '\n') expected.pop_back();
  ASSERT_EQ(expected.size(), 32u);
  EXPECT_EQ(probes::read_host_identity(probes::HostFs("/")).machine_id, expected);
}

TEST(Identity, ReadsAHostTreeAndLeavesWhatItLacksNull) {
  TempDir dir;
  std::filesystem::copy(test_data("hosts/numa2-5.15"), dir.path(),
                        std::filesystem::copy_options::recursive);
  write_text(dir.path() / "proc/sys/kernel/hostname", "db-7\n");
  write_text(dir.path() / "etc/machine-id", "00112233445566778899aabbccddeeff\n");
  write_text(dir.path() / "proc/cpuinfo",
             "processor\t: 0\nvendor_id\t: AuthenticAMD\nmodel name\t: AMD EPYC 7B13 64-Core "
             "Processor\n\nprocessor\t: 1\n");
  const probes::HostFs fs(dir.path());
  const facts::HostIdentity id = probes::read_host_identity(fs, "database");
  EXPECT_EQ(id.hostname, "db-7");
  EXPECT_EQ(id.machine_id, "155dc54f304e4c43894c17ded1d97288");
  EXPECT_EQ(id.cpu_model, "AMD EPYC 7B13 64-Core Processor");
  EXPECT_EQ(id.kernel, probes::read_kernel(fs).release);
  EXPECT_EQ(id.mem_total_bytes, probes::read_meminfo(fs).total_bytes);
  EXPECT_EQ(id.numa_nodes, 2);
  EXPECT_EQ(id.profile, "database");

  const facts::HostIdentity bare =
      probes::read_host_identity(probes::HostFs(test_data("hosts/numa2-5.15")));
  EXPECT_EQ(bare.machine_id, std::nullopt);
  EXPECT_EQ(bare.profile, std::nullopt);
  EXPECT_EQ(facts::identity_from_json(facts::identity_to_json(id)), id);
  EXPECT_EQ(facts::identity_from_json(facts::identity_to_json(bare)), bare);
  EXPECT_TRUE(facts::identity_to_json(bare)["machine_id"].is_null());
}

}  // namespace
}  // namespace mmtune::test
