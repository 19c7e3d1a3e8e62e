// `mmtune apply`, `restore`, `sweep`, `baseline` and `check` end to end: the binary on fake host
// trees (apply) and on this host (sweep, kills, CI gates). Tests that change settings hold
// HostSettingsLock and put every value back in a destructor, whatever happens.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <fstream>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>
#include <thread>

#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

std::string read(const fs::path& path) {
  std::ifstream in(path);
  return std::string(std::istreambuf_iterator<char>(in), {});
}

void write(const fs::path& path, const std::string& text) {
  fs::create_directories(path.parent_path());
  std::ofstream(path) << text;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

size_t journal_files(const fs::path& dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it)
    n += it->path().filename().string().starts_with("journal-");
  return n;
}

// ---- apply and restore, on a fake host tree ----

struct FakeHost {
  TempDir root, state;
  FakeHost() {
    write(root.path() / "proc/meminfo", "MemTotal: 1000 kB\n");
    write(root.path() / "proc/sys/vm/swappiness", "60\n");
    write(root.path() / "proc/sys/vm/dirty_ratio", "20\n");
    write(root.path() / "proc/sys/vm/dirty_bytes", "0\n");
  }
  std::string at(const std::string& rel) const { return trimmed(read(root.path() / rel)); }
  std::vector<std::string> args(std::vector<std::string> rest) const {
    std::vector<std::string> all = {"--root", root.path().string()};
    all.insert(all.end(), rest.begin(), rest.end());
    all.push_back("--state-dir");
    all.push_back(state.path().string());
    return all;
  }
};

