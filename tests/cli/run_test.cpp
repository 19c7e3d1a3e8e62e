// `mmtune list` and `mmtune run`, end to end through the binary; and what a kill -9 of the
// controller leaves behind (nothing running, no temp file) and the next run cleans up.
#include <fcntl.h>
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <sstream>
#include <thread>

#include "probes/readers.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;

bool one_line(const std::string& text) {
  return !text.empty() && text.find('\n') == text.size() - 1;
}

TEST(List, ShowsEveryWorkloadWithParameters) {
  CliResult r = run_mmtune({"list"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  const std::string out = "\n" + r.out;
  for (const char* name : {"demand-paging", "cow-fork", "thp", "false-sharing"}) {
    EXPECT_NE(out.find(std::string("\n") + name + "  "), std::string::npos) << name;
  }
  EXPECT_NE(r.out.find("--size"), std::string::npos);
  EXPECT_NE(r.out.find("512MiB"), std::string::npos);
}

TEST(List, SaysWhyAWorkloadCannotRunOnARecordedHost) {
  // Every recorded host is read; the test needs only that list answers on each (exit 0).
  for (const auto& entry : fs::directory_iterator(test_data("hosts"))) {
    if (!fs::exists(entry.path() / "ABOUT.md")) continue;
    CliResult r = run_mmtune({"list", "--root", entry.path().string()});
    EXPECT_EQ(r.exit_code, 0) << entry.path() << r.err;
  }
}

TEST(Run, PrintsEachMeasurementBesideTheModel) {
  TempDir state, json_dir;
  fs::path json = json_dir.path() / "result.json";
  CliResult r = run_mmtune({"run", "demand-paging", "--size", "16MiB", "--state-dir",
                            state.path().string(), "--json", json.string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("demand-paging: ok"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("minor_faults"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("4,096 faults"), std::string::npos) << "the model's prediction is printed";
  EXPECT_NE(r.out.find("explanation:"), std::string::npos);
  EXPECT_EQ(journal_files(state.path()), 0u);

  nlohmann::json result = nlohmann::json::parse(slurp(json));
  EXPECT_EQ(result["schema"], "mmtune.result/1");
  EXPECT_EQ(result["verdict"]["status"], "ok");
  EXPECT_EQ(result["parameters"]["size"]["value"], 16 << 20);
  bool found = false;
  for (const auto& m : result["measurements"]) {
    if (m["name"] == "minor_faults") {
      found = true;
      EXPECT_EQ(m["source"], "measured");
      EXPECT_GE(m["value"].get<double>(), 4096);
    }
  }
  EXPECT_TRUE(found);
  EXPECT_TRUE(result["series"].contains("host"));
}

TEST(Run, UnknownWorkloadSuggestsTheNearest) {
  CliResult r = run_mmtune({"run", "demand-pageing"});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("did you mean \"demand-paging\""), std::string::npos) << r.err;
  EXPECT_TRUE(one_line(r.err)) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Run, BadParametersAreRejectedBeforeAnythingRuns) {
  TempDir state;
  struct Case {
    std::vector<std::string> args;
    std::string message;
  };
  const Case cases[] = {
      {{"--szie", "1GiB"}, "--szie: unknown parameter; did you mean --size?"},
      {{"--size", "lots"}, "--size: \"lots\" must be a size"},
      {{"--size=0"}, "--size: \"0\" must be at least"},
      {{"--threads"}, "--threads: needs a value"},
      {{"--size", "100TiB"}, "--force"},
      {{"--pattern", "zigzag"}, "must be one of sequential|random|stride"},
      {{"--time-limit", "soon"}, "--time-limit"},
      {{"--root", "/"}, "--root"},
  };
  for (const Case& c : cases) {
    std::vector<std::string> args = {"run", "demand-paging", "--state-dir", state.path().string()};
    args.insert(args.end(), c.args.begin(), c.args.end());
    CliResult r = run_mmtune(args);
    EXPECT_EQ(r.exit_code, 2) << c.args[0] << ": " << r.err;
    EXPECT_NE(r.err.find(c.message), std::string::npos) << r.err;
    EXPECT_TRUE(one_line(r.err)) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
  }
  EXPECT_EQ(journal_files(state.path()), 0u) << "nothing ran, nothing was journalled";
}

std::vector<pid_t> children_of(pid_t pid) {
  std::ifstream in(fmt::format("/proc/{}/task/{}/children", pid, pid));
  std::vector<pid_t> pids;
  for (pid_t child; in >> child;) pids.push_back(child);
  return pids;
}

// Some thread of the process is alive (a zombie thread-group leader can outlive its last thread
// for a moment, and a zombie waiting for init to reap it runs nothing).
bool running(pid_t pid) {
  std::error_code ec;
  for (auto it = fs::directory_iterator(fmt::format("/proc/{}/task", pid), ec);
       !ec && it != fs::directory_iterator(); it.increment(ec)) {
    std::string stat = slurp(it->path() / "stat");
    size_t paren = stat.rfind(')');
    if (paren != std::string::npos && paren + 2 < stat.size() && stat[paren + 2] != 'Z')
      return true;
  }
  return false;
}

template <typename Predicate>
bool wait_for(Predicate predicate, std::chrono::milliseconds limit) {
  auto end = std::chrono::steady_clock::now() + limit;
  while (std::chrono::steady_clock::now() < end) {
    if (predicate()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return predicate();
}

TEST(Run, KillNineOfTheControllerLeavesNothingAndTheNextRunCleansUp) {
  TempDir state, scratch;
  facts::HostFacts facts = probes::read_host_facts(probes::HostFs("/"));
  const bool with_cgroup = is_root() && facts.cgroup.version != 0;
  std::vector<std::string> args = {
      "run",       "demand-paging", "--size",      "64MiB",
      "--backing", "file",          "--dir",       scratch.path().string(),
      "--pattern", "random",        "--touches",   "2000000000",
      "--warmup",  "off",           "--state-dir", state.path().string()};
  if (with_cgroup) args.insert(args.end(), {"--memory-limit", "256MiB"});

  pid_t controller = spawn_mmtune(args);
  std::vector<pid_t> workload;
  bool started = wait_for(
      [&] {
        workload = children_of(controller);
        return !workload.empty() && journal_files(state.path()) == 1;
      },
      std::chrono::seconds(20));
  std::this_thread::sleep_for(std::chrono::milliseconds(300));  // well inside the touch loop
  ::kill(controller, SIGKILL);
  ::waitpid(controller, nullptr, 0);
  ASSERT_TRUE(started) << "the workload never started";

  for (pid_t pid : workload) {
    EXPECT_TRUE(wait_for([&] { return !running(pid); }, std::chrono::seconds(5)))
        << "workload " << pid << " outlived";
    if (running(pid)) ::kill(pid, SIGKILL);
  }
  EXPECT_TRUE(fs::is_empty(scratch.path())) << "no temp file behind";
  EXPECT_EQ(journal_files(state.path()), 1u) << "the dead run's journal waits for the next run";
  fs::path cgroup = fs::path("/") / facts.cgroup.dir / fmt::format("mmtune-{}-0", controller);
  if (with_cgroup) {
    EXPECT_TRUE(fs::exists(cgroup)) << cgroup;
  }

  CliResult next =
      run_mmtune({"run", "demand-paging", "--size", "4MiB", "--state-dir", state.path().string()});
  EXPECT_EQ(next.exit_code, 0) << next.err;
  if (with_cgroup) {
    EXPECT_NE(next.err.find("restored after an earlier run: removed cgroup"), std::string::npos)
        << next.err;
  }
  EXPECT_EQ(journal_files(state.path()), 0u);
  EXPECT_FALSE(fs::exists(cgroup)) << "the next run removed the dead run's cgroup";
}

}  // namespace
}  // namespace mmtune::test
