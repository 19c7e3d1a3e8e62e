// The memory-cgroup workloads on a pure cgroup v2 host: Debian 12's 6.12 kernel under QEMU, whose
// guest mounts cgroup2 at /sys/fs/cgroup and runs mmtune in the root cgroup (label "matrix"). Each
// run also lists what mmtune may change before and after (cgroups, the root's subtree_control,
// swap, mounts, block devices, vm settings, trace instances, files): nothing may be left. Skips
// with the reason when QEMU or the kernel packages cannot be had.
#include <gtest/gtest.h>

#include "tests/matrix/matrix_run.hpp"

namespace mmtune::test {
namespace {

constexpr const char* kKernel = "debian:6.12-cloud";

struct GuestRun {
  MatrixRun run;
  const nlohmann::json* kernel = nullptr;
  std::string skip;
};

GuestRun run_in_guest(std::vector<std::string> matrix_options, std::vector<std::string> command) {
  std::vector<std::string> args = {"--kernel", kKernel, "--timeout", "400s"};
  args.insert(args.end(), matrix_options.begin(), matrix_options.end());
  args.push_back("--");
  args.insert(args.end(), command.begin(), command.end());
  GuestRun guest{run_matrix(args), nullptr, {}};
  guest.skip = why_not_runnable(guest.run);
  if (guest.run.json.is_object()) guest.kernel = kernel_named(guest.run.json, kKernel);
  return guest;
}

std::string notes_of(const nlohmann::json& kernel) {
  std::string all;
  if (kernel["result"].is_object()) {
    for (const auto& note : kernel["result"].value("notes", nlohmann::json::array()))
      all += note.get<std::string>() + "\n";
  }
  return all;
}

// The run ended with exit 0, its verdict ok (every model comparison inside its tolerance), on a
// v2 host with mmtune's own top-level cgroup, and left nothing behind.
void expect_clean_pass(const GuestRun& guest) {
  ASSERT_NE(guest.kernel, nullptr) << guest.run.cli.err << guest.run.cli.out;
  const nlohmann::json& k = *guest.kernel;
  ASSERT_EQ(k["status"], "ran") << k.dump(2);
  EXPECT_EQ(k["exit_code"], 0) << k["stderr"] << k["stdout"];
  ASSERT_TRUE(k["result"].is_object()) << k["stderr"];
  EXPECT_EQ(k["result"]["verdict"]["status"], "ok") << k["result"]["verdict"].dump(2);
  EXPECT_NE(notes_of(k).find("cgroup v2 without systemd"), std::string::npos) << notes_of(k);
  ASSERT_TRUE(k["leftovers"].is_array()) << "the guest sent no before/after listing";
  EXPECT_TRUE(k["leftovers"].empty()) << k["leftovers"].dump(2);
  EXPECT_TRUE(k["kernel_warnings"].empty()) << k["kernel_warnings"].dump();
  EXPECT_EQ(guest.run.cli.exit_code, 0) << guest.run.cli.out;
}

TEST(MatrixCgroupV2, OomKillsTheAllocatorAtTheModelsPoint) {
  GuestRun guest = run_in_guest({}, {"run", "oom", "--dir", "/scratch"});
  if (!guest.skip.empty()) GTEST_SKIP() << guest.skip;
  expect_clean_pass(guest);
  ASSERT_NE(guest.kernel, nullptr);
  ASSERT_TRUE(value_of(*guest.kernel, "oom_point_bytes"));
  EXPECT_NEAR(*value_of(*guest.kernel, "oom_point_bytes"),
              *value_of(*guest.kernel, "oom_point_bytes", true),
              0.10 * *value_of(*guest.kernel, "oom_point_bytes", true));
  EXPECT_EQ(value_of(*guest.kernel, "cgroup_oom_kills.r1"), 1) << "memory.events oom_kill";
}

TEST(MatrixCgroupV2, ReclaimWithSwapSetsVmSwappinessAndRestoresIt) {
  GuestRun guest = run_in_guest(
      {}, {"run", "reclaim", "--swap", "256MiB", "--dir", "/scratch", "--duration", "4s"});
  if (!guest.skip.empty()) GTEST_SKIP() << guest.skip;
  expect_clean_pass(guest);
  ASSERT_NE(guest.kernel, nullptr);
  EXPECT_NE(notes_of(*guest.kernel).find("sets vm.swappiness through the journal"),
            std::string::npos);
  for (const char* phase : {"sw1", "sw100"}) {
    EXPECT_TRUE(value_of(*guest.kernel, std::string("pgsteal_file.") + phase)) << phase;
    EXPECT_TRUE(value_of(*guest.kernel, std::string("psi_some_us.") + phase))
        << "v2 has the cgroup's own memory.pressure";
  }
}

TEST(MatrixCgroupV2, DirtyFloodOnASlowDeviceLimitedThroughIoMax) {
  GuestRun guest = run_in_guest(
      {}, {"run", "dirty-flood", "--device-bps", "30M", "--dir", "/scratch", "--bystander", "off"});
  if (!guest.skip.empty()) GTEST_SKIP() << guest.skip;
  expect_clean_pass(guest);
  ASSERT_NE(guest.kernel, nullptr);
  EXPECT_NE(notes_of(*guest.kernel).find("io.max"), std::string::npos) << notes_of(*guest.kernel);
  EXPECT_TRUE(value_of(*guest.kernel, "throttle_onset_bytes"));
}

// kill -9 in the middle of a slow-device run (a loop device, its mount, io.max, the writers'
// cgroup, the controllers enabled in the root, a trace instance), then `mmtune restore`.
TEST(MatrixCgroupV2, KillNineThenRestoreLeavesNothingBehind) {
  GuestRun guest = run_in_guest(
      {"--kill-after", "25s"},
      {"run", "dirty-flood", "--device-bps", "30M", "--dir", "/scratch", "--bystander", "off"});
  if (!guest.skip.empty()) GTEST_SKIP() << guest.skip;
  ASSERT_NE(guest.kernel, nullptr) << guest.run.cli.err;
  const nlohmann::json& k = *guest.kernel;
  ASSERT_EQ(k["status"], "ran") << k.dump(2);
  EXPECT_EQ(k["exit_code"], 137) << "killed while it ran: " << k["stderr"];
  const std::string restore = k.value("restore", "");
  EXPECT_NE(restore.find("restored"), std::string::npos) << restore;
  ASSERT_TRUE(k["leftovers"].is_array());
  EXPECT_TRUE(k["leftovers"].empty()) << k["leftovers"].dump(2) << restore;
  EXPECT_EQ(guest.run.cli.exit_code, 0) << guest.run.cli.out;
}

}  // namespace
}  // namespace mmtune::test