TEST(Apply, WithoutYesShowsWhatWouldChangeAndChangesNothing) {
  FakeHost host;
  TempDir dir;
  write(dir.path() / "tuning.conf", "# mmtune\nvm.swappiness = 10\nvm.dirty_ratio = 20\n");
  CliResult r = run_mmtune(host.args({"apply", (dir.path() / "tuning.conf").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("vm.swappiness"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("60 → 10"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("(already set)"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("nothing changed"), std::string::npos) << r.out;
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60");
  EXPECT_EQ(journal_files(host.state.path()), 0u);
}

TEST(Apply, YesKeepsTheChangesUntilRestoreApplied) {
  FakeHost host;
  TempDir dir;
  write(dir.path() / "tuning.conf", "vm.swappiness = 10\nvm.dirty_ratio = 15\n");
  CliResult applied =
      run_mmtune(host.args({"apply", "--yes", (dir.path() / "tuning.conf").string()}));
  ASSERT_EQ(applied.exit_code, 0) << applied.err;
  EXPECT_NE(applied.out.find("vm.swappiness: 60 → 10"), std::string::npos) << applied.out;
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "10") << "applied values stay after mmtune exits";
  EXPECT_EQ(host.at("proc/sys/vm/dirty_ratio"), "15");
  EXPECT_EQ(journal_files(host.state.path()), 1u) << "the journal stays as the record";

  CliResult crash_restore = run_mmtune(host.args({"restore"}));
  ASSERT_EQ(crash_restore.exit_code, 0) << crash_restore.err;
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "10") << "a plain restore leaves applied values";
  EXPECT_NE(crash_restore.out.find("kept by `mmtune apply`"), std::string::npos)
      << crash_restore.out;

  CliResult back = run_mmtune(host.args({"restore", "--applied"}));
  ASSERT_EQ(back.exit_code, 0) << back.err;
  EXPECT_NE(back.out.find("restored (applied): proc/sys/vm/dirty_ratio: 15 → 20"),
            std::string::npos)
      << back.out;
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60");
  EXPECT_EQ(host.at("proc/sys/vm/dirty_ratio"), "20");
  EXPECT_EQ(journal_files(host.state.path()), 0u);
}

TEST(Apply, AValueTheKernelRejectsRestoresWhatWasChanged) {
  FakeHost host;
  // Reading works, writing fails, as for a value the kernel refuses.
  fs::remove(host.root.path() / "proc/sys/vm/dirty_ratio");
  fs::create_symlink("/proc/version", host.root.path() / "proc/sys/vm/dirty_ratio");
  TempDir dir;
  write(dir.path() / "tuning.conf", "vm.swappiness = 10\nvm.dirty_ratio = 15\n");
  CliResult r = run_mmtune(host.args({"apply", "--yes", (dir.path() / "tuning.conf").string()}));
  EXPECT_NE(r.exit_code, 0);
  EXPECT_NE(r.err.find("tuning.conf:2"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("restored what it had changed"), std::string::npos) << r.err;
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60");
  EXPECT_EQ(journal_files(host.state.path()), 0u);
}

TEST(Apply, PersistWritesASysctlFileThatRestoreAppliedRemoves) {
  FakeHost host;
  TempDir dir;
  write(dir.path() / "tuning.conf", "vm.swappiness = 10\n");
  const fs::path persisted = dir.path() / "90-mmtune.conf";
  CliResult r = run_mmtune(host.args({"apply", "--yes", "--persist", "--sysctl-file",
                                      persisted.string(), (dir.path() / "tuning.conf").string()}));
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(read(persisted).find("vm.swappiness = 10"), std::string::npos);
  ASSERT_EQ(run_mmtune(host.args({"restore", "--applied"})).exit_code, 0);
  EXPECT_FALSE(fs::exists(persisted));
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60");
}

TEST(Apply, BadInputExits2NamingIt) {
  FakeHost host;
  TempDir dir;
  write(dir.path() / "bad.conf", "vm.swappiness = 10\nvm.dirty_ratoi = 5\n");
  CliResult r = run_mmtune(host.args({"apply", "--yes", (dir.path() / "bad.conf").string()}));
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(
      r.err.find("bad.conf:2: unknown knob \"vm.dirty_ratoi\"; did you mean \"vm.dirty_ratio\"?"),
      std::string::npos)
      << r.err;
  EXPECT_EQ(host.at("proc/sys/vm/swappiness"), "60") << "nothing changes before all input is good";
  EXPECT_EQ(run_mmtune(host.args({"apply", (dir.path() / "missing.conf").string()})).exit_code, 2);
}

TEST(Restore, NothingToRestoreIsSaid) {
  TempDir state;
  CliResult r = run_mmtune({"restore", "--state-dir", state.path().string()});
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_NE(r.out.find("nothing to restore"), std::string::npos) << r.out;
  EXPECT_EQ(run_mmtune({"restore", "--wait", "soon"}).exit_code, 2);
}

// ---- the live host: sweep, kills, CI gates ----

constexpr const char* kKnobs[] = {"dirty_ratio", "dirty_background_ratio", "dirty_bytes",
                                  "dirty_background_bytes"};

std::map<std::string, std::string> dirty_settings() {
  std::map<std::string, std::string> values;
  for (const char* knob : kKnobs) values[knob] = trimmed(read(fs::path("/proc/sys/vm") / knob));
  return values;
}

// Puts the dirty limits back as they were, whatever a test did (ratio or bytes form).
class DirtySettingsGuard {
 public:
  DirtySettingsGuard() : original_(dirty_settings()) {}
  ~DirtySettingsGuard() {
    if (dirty_settings() == original_) return;
    for (const char* knob : kKnobs) {
      const std::string& value = original_[knob];
      if (value != "0") std::ofstream(fs::path("/proc/sys/vm") / knob) << value;
    }
  }
  const std::map<std::string, std::string>& original() const { return original_; }

 private:
  std::map<std::string, std::string> original_;
};

// The mmtune-* memory cgroups that exist now, under our own memory cgroup.
std::set<std::string> mmtune_cgroups() {
  std::set<std::string> found;
  std::ifstream in("/proc/self/cgroup");
  std::string line, dir;
  while (std::getline(in, line)) {
    if (line.find(":memory:") != std::string::npos)
      dir = "/sys/fs/cgroup/memory" + line.substr(line.rfind(':') + 1);
  }
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) {
    if (it->path().filename().string().starts_with("mmtune-")) found.insert(it->path().string());
  }
  return found;
}

TEST(Sweep, BadKnobsExit2BeforeAnythingChanges) {
  TempDir state;
  const std::map<std::string, std::string> before = dirty_settings();
  for (std::vector<std::string> args :
       {std::vector<std::string>{"--knob", "vm.dirty_ratoi=5,10"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio=5,500"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio=5", "--knob",
                                 "vm.dirty_bytes=100000000"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio=5", "--repeat", "0"},
        std::vector<std::string>{"--knob", "vm.dirty_ratio=5", "--sise", "16MiB"}}) {
    std::vector<std::string> all = {"sweep", "demand-paging", "--state-dir", state.path().string()};
    all.insert(all.end(), args.begin(), args.end());
    CliResult r = run_mmtune(all);
    EXPECT_EQ(r.exit_code, 2) << args[1] << ": " << r.err;
    EXPECT_NE(r.err.find("mmtune: error: "), std::string::npos) << r.err;
  }
  EXPECT_EQ(dirty_settings(), before);
  EXPECT_EQ(journal_files(state.path()), 0u) << "no journal: nothing was about to change";
}

TEST(Sweep, RunsEverySettingAndRestores) {
  if (!is_root()) GTEST_SKIP() << "changing vm.dirty_ratio needs root";
  HostSettingsLock lock;
  DirtySettingsGuard guard;
  TempDir state, out;
  const auto start = std::chrono::steady_clock::now();
  CliResult r = run_mmtune({"sweep", "demand-paging", "--knob", "vm.dirty_ratio=15,25", "--repeat",
                            "4", "--size", "16MiB", "--json", (out.path() / "sweep.json").string(),
                            "--state-dir", state.path().string()});
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  ASSERT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(dirty_settings(), guard.original()) << "restored after the sweep";
  EXPECT_NE(r.out.find("ns_per_fault"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("vm.dirty_ratio=25"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Mann-Whitney U"), std::string::npos) << r.out;
  // Every run saw its setting: the journal wrote it, the workload ran under it.
  EXPECT_NE(r.err.find("sweep [8/8] vm.dirty_ratio=25 (repeat 4/4)"), std::string::npos) << r.err;
  json j = json::parse(read(out.path() / "sweep.json"));
  EXPECT_EQ(j["schema"], "mmtune.sweep/1");
  ASSERT_EQ(j["settings"].size(), 2u);
  EXPECT_EQ(j["settings"][1]["settings"]["vm.dirty_ratio"], "25");
  EXPECT_EQ(j["settings"][1]["runs"].size(), 4u);
  EXPECT_EQ(j["settings"][1]["metrics"]["minor_faults"]["n"], 4);
  EXPECT_EQ(j["settings"][1]["runs"][0]["result"]["host"]["settings"]["vm.dirty_ratio"], "25")
      << "each run is planned under its own setting";
  EXPECT_EQ(journal_files(state.path()), 0u);
  std::cout << "[ sweep ] 2 settings x 4 repeats of demand-paging 16MiB: " << seconds << " s\n";
}

// ---- SIGKILL anywhere in a sweep, then `mmtune restore` ----

pid_t spawn_mmtune(const std::vector<std::string>& args) {
  pid_t pid = ::fork();
  if (pid == 0) {
    int null = ::open("/dev/null", O_WRONLY);
    ::dup2(null, 1);
    ::dup2(null, 2);
    std::vector<std::string> storage = args;
    std::string binary = mmtune_binary().string();
    std::vector<char*> argv{binary.data()};
    for (auto& arg : storage) argv.push_back(arg.data());
    argv.push_back(nullptr);
    ::execv(binary.c_str(), argv.data());
    ::_exit(127);
  }
  return pid;
}

// Processes whose parent is pid (the sweep's workload process), from /proc/*/stat.
std::vector<pid_t> children_of(pid_t pid) {
  std::vector<pid_t> children;
  std::error_code ec;
  for (auto it = fs::directory_iterator("/proc", ec); !ec && it != fs::directory_iterator(); ++it) {
    const std::string name = it->path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::string stat = read(it->path() / "stat");
    size_t close = stat.rfind(')');
    if (close == std::string::npos) continue;
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    pid_t parent = 0;
    rest >> state >> parent;
    if (parent == pid) children.push_back(std::stoi(name));
  }
  return children;
}

// The state letter of /proc/PID/stat ('R', 'S', 'Z'…), or 0 when there is no such process.
char process_state(pid_t pid) {
  const std::string stat = read(fs::path("/proc") / std::to_string(pid) / "stat");
  const size_t close = stat.rfind(')');
  return close == std::string::npos || close + 2 >= stat.size() ? 0 : stat[close + 2];
}

// Whether pid still runs. A zombie does not: a killed workload is reparented to init, which reaps
// it when it gets to it (this host's init is slow at that), and a zombie holds no memory, cgroup
// or lock. The kernel delivers the parent-death signal while the controller exits, but the
// workload runs its exit (unmapping its memory) afterwards, so give it a moment.
bool process_runs(pid_t pid, std::chrono::milliseconds patience = std::chrono::seconds(2)) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    const char state = process_state(pid);
    if (state == 0 || state == 'Z' || state == 'X') return false;
    if (std::chrono::steady_clock::now() >= deadline) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

// What the journals of one process say: settings written and not yet undone, and whether a
// workload's journal (the runner's, which holds its memory cgroup) exists.
struct JournalView {
  size_t settings_pending = 0;
  bool runner = false;
};

JournalView journals_of(const fs::path& dir, pid_t pid) {
  JournalView view;
  std::error_code ec;
  for (auto it = fs::directory_iterator(dir, ec); !ec && it != fs::directory_iterator(); ++it) {
    std::istringstream lines(read(it->path()));
    std::string line;
    if (!std::getline(lines, line)) continue;
    json header = json::parse(line, nullptr, false);
    if (!header.is_object() || header.value("pid", 0) != pid) continue;
    std::set<uint64_t> undone;
    std::vector<std::pair<uint64_t, std::string>> entries;
    while (std::getline(lines, line)) {
      json entry = json::parse(line, nullptr, false);
      if (!entry.is_object()) continue;
      if (entry.contains("undone")) undone.insert(entry["undone"].get<uint64_t>());
      if (entry.contains("id"))
        entries.emplace_back(entry["id"].get<uint64_t>(), entry.value("kind", ""));
    }
    for (const auto& [id, kind] : entries) {
      view.runner |= kind == "cgroup";
      if ((kind == "setting" || kind == "dirty_pair") && !undone.contains(id))
        ++view.settings_pending;
    }
  }
  return view;
}

enum class KillPoint { before_first_write, between_writes, during_workload };
constexpr const char* kKillPointNames[] = {"before the first write", "between writes",
                                           "during a workload"};

TEST(Restore, SigkillAnywhereInASweepIsAlwaysRestored) {
  if (!is_root()) GTEST_SKIP() << "a sweep changes vm.dirty_ratio: needs root";
  HostSettingsLock lock;
  DirtySettingsGuard guard;
  const std::set<std::string> cgroups_before = mmtune_cgroups();
  TempDir state;
  const auto start = std::chrono::steady_clock::now();
  std::map<KillPoint, int> hits;
  for (int i = 0; i < 20; ++i) {
    SCOPED_TRACE("kill " + std::to_string(i + 1));
    const auto target = static_cast<KillPoint>(i % 3);
    // --settle keeps the sweep between its writes (a setting applied, no workload yet) for a
    // while, so that point can be hit on purpose; the memory limit makes each run leave a cgroup.
    const pid_t pid = spawn_mmtune(
        {"sweep", "demand-paging", "--knob", "vm.dirty_ratio=15,25", "--knob",
         "vm.dirty_background_ratio=5,8", "--repeat", "2", "--settle", "300ms", "--size", "128MiB",
         "--memory-limit", "512MiB", "--time-limit", "20s", "--state-dir", state.path().string()});
    ASSERT_GT(pid, 0);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    if (target == KillPoint::before_first_write) {
      std::this_thread::sleep_for(std::chrono::milliseconds(i % 9));
    } else {
      for (;;) {
        ASSERT_LT(std::chrono::steady_clock::now(), deadline) << "the sweep never got there";
        int status = 0;
        ASSERT_EQ(::waitpid(pid, &status, WNOHANG), 0) << "the sweep ended before the kill";
        const bool running_workload = !children_of(pid).empty();
        if (target == KillPoint::during_workload && running_workload) {
          std::this_thread::sleep_for(std::chrono::milliseconds(10));
          break;
        }
        if (target == KillPoint::between_writes && !running_workload &&
            journals_of(state.path(), pid).settings_pending > 0)
          break;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
      }
    }
    // Stop it to see where it really is, then kill it there.
    ::kill(pid, SIGSTOP);
    int status = 0;
    ::waitpid(pid, &status, WUNTRACED);
    const std::vector<pid_t> workload = children_of(pid);
    const JournalView view = journals_of(state.path(), pid);
    const KillPoint where = !workload.empty()           ? KillPoint::during_workload
                            : view.settings_pending > 0 ? KillPoint::between_writes
                                                        : KillPoint::before_first_write;
    ++hits[where];
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL);

    CliResult restore = run_mmtune({"restore", "--state-dir", state.path().string()});
    ASSERT_EQ(restore.exit_code, 0) << kKillPointNames[int(where)] << "\n"
                                    << restore.out << restore.err;
    if (view.settings_pending > 0) {
      EXPECT_NE(restore.out.find("restored (killed run): proc/sys/vm/dirty"), std::string::npos)
          << kKillPointNames[int(where)] << "\n"
          << restore.out;
    }
    if (where == KillPoint::during_workload) {
      EXPECT_NE(restore.out.find("removed cgroup"), std::string::npos) << restore.out;
      for (pid_t child : workload)
        EXPECT_FALSE(process_runs(child))
            << "workload " << child << " state " << process_state(child);
    }
    EXPECT_EQ(dirty_settings(), guard.original()) << kKillPointNames[int(where)];
    EXPECT_EQ(mmtune_cgroups(), cgroups_before) << kKillPointNames[int(where)];
    EXPECT_EQ(journal_files(state.path()), 0u) << kKillPointNames[int(where)] << "\n"
                                               << restore.out;
  }
  EXPECT_GE(hits[KillPoint::before_first_write], 1);
  EXPECT_GE(hits[KillPoint::between_writes], 1);
  EXPECT_GE(hits[KillPoint::during_workload], 1);
  // After all of them: nothing is left changed.
  EXPECT_EQ(dirty_settings(), guard.original());
  EXPECT_EQ(mmtune_cgroups(), cgroups_before);
  std::cout << "[ kills ] before the first write " << hits[KillPoint::before_first_write]
            << ", between writes " << hits[KillPoint::between_writes] << ", during a workload "
            << hits[KillPoint::during_workload] << "; "
            << std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count()
            << " s\n";
}

// ---- CI: baseline and check ----

// A minimal XML reader, enough to check that a file is well-formed and to walk its elements.
struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<XmlElement> children;
};

class XmlReader {
 public:
  explicit XmlReader(std::string text) : text_(std::move(text)) {}
  XmlElement document() {
    skip_space();
    if (text_.compare(pos_, 5, "<?xml") == 0) pos_ = text_.find("?>", pos_) + 2;
    skip_space();
    XmlElement root = element();
    skip_space();
    if (pos_ != text_.size()) throw std::runtime_error("text after the root element");
    return root;
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  std::string name() {
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '-' || text_[pos_] == '_' || text_[pos_] == ':'))
      ++pos_;
    if (start == pos_) throw std::runtime_error("a name expected at " + std::to_string(pos_));
    return text_.substr(start, pos_ - start);
  }
  // Character data up to stop, checking every '&' starts a known entity and no '<' appears.
  void character_data(char stop) {
    static const std::regex entity("^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);");
    while (pos_ < text_.size() && text_[pos_] != stop) {
      if (text_[pos_] == '<') throw std::runtime_error("'<' in character data");
      if (text_[pos_] == '&' && !std::regex_search(text_.substr(pos_, 12), entity))
        throw std::runtime_error("a bare '&' at " + std::to_string(pos_));
      ++pos_;
    }
  }
  XmlElement element() {
    if (text_[pos_] != '<') throw std::runtime_error("'<' expected at " + std::to_string(pos_));
    ++pos_;
    XmlElement e;
    e.name = name();
    for (;;) {
      skip_space();
      if (text_.compare(pos_, 2, "/>") == 0) {
        pos_ += 2;
        return e;
      }
      if (text_[pos_] == '>') {
        ++pos_;
        break;
      }
      std::string key = name();
      if (text_[pos_] != '=' || text_[pos_ + 1] != '"')
        throw std::runtime_error("attribute " + key);
      pos_ += 2;
      size_t start = pos_;
      character_data('"');
      if (e.attributes.contains(key)) throw std::runtime_error("attribute twice: " + key);
      e.attributes[key] = text_.substr(start, pos_ - start);
      ++pos_;
    }
    for (;;) {
      character_data('<');
      if (pos_ >= text_.size()) throw std::runtime_error("unclosed <" + e.name + ">");
      if (text_.compare(pos_, 2, "</") == 0) {
        pos_ += 2;
        if (name() != e.name) throw std::runtime_error("mismatched </…> for <" + e.name + ">");
        skip_space();
        if (text_[pos_++] != '>') throw std::runtime_error("'>' expected");
        return e;
      }
      e.children.push_back(element());
    }
  }
  std::string text_;
  size_t pos_ = 0;
};

int count_attribute(const XmlElement& e, const std::string& key) {
  if (!e.attributes.contains(key)) return -1;
  return std::stoi(e.attributes.at(key));
}

// Well-formed, and the JUnit structure CI servers read: counts that agree with the test cases,
// names on every case, at most one outcome element per case. Then the schema, where xmllint is.
void expect_valid_junit(const fs::path& file, int tests, int failures, int skipped) {
  const std::string text = read(file);
  XmlElement root;
  try {
    root = XmlReader(text).document();
  } catch (const std::exception& e) {
    FAIL() << file << " is not well-formed XML: " << e.what();
  }
  EXPECT_EQ(root.name, "testsuites");
  int all_tests = 0, all_failures = 0, all_skipped = 0;
  for (const XmlElement& suite : root.children) {
    ASSERT_EQ(suite.name, "testsuite");
    EXPECT_TRUE(suite.attributes.contains("name"));
    int suite_tests = 0, suite_failures = 0, suite_skipped = 0;
    for (const XmlElement& c : suite.children) {
      if (c.name == "properties") continue;
      ASSERT_EQ(c.name, "testcase");
      EXPECT_FALSE(c.attributes.at("name").empty());
      EXPECT_FALSE(c.attributes.at("classname").empty());
      ++suite_tests;
      int outcomes = 0;
      for (const XmlElement& o : c.children) {
        EXPECT_TRUE(o.name == "failure" || o.name == "skipped" || o.name == "error" ||
                    o.name == "system-out" || o.name == "system-err")
            << o.name;
        outcomes += o.name == "failure" || o.name == "skipped" || o.name == "error";
        suite_failures += o.name == "failure";
        suite_skipped += o.name == "skipped";
      }
      EXPECT_LE(outcomes, 1);
    }
    EXPECT_EQ(count_attribute(suite, "tests"), suite_tests);
    EXPECT_EQ(count_attribute(suite, "failures"), suite_failures);
    EXPECT_EQ(count_attribute(suite, "skipped"), suite_skipped);
    all_tests += suite_tests;
    all_failures += suite_failures;
    all_skipped += suite_skipped;
  }
  EXPECT_EQ(count_attribute(root, "tests"), all_tests);
  EXPECT_EQ(count_attribute(root, "failures"), all_failures);
  EXPECT_EQ(count_attribute(root, "skipped"), all_skipped);
  EXPECT_EQ(all_tests, tests);
  EXPECT_EQ(all_failures, failures);
  EXPECT_EQ(all_skipped, skipped);
  if (::access("/usr/bin/xmllint", X_OK) == 0) {
    const std::string command = "/usr/bin/xmllint --noout --schema " +
                                test_data("junit/junit.xsd").string() + " " + file.string() +
                                " > /dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << "xmllint rejects " << file;
  }
}

struct Counts {
  int passed = -1, failed = -1, skipped = -1;
};

// The closing "N passed, N failed, N skipped" line, which must be the last line.
Counts closing_counts(const std::string& tap) {
  static const std::regex closing("\n([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped\n$");
  std::smatch m;
  Counts c;
  if (std::regex_search(tap, m, closing)) {
    c.passed = std::stoi(m[1]);
    c.failed = std::stoi(m[2]);
    c.skipped = std::stoi(m[3]);
  }
  return c;
}

std::vector<std::string> not_ok_lines(const std::string& tap) {
  std::vector<std::string> lines;
  std::istringstream in(tap);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("not ok ")) lines.push_back(line);
  }
  return lines;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The test profile: a 32 MiB demand-paging pass and a short dio-fork-race (race variants only),
// under a second per repeat, with one deterministic metric (minor faults, 2 %) and one timing
// (system CPU ns per fault, 50 %: CPU time, because wall time per fault on this shared 2-vCPU
// host follows the load of the moment, 2-3x between a baseline and a check a minute later).
struct CiRun {
  TempDir dir, state;
  fs::path base() const { return dir.path() / "base.json"; }
  CliResult baseline() const {
    return run_mmtune({"baseline", "-o", base().string(), "--profile",
                       test_data("profiles/ci-tiny.json").string(), "--state-dir",
                       state.path().string()});
  }
  CliResult check(const fs::path& baseline_file, const std::string& tag) const {
    return run_mmtune({"check", "--baseline", baseline_file.string(), "--junit",
                       (dir.path() / (tag + ".xml")).string(), "--json",
                       (dir.path() / (tag + ".json")).string(), "--state-dir",
                       state.path().string()});
  }
  fs::path edited(const std::string& metric,
                  const std::function<double(double, double)>& edit) const {
    json j = json::parse(read(base()));
    for (json& m : j["metrics"]) {
      if (m["metric"] != metric) continue;
      std::vector<double> samples = m["samples"];
      const double spread = m["max"].get<double>() - m["min"].get<double>();
      for (double& x : samples) x = edit(x, spread);
      m["samples"] = samples;
      // The samples are what the check compares; the summary beside them must agree.
      std::sort(samples.begin(), samples.end());
      m["median"] = samples[samples.size() / 2];
      m["min"] = samples.front();
      m["max"] = samples.back();
    }
    fs::path file = dir.path() / ("edited-" + metric + ".json");
    std::ofstream(file) << j.dump(2);
    return file;
  }
};

TEST(CiGates, BaselineThenCheckPassesFiveTimesInARow) {
  HostSettingsLock lock;  // nobody changes a setting under the comparison
  CiRun ci;
  auto start = std::chrono::steady_clock::now();
  CliResult b = ci.baseline();
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  const double baseline_s = seconds_since(start);
  json base = json::parse(read(ci.base()));
  EXPECT_EQ(base["schema"], "mmtune.baseline/1");
  EXPECT_EQ(base["repeats"], 5);
  for (const json& m : base["metrics"]) {
    EXPECT_EQ(m["n"], 5) << m["name"];
    EXPECT_TRUE(m.contains("median") && m.contains("min") && m.contains("max") &&
                m.contains("unit"));
    EXPECT_EQ(m["direction"], "lower");
  }
  for (const char* group : {"kernel", "sysctl", "thp", "swap", "numa", "mglru", "cgroup", "config"})
    EXPECT_TRUE(base["fingerprint"].contains(group)) << group;
  EXPECT_TRUE(base["fingerprint"]["sysctl"].contains("vm.dirty_ratio"));
  EXPECT_TRUE(base["fingerprint"]["kernel"].contains("cmdline"));

  std::vector<double> check_s;
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE("check " + std::to_string(i + 1));
    start = std::chrono::steady_clock::now();
    const std::string tag = "check-" + std::to_string(i + 1);
    CliResult c = ci.check(ci.base(), tag);
    check_s.push_back(seconds_since(start));
    EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
    EXPECT_TRUE(c.out.starts_with("TAP version 13\n1..")) << c.out;
    EXPECT_TRUE(not_ok_lines(c.out).empty()) << c.out;
    Counts counts = closing_counts(c.out);
    EXPECT_GT(counts.passed, 0) << c.out;
    EXPECT_EQ(counts.failed, 0) << c.out;
    EXPECT_NE(c.out.find("ok 1 - drift: "), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("performance: demand-paging/minor_faults: "), std::string::npos) << c.out;
    expect_valid_junit(ci.dir.path() / (tag + ".xml"),
                       counts.passed + counts.failed + counts.skipped, counts.failed,
                       counts.skipped);
    json report = json::parse(read(ci.dir.path() / (tag + ".json")));
    EXPECT_EQ(report["schema"], "mmtune.check/1");
    EXPECT_EQ(report["exit_code"], 0);
  }
  std::cout << "[ ci ] baseline " << baseline_s << " s; checks";
  for (double s : check_s) std::cout << " " << s;
  std::cout << " s\n";
}

TEST(CiGates, DriftAndRegressionsFailNamingTheirCauseAndNoiseDoesNot) {
  if (!is_root()) GTEST_SKIP() << "changing vm.dirty_ratio needs root";
  HostSettingsLock lock;
  DirtySettingsGuard guard;
  CiRun ci;
  CliResult b = ci.baseline();
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;

  {
    SCOPED_TRACE("vm.dirty_ratio changed");
    const std::string original = guard.original().at("dirty_ratio");
    ASSERT_NE(original, "0") << "this host uses vm.dirty_bytes; the drift test writes the ratio";
    const std::string changed = std::to_string(std::stoi(original) == 25 ? 30 : 25);
    std::ofstream("/proc/sys/vm/dirty_ratio") << changed;
    CliResult c = ci.check(ci.base(), "drift");
    std::ofstream("/proc/sys/vm/dirty_ratio") << original;
    EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
    std::vector<std::string> failures = not_ok_lines(c.out);
    ASSERT_EQ(failures.size(), 1u) << c.out;
    EXPECT_NE(failures[0].find("drift: vm.dirty_ratio: " + original + " in the baseline, " +
                               changed + " now"),
              std::string::npos)
        << failures[0];
    Counts counts = closing_counts(c.out);
    EXPECT_EQ(counts.failed, 1);
    expect_valid_junit(ci.dir.path() / "drift.xml", counts.passed + counts.failed + counts.skipped,
                       counts.failed, counts.skipped);
  }
  EXPECT_EQ(dirty_settings(), guard.original());
  {
    SCOPED_TRACE("baseline 30 % better than this host");
    // Lower is better: a baseline 30 % better holds 0.7 × what this host measures.
    const fs::path better = ci.edited("minor_faults", [](double x, double) { return x * 0.7; });
    CliResult c = ci.check(better, "better");
    EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
    std::vector<std::string> failures = not_ok_lines(c.out);
    ASSERT_EQ(failures.size(), 1u) << c.out;
    EXPECT_NE(failures[0].find("performance: demand-paging/minor_faults"), std::string::npos)
        << failures[0];
    EXPECT_NE(failures[0].find("REGRESSED"), std::string::npos) << failures[0];
  }
  {
    SCOPED_TRACE("baseline better by half its own spread");
    const fs::path within =
        ci.edited("system_ns_per_fault", [](double x, double spread) { return x - spread / 2; });
    CliResult c = ci.check(within, "within");
    EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
    EXPECT_TRUE(not_ok_lines(c.out).empty()) << c.out;
  }
}

TEST(CiGates, BadBaselinesExit2) {
  TempDir dir;
  EXPECT_EQ(run_mmtune({"check", "--baseline", (dir.path() / "missing.json").string()}).exit_code,
            2);
  write(dir.path() / "not.json", "{\"schema\": \"mmtune.result/1\"}");
  CliResult wrong = run_mmtune({"check", "--baseline", (dir.path() / "not.json").string()});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("not a mmtune.baseline/1 document"), std::string::npos) << wrong.err;
  EXPECT_EQ(
      run_mmtune({"baseline", "-o", (dir.path() / "b.json").string(), "--repeat", "3"}).exit_code,
      2);
  EXPECT_EQ(run_mmtune({"baseline", "-o", (dir.path() / "b.json").string(), "--profile", "general",
                        "--scenario", "quick"})
                .exit_code,
            2)
      << "a scenario without CI metrics";
  EXPECT_FALSE(fs::exists(dir.path() / "b.json"));
}

}  // namespace
}  // namespace mmtune::test
