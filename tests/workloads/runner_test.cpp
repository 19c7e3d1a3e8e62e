// The runner's promises on this host: it stops at the time limit and on SIGINT, reports an OOM
// kill inside its memory cgroup with evidence, refuses oversized runs before anything runs, and
// leaves no cgroup or journal behind.
#include "workloads/runner.hpp"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <filesystem>
#include <thread>

#include "facts/error.hpp"
#include "probes/parsers.hpp"
#include "tests/workloads/run_tiny.hpp"

namespace mmtune::workloads {
namespace {

namespace fs = std::filesystem;

TEST(Runner, TimeLimitStopsTheWorkload) {
  RunOptions options;
  options.time_limit = std::chrono::milliseconds(300);
  Result r = run_tiny("false-sharing", {{"duration", "10s"}}, options);
  EXPECT_EQ(r.verdict.status, Status::failed);
  EXPECT_NE(r.verdict.reason.find("time limit"), std::string::npos) << r.verdict.reason;
  EXPECT_LT(r.wall_s, 3.0) << "the workload saw its stop flag";
  EXPECT_FALSE(r.verdict.interrupted);
}

TEST(Runner, SigintStopsCleanlyAndSaysSo) {
  std::thread interrupter([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(400));
    ::kill(::getpid(), SIGINT);
  });
  Result r = run_tiny("false-sharing", {{"duration", "10s"}});
  interrupter.join();
  EXPECT_EQ(r.verdict.status, Status::failed);
  EXPECT_TRUE(r.verdict.interrupted) << r.verdict.reason;
  EXPECT_LT(r.wall_s, 3.0);
  // The handler is gone again: SIGINT's disposition is back to what it was.
  struct sigaction now {};
  ::sigaction(SIGINT, nullptr, &now);
  EXPECT_EQ(now.sa_handler, SIG_DFL);
}

TEST(Runner, SizeCapRefusesBeforeAnythingRuns) {
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  RunOptions options;
  uint64_t too_big = size_cap_bytes(options, facts) + (1ull << 30);
  // Whole MiB: format_size rounds to one decimal ("12.1GiB"), which is not a whole number of bytes.
  options.params = {{"size", fmt::format("{}MiB", too_big >> 20)}};
  try {
    plan_run("demand-paging", options, facts);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("--force"), std::string::npos) << e.what();
  }
  options.force = true;
  EXPECT_NO_THROW(plan_run("demand-paging", options, facts));
}

TEST(Runner, BadParameterIsBadInput) {
  RunOptions options;
  options.params = {{"threads", "many"}};
  EXPECT_THROW(plan_run("demand-paging", options, probes::read_host_facts(probes::HostFs("/"))),
               Error);
}

bool can_make_memory_cgroups(const facts::HostFacts& facts) {
  return test::is_root() && facts.cgroup.version != 0;
}

TEST(Runner, MemoryCgroupBoundsTheRunAndGoesAway) {
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  if (!can_make_memory_cgroups(facts)) GTEST_SKIP() << "needs root and a memory cgroup controller";
  RunOptions options;
  options.memory_limit_bytes = 64ull << 20;
  Result r = run_tiny("demand-paging", {{"size", "8MiB"}}, options);
  ASSERT_EQ(r.verdict.status, Status::ok) << r.verdict.reason;
  EXPECT_GE(value(r, "cgroup_peak_bytes"), 8.0 * (1 << 20));
  EXPECT_EQ(value(r, "cgroup_oom_kills"), 0);
  ASSERT_FALSE(r.limits.cgroup.empty());
  EXPECT_FALSE(fs::exists(fs::path("/") / r.limits.cgroup)) << r.limits.cgroup;
}

TEST(Runner, OomKillInsideTheCgroupIsReportedWithEvidence) {
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  if (!can_make_memory_cgroups(facts)) GTEST_SKIP() << "needs root and a memory cgroup controller";
  RunOptions options;
  options.memory_limit_bytes = 16ull << 20;
  Result r = run_tiny("demand-paging", {{"size", "64MiB"}, {"warmup", "off"}}, options);
  EXPECT_EQ(r.verdict.status, Status::failed);
  EXPECT_NE(r.verdict.reason.find("OOM"), std::string::npos) << r.verdict.reason;
  EXPECT_GE(value(r, "cgroup_oom_kills"), 1);
  EXPECT_FALSE(fs::exists(fs::path("/") / r.limits.cgroup));
}

TEST(Runner, AWorkloadErrorIsAFailedVerdict) {
#if defined(__SANITIZE_ADDRESS__)
  GTEST_SKIP() << "RLIMIT_AS cannot bound an AddressSanitizer process";
#else
  // An address-space limit the workload's mapping cannot fit in: mmap fails in the child, which
  // reports the error; the controller stays well inside the limit.
  rlimit old{};
  ::getrlimit(RLIMIT_AS, &old);
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  uint64_t vm_size =
      probes::parse_colon_kib(probes::HostFs("/").read("proc/self/status").value_or(""))
          .get_or("VmSize", 0);
  rlimit tight{vm_size + (256ull << 20), old.rlim_max};
  ASSERT_EQ(::setrlimit(RLIMIT_AS, &tight), 0);
  Result r;
  try {
    r = run_tiny("demand-paging", {{"size", "1GiB"}});
  } catch (...) {
    ::setrlimit(RLIMIT_AS, &old);
    throw;
  }
  ::setrlimit(RLIMIT_AS, &old);
  EXPECT_EQ(r.verdict.status, Status::failed);
  EXPECT_NE(r.verdict.reason.find("mmap"), std::string::npos) << r.verdict.reason;
#endif
}

TEST(Runner, SkipsAnUnsupportedWorkloadButKeepsThePrediction) {
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  facts.cpu.online = 1;  // what a one-CPU host would report
  RunOptions options;
  test::TempDir state;
  options.state_dir = state.path();
  Result r = execute(plan_run("false-sharing", options, facts), options);
  EXPECT_EQ(r.verdict.status, Status::skipped);
  EXPECT_NE(r.verdict.reason.find("2 CPUs"), std::string::npos) << r.verdict.reason;
  EXPECT_FALSE(r.predictions.empty());
  EXPECT_TRUE(r.measurements.empty());
}

}  // namespace
}  // namespace mmtune::workloads
