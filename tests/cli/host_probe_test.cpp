// `mmtune host` and `mmtune probe` end to end, running the built binary. Suite names give the
// tier: *Snapshot reads tests/data/hosts, *Live reads this host, the rest check input handling.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/mman.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include "tests/support/recorded_hosts.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// A child process of the mmtune binary (optionally under a wrapper such as setpriv), with its
// output in files; for tests that must signal it or run something beside it.
class Spawned {
 public:
  Spawned(const std::vector<std::string>& args, const std::vector<std::string>& wrapper = {}) {
    std::vector<std::string> argv = wrapper;
    argv.push_back(mmtune_binary().string());
    argv.insert(argv.end(), args.begin(), args.end());
    std::string out = (dir_.path() / "out").string(), err = (dir_.path() / "err").string();
    pid_ = ::fork();
    if (pid_ == 0) {
      int out_fd = ::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int err_fd = ::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      ::dup2(out_fd, 1);
      ::dup2(err_fd, 2);
      std::vector<char*> c_argv;
      for (auto& a : argv) c_argv.push_back(a.data());
      c_argv.push_back(nullptr);
      ::execvp(c_argv[0], c_argv.data());
      ::_exit(127);
    }
  }
  ~Spawned() {
    if (pid_ > 0 && !waited_) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
  }
  pid_t pid() const { return pid_; }
  CliResult wait() {
    int status = 0;
    ::waitpid(pid_, &status, 0);
    waited_ = true;
    CliResult result;
    result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    result.out = slurp(dir_.path() / "out");
    result.err = slurp(dir_.path() / "err");
    return result;
  }

 private:
  TempDir dir_;
  pid_t pid_ = -1;
  bool waited_ = false;
};

// ------------------------------------------------------------------------- host, recorded hosts

