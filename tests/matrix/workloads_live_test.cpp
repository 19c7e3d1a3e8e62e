// The two workloads the matrix exists for, on this host (label live): dio-fork-race runs (and its
// checker is proven against an injected fault), numa-misplacement says it cannot run on one node.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <linux/magic.h>
#include <sys/statfs.h>
#include <unistd.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

struct WorkloadRun {
  CliResult cli;
  nlohmann::json result;
};

WorkloadRun run_workload(std::vector<std::string> args) {
  TempDir dir;
  std::string json_path = (dir.path() / "result.json").string();
  args.insert(args.begin(), "run");
  args.insert(args.end(), {"--json", json_path});
  WorkloadRun run{run_mmtune(args), {}};
  std::ifstream in(json_path);
  if (in) run.result = nlohmann::json::parse(in, nullptr, false);
  return run;
}

double measured(const nlohmann::json& result, std::string_view name) {
  for (const auto& m : result["measurements"]) {
    if (m["name"] == name) return m["value"].get<double>();
  }
  ADD_FAILURE() << "no measurement " << name;
  return -1;
}

bool host_kernel_at_least_6_5() {
  std::ifstream in("/proc/sys/kernel/osrelease");
  int major = 0, minor = 0;
  char dot = 0;
  in >> major >> dot >> minor;
  return major > 6 || (major == 6 && minor >= 5);
}

TEST(DioForkRaceLive, RunsHereWithEveryControlAtZero) {
  WorkloadRun run = run_workload({"dio-fork-race", "--tries", "200", "--time-budget", "20s"});
  if (run.cli.exit_code == 3) GTEST_SKIP() << run.cli.out << run.cli.err;
  ASSERT_EQ(run.cli.exit_code, 0) << run.cli.out << run.cli.err;
  ASSERT_TRUE(run.result.is_object());
  for (const char* control : {"dontfork", "shared", "no_write", "buffered"}) {
    EXPECT_EQ(measured(run.result, std::string("data_loss.") + control), 0) << control;
  }
  if (host_kernel_at_least_6_5()) {
    EXPECT_EQ(measured(run.result, "data_loss.io_uring"), 0);
    EXPECT_EQ(measured(run.result, "data_loss.thread"), 0);
    EXPECT_NE(run.cli.out.find("finding: not affected"), std::string::npos) << run.cli.out;
  }
}

// The checker is proven able to catch a loss: each race read is delivered to the child's copy.
TEST(DioForkRaceLive, CheckerCatchesAnInjectedLoss) {
  WorkloadRun run = run_workload(
      {"dio-fork-race", "--tries", "50", "--variants", "race", "--inject", "wrong-copy"});
  if (run.cli.exit_code == 3) GTEST_SKIP() << run.cli.out << run.cli.err;
  ASSERT_EQ(run.cli.exit_code, 0) << run.cli.out << run.cli.err;
  EXPECT_EQ(measured(run.result, "data_loss.io_uring"), measured(run.result, "tries.io_uring"));
  EXPECT_EQ(measured(run.result, "data_loss.thread"), measured(run.result, "tries.thread"));
  EXPECT_EQ(measured(run.result, "stale.io_uring"), measured(run.result, "tries.io_uring"))
      << "a lost read still holds the sentinel";
  EXPECT_GT(measured(run.result, "tries.io_uring"), 0);
}

// tmpfs gained O_DIRECT opens in Linux 6.6, but its "direct" reads are the CPU copying from the
// page cache: no device fills the buffer, so there is no race to test. What this kernel really does
// is probed here first, and the workload must say not supported (exit 3) either way, for the
// matching reason.
struct TmpfsODirect {
  bool opens = false;
  bool unaligned_read_works = false;  // block direct I/O refuses a read at an odd address
};

TmpfsODirect probe_tmpfs_o_direct(const std::filesystem::path& dir) {
  TmpfsODirect found;
  std::string name = (dir / "mmtune-odirect-probe-XXXXXX").string();
  int fd = ::mkstemp(name.data());
  if (fd < 0) return found;
  ::unlink(name.c_str());
  char data[4096] = {1};
  (void)!::pwrite(fd, data, sizeof data, 0);
  int direct = ::open(fmt::format("/proc/self/fd/{}", fd).c_str(), O_RDONLY | O_DIRECT);
  if (direct >= 0) {
    found.opens = true;
    char buffer[256];
    found.unaligned_read_works = ::pread(direct, buffer + 1, 100, 1) == 100;
    ::close(direct);
  }
  ::close(fd);
  return found;
}

TEST(DioForkRaceLive, TmpfsIsNotSupportedForTheReasonThisKernelGives) {
  struct statfs info {};
  if (::statfs("/dev/shm", &info) != 0 || info.f_type != TMPFS_MAGIC)
    GTEST_SKIP() << "/dev/shm is not a tmpfs here";
  TmpfsODirect probe = probe_tmpfs_o_direct("/dev/shm");
  WorkloadRun run = run_workload({"dio-fork-race", "--tries", "10", "--dir", "/dev/shm"});
  EXPECT_EQ(run.cli.exit_code, 3) << run.cli.out << run.cli.err;
  if (probe.opens) {
    // Linux >= 6.6: the open works, and the probe confirms it is no device I/O.
    EXPECT_TRUE(probe.unaligned_read_works) << "a tmpfs O_DIRECT read at an odd address failed";
    EXPECT_NE(run.cli.out.find("O_DIRECT on /dev/shm (tmpfs) is a memory copy"), std::string::npos)
        << run.cli.out;
  } else {
    EXPECT_NE(run.cli.out.find("no O_DIRECT on /dev/shm (tmpfs)"), std::string::npos)
        << run.cli.out;
  }
}

TEST(NumaMisplacementLive, OneNodeIsNotSupported) {
  if (std::filesystem::exists("/sys/devices/system/node/node1"))
    GTEST_SKIP() << "this host has 2+ NUMA nodes";
  WorkloadRun run = run_workload({"numa-misplacement"});
  EXPECT_EQ(run.cli.exit_code, 3) << run.cli.out << run.cli.err;
  EXPECT_NE(run.cli.out.find("numa-misplacement: not supported here: one NUMA node"),
            std::string::npos)
      << run.cli.out;
}

}  // namespace
}  // namespace mmtune::test