TEST(HostSnapshot, JsonMatchesGoldenForEveryRecordedHost) {
  auto hosts = recorded_hosts();
  ASSERT_GE(hosts.size(), 4u);
  for (const std::string& host : hosts) {
    SCOPED_TRACE(host);
    CliResult r = run_mmtune({"host", "--root", test_data("hosts/" + host).string(), "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    EXPECT_EQ(json::parse(r.out)["schema"], "mmtune.host/1");
    auto golden = test_data("golden/" + host + "/host.json");
    if (const char* update = std::getenv("MMTUNE_UPDATE_GOLDEN");
        update && std::string(update) == "1") {
      std::filesystem::create_directories(golden.parent_path());
      std::ofstream(golden, std::ios::binary) << r.out;
      continue;
    }
    ASSERT_TRUE(std::filesystem::exists(golden))
        << golden << " missing: run with MMTUNE_UPDATE_GOLDEN=1";
    EXPECT_EQ(r.out, slurp(golden)) << "mmtune host --root " << host << " --json differs from "
                                    << golden << " (MMTUNE_UPDATE_GOLDEN=1 rewrites it)";
  }
}

TEST(HostSnapshot, NumaHostShowsTwoNodesAndTheirDistances) {
  CliResult r = run_mmtune({"host", "--root", test_data("hosts/numa2-5.15").string()});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("2 node(s)"), std::string::npos) << r.out;
  // The distance table: one row per node, distances in node order.
  bool row0 = false, row1 = false;
  for (const std::string& line : lines_of(r.out)) {
    if (line.find("0-7,16-23") != std::string::npos && line.find("10  21") != std::string::npos)
      row0 = true;
    if (line.find("8-15,24-31") != std::string::npos && line.find("21  10") != std::string::npos)
      row1 = true;
  }
  EXPECT_TRUE(row0 && row1) << r.out;
  CliResult j = run_mmtune({"host", "--root", test_data("hosts/numa2-5.15").string(), "--json"});
  json facts = json::parse(j.out);
  ASSERT_EQ(facts["numa"].size(), 2u);
  EXPECT_EQ(facts["numa"][1]["distances"], json({21, 10}));
}

TEST(HostSnapshot, OldKernelShowsPsiAsNotAvailable) {
  std::string root = test_data("hosts/old-4.19").string();
  CliResult text = run_mmtune({"host", "--root", root});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  bool psi_line = false;
  for (const std::string& line : lines_of(text.out)) {
    if (line.starts_with("psi") && line.find("not available") != std::string::npos) psi_line = true;
  }
  EXPECT_TRUE(psi_line) << text.out;
  CliResult j = run_mmtune({"host", "--root", root, "--json"});
  EXPECT_TRUE(json::parse(j.out)["psi"].is_null());
}

TEST(HostSnapshot, RecordThenReplayGivesTheSameHost) {
  for (const std::string& host : {std::string("container-v2-6.1"), std::string("local-6.18")}) {
    SCOPED_TRACE(host);
    std::string root = test_data("hosts/" + host).string();
    TempDir scratch;
    std::string copy = (scratch.path() / "copy").string();
    CliResult recorded = run_mmtune({"host", "--root", root, "--json", "--record", copy});
    ASSERT_EQ(recorded.exit_code, 0) << recorded.err;
    // Every recorded file is byte-identical to the file it was read from.
    size_t files = 0;
    for (const auto& entry : std::filesystem::recursive_directory_iterator(copy)) {
      if (!entry.is_regular_file()) continue;
      ++files;
      auto rel = std::filesystem::relative(entry.path(), copy);
      EXPECT_EQ(slurp(entry.path()), slurp(std::filesystem::path(root) / rel)) << rel;
    }
    EXPECT_GT(files, 20u);
    CliResult replay = run_mmtune({"host", "--root", copy, "--json"});
    ASSERT_EQ(replay.exit_code, 0) << replay.err;
    EXPECT_EQ(replay.out, recorded.out);
  }
}

TEST(HostSnapshot, RecordRefusesANonEmptyDirectory) {
  TempDir scratch;
  std::ofstream(scratch.path() / "something") << "x";
  CliResult r = run_mmtune({"host", "--record", scratch.path().string()});
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_TRUE(r.out.empty());
  EXPECT_NE(r.err.find("--record"), std::string::npos) << r.err;
}

// ------------------------------------------------------------------------------- host, live

// /proc/zoneinfo read independently of the probes: node/zone → min, low, high, managed.
std::map<std::string, std::vector<uint64_t>> zone_marks(const std::string& text) {
  std::map<std::string, std::vector<uint64_t>> zones;
  std::string current;
  for (const std::string& line : lines_of(text)) {
    std::istringstream words(line);
    std::string first;
    words >> first;
    if (first == "Node") {
      std::string node, zone_word, name;
      words >> node >> zone_word >> name;
      current = node + name;  // "0,Normal"
      zones[current] = {0, 0, 0, 0};
      continue;
    }
    uint64_t value = 0;
    if (!(words >> value) || current.empty()) continue;
    if (first == "min") zones[current][0] = value;
    if (first == "low") zones[current][1] = value;
    if (first == "high") zones[current][2] = value;
    if (first == "managed") zones[current][3] = value;
  }
  return zones;
}

std::string first_line(const std::string& path) {
  std::string text = slurp(path);
  return text.substr(0, text.find('\n'));
}

TEST(HostLive, JsonEqualsWhatProcAndSysSay) {
  // Zone managed pages grow while this kernel initialises memory lazily: retry when /proc/zoneinfo
  // changed between our read and mmtune's.
  for (int attempt = 0;; ++attempt) {
    std::string zoneinfo_before = slurp("/proc/zoneinfo");
    CliResult r = run_mmtune({"host", "--json"});
    ASSERT_EQ(r.exit_code, 0) << r.err;
    std::string zoneinfo_after = slurp("/proc/zoneinfo");
    json host = json::parse(r.out);
    auto before = zone_marks(zoneinfo_before), after = zone_marks(zoneinfo_after);
    if (before != after && attempt < 5) continue;

    std::map<std::string, std::vector<uint64_t>> reported;
    for (const json& z : host["zones"]) {
      reported[std::to_string(z["node"].get<int>()) + "," + z["name"].get<std::string>()] = {
          z["min_pages"], z["low_pages"], z["high_pages"], z["managed_pages"]};
    }
    EXPECT_EQ(reported, after);

    std::istringstream meminfo(slurp("/proc/meminfo"));
    std::string key;
    uint64_t mem_total_kib = 0;
    meminfo >> key >> mem_total_kib;
    ASSERT_EQ(key, "MemTotal:");
    EXPECT_EQ(host["meminfo"]["total_bytes"].get<uint64_t>(), mem_total_kib * 1024);

    for (const char* knob :
         {"swappiness", "dirty_ratio", "dirty_background_ratio", "dirty_bytes",
          "dirty_background_bytes", "dirty_expire_centisecs", "dirty_writeback_centisecs"}) {
      EXPECT_EQ(host["settings"][std::string("vm.") + knob],
                first_line(std::string("/proc/sys/vm/") + knob))
          << knob;
    }
    std::string thp = first_line("/sys/kernel/mm/transparent_hugepage/enabled");
    std::string selected = thp.substr(thp.find('[') + 1, thp.find(']') - thp.find('[') - 1);
    EXPECT_EQ(host["settings"]["thp.enabled"], selected);
    return;
  }
}

TEST(HostLive, RecordsThisHostForReplay) {
  TempDir scratch;
  std::string copy = (scratch.path() / "rec").string();
  CliResult live = run_mmtune({"host", "--json", "--record", copy});
  ASSERT_EQ(live.exit_code, 0) << live.err;
  EXPECT_NE(live.err.find("recorded"), std::string::npos);
  CliResult replay = run_mmtune({"host", "--root", copy, "--json"});
  ASSERT_EQ(replay.exit_code, 0) << replay.err;
  // The recording holds exactly what was read, so replaying it reproduces the same facts.
  EXPECT_EQ(replay.out, live.out);
}

// ------------------------------------------------------------------------------ probe, live

std::vector<json> jsonl(const std::string& out) {
  std::vector<json> records;
  for (const std::string& line : lines_of(out)) records.push_back(json::parse(line));
  return records;
}

TEST(ProbeLive, PrintsOneRecordPerTick) {
  CliResult r =
      run_mmtune({"probe", "--interval", "100ms", "--duration", "2s", "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = jsonl(r.out);
  EXPECT_GE(records.size(), 19u);
  EXPECT_LE(records.size(), 21u);
  double previous = 0;
  for (const json& record : records) {
    EXPECT_GT(record["t_s"].get<double>(), previous);  // monotonic
    previous = record["t_s"];
    EXPECT_TRUE(record.contains("minflt_s"));
    EXPECT_TRUE(record.contains("low_mib"));
    EXPECT_TRUE(record["psi_some_pct"].is_number() || record["psi_some_pct"].is_null());
  }
}

// Uninstrumented: AddressSanitizer's check of each store reads the region's shadow, 1/8 of it, and
// those reads fault too (8,192 more for 256 MiB).
__attribute__((no_sanitize("address", "undefined"))) void touch_each_page(char* memory,
                                                                          size_t bytes) {
  for (size_t i = 0; i < bytes; i += 4096) static_cast<volatile char*>(memory)[i] = 1;
}

TEST(ProbeLive, CountsTheMinorFaultsOfFreshMemory) {
  constexpr size_t kBytes = 256u << 20;
  constexpr uint64_t kPages = kBytes / 4096;  // 65,536
  int go[2];
  ASSERT_EQ(::pipe2(go, O_CLOEXEC), 0);  // the probe process must not hold the write end
  pid_t toucher = ::fork();
  ASSERT_GE(toucher, 0);
  if (toucher == 0) {
    ::close(go[1]);
    char byte;
    if (::read(go[0], &byte, 1) != 1) ::_exit(1);
    void* p = ::mmap(nullptr, kBytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) ::_exit(1);
    ::madvise(p, kBytes, MADV_NOHUGEPAGE);  // one fault per 4 KiB page whatever THP is set to
    touch_each_page(static_cast<char*>(p), kBytes);
    if (::read(go[0], &byte, 1) < 0) ::_exit(1);  // stay until the probe is done
    ::_exit(0);
  }
  ::close(go[0]);
  Spawned probe({"probe", "--pid", std::to_string(toucher), "--interval", "100ms", "--duration",
                 "3s", "--format", "jsonl"});
  std::this_thread::sleep_for(400ms);  // the probe has taken its first sample
  ASSERT_EQ(::write(go[1], "g", 1), 1);
  CliResult r = probe.wait();
  ::close(go[1]);
  int status = 0;
  ::waitpid(toucher, &status, 0);
  ASSERT_EQ(r.exit_code, 0) << r.err;
  ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);

  // dt from mono_ns: t_s is rounded to the millisecond, which over a 100 ms tick full of faults
  // is worth hundreds of them. The first record's interval ends before the toucher starts.
  double host_faults = 0, pid_faults = 0;
  int64_t previous_ns = -1;
  for (const json& record : jsonl(r.out)) {
    const int64_t now_ns = record["mono_ns"].get<int64_t>();
    const double dt = previous_ns < 0 ? 0 : double(now_ns - previous_ns) / 1e9;
    previous_ns = now_ns;
    host_faults += record["minflt_s"].get<double>() * dt;
    pid_faults += record["pid_minflt_s"].get<double>() * dt;
  }
  EXPECT_GE(host_faults, double(kPages) - 0.5);
  EXPECT_GE(pid_faults, double(kPages) - 0.5);
  EXPECT_LE(pid_faults, double(kPages) + 2000);  // the child's own faults, not the host's
}

TEST(ProbeLive, StopsCleanlyOnSigterm) {
  Spawned probe({"probe", "--interval", "100ms", "--format", "csv"});
  std::this_thread::sleep_for(550ms);
  ::kill(probe.pid(), SIGTERM);
  CliResult r = probe.wait();
  EXPECT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_GE(lines.size(), 4u);  // header + ≥ 3 rows
  EXPECT_TRUE(lines[0].starts_with("t_s,mono_ns,minflt_s,")) << lines[0];
}

TEST(ProbeLive, TableHasAHeaderAndAlignedRows) {
  CliResult r =
      run_mmtune({"probe", "--interval", "50ms", "--duration", "200ms", "--format", "table"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto lines = lines_of(r.out);
  ASSERT_EQ(lines.size(), 5u);  // header + 4 rows
  EXPECT_NE(lines[0].find("minflt/s"), std::string::npos);
  for (const std::string& line : lines) EXPECT_EQ(line.size(), lines[0].size()) << line;
}

TEST(ProbeLive, SamplesAMemoryCgroup) {
  CliResult host = run_mmtune({"host", "--json"});
  json cgroup = json::parse(host.out)["cgroup"];
  if (cgroup["version"] == 0) GTEST_SKIP() << "this process is in no memory cgroup";
  CliResult r = run_mmtune({"probe", "--cgroup", cgroup["path"].get<std::string>(), "--interval",
                            "50ms", "--duration", "150ms", "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = jsonl(r.out);
  ASSERT_GE(records.size(), 1u);  // one per 50 ms tick; a busy machine skips some
  ASSERT_LE(records.size(), 3u);
  EXPECT_TRUE(records.back()["cg_mem_mib"].is_number());
  EXPECT_GT(records.back()["cg_mem_mib"].get<double>(), 0);
}

TEST(ProbeSnapshot, RecordedHostGivesZeroRatesAndNullPsiOnOldKernels) {
  CliResult r = run_mmtune({"probe", "--root", test_data("hosts/old-4.19").string(), "--interval",
                            "10ms", "--duration", "50ms", "--format", "jsonl"});
  ASSERT_EQ(r.exit_code, 0) << r.err;
  auto records = jsonl(r.out);
  // At most one record per 10 ms tick; a busy machine skips ticks, so fewer is no error.
  ASSERT_GE(records.size(), 1u);
  ASSERT_LE(records.size(), 5u);
  EXPECT_EQ(records[0]["minflt_s"], 0.0);  // the files do not change
  EXPECT_TRUE(records[0]["psi_some_pct"].is_null());
  EXPECT_NEAR(records[0]["low_mib"].get<double>(), (38 + 7641 + 33277) * 4096.0 / (1 << 20), 0.06);
}

// ------------------------------------------------------------------------------ bad input

TEST(ProbeInput, BadInputGetsOneLineAndExitTwo) {
  struct Case {
    std::vector<std::string> args;
    std::string names;  // what the error line must mention
  };
  std::vector<Case> cases = {
      {{"probe", "--interval", "0"}, "--interval"},
      {{"probe", "--interval", "abc"}, "--interval"},
      {{"probe", "--duration", "-1s"}, "--duration"},
      {{"probe", "--root", "/nonexistent"}, "--root"},
      {{"host", "--root", "/nonexistent"}, "--root"},
      {{"probe", "--root", "/tmp"}, "--root"},
      {{"probe", "--pid", "999999999"}, "--pid"},
      {{"probe", "--format", "xml"}, "--format"},
      {{"probe", "--cgroup", "/no/such/cgroup"}, "--cgroup"},
      {{"probe", "--interval", "5ms"}, "--interval"},
  };
  for (const Case& c : cases) {
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    SCOPED_TRACE(shown);
    CliResult r = run_mmtune(c.args);
    EXPECT_EQ(r.exit_code, 2) << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(lines_of(r.err).size(), 1u) << r.err;
    EXPECT_NE(r.err.find(c.names), std::string::npos) << r.err;
  }
}

// ------------------------------------------------------------------------------ without root

TEST(HostProbeLive, WorkWithoutRoot) {
  if (!is_root()) GTEST_SKIP() << "needs root to switch to an unprivileged user";
  if (::access("/usr/bin/setpriv", X_OK) != 0)
    GTEST_SKIP() << "setpriv (util-linux) is not installed";
  const std::vector<std::string> nobody = {"setpriv", "--reuid=65534", "--regid=65534",
                                           "--clear-groups", "--"};
  {
    Spawned check({"--help"}, nobody);
    if (check.wait().exit_code != 0)
      GTEST_SKIP() << "user 65534 cannot execute " << mmtune_binary();
  }
  Spawned host({"host", "--json"}, nobody);
  CliResult h = host.wait();
  ASSERT_EQ(h.exit_code, 0) << h.err;
  json facts = json::parse(h.out);
  EXPECT_GT(facts["meminfo"]["total_bytes"].get<uint64_t>(), 0u);
  EXPECT_FALSE(facts["zones"].empty());

  Spawned probe({"probe", "--interval", "100ms", "--duration", "300ms", "--format", "jsonl"},
                nobody);
  CliResult p = probe.wait();
  ASSERT_EQ(p.exit_code, 0) << p.err;
  auto records = jsonl(p.out);
  EXPECT_EQ(records.size(), 3u);
  ASSERT_FALSE(records.empty());
  EXPECT_TRUE(records[0]["minflt_s"].is_number());
}

}  // namespace
}  // namespace mmtune::test
