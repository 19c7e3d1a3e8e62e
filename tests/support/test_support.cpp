#include "tests/support/test_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "facts/error.hpp"

namespace mmtune::test {

std::filesystem::path test_data(const std::string& rel) {
  return std::filesystem::path(MMTUNE_TEST_DATA) / rel;
}

std::filesystem::path mmtune_binary() { return MMTUNE_BINARY; }

TempDir::TempDir() {
  const char* base = std::getenv("TMPDIR");
  std::string pattern = std::string(base && *base ? base : "/tmp") + "/mmtune-test-XXXXXX";
  if (!::mkdtemp(pattern.data())) throw std::runtime_error("mkdtemp failed");
  path_ = pattern;
}

TempDir::~TempDir() {
  std::error_code ec;
  std::filesystem::remove_all(path_, ec);
}

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

void write_text(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

size_t journal_files(const std::filesystem::path& state_dir) {
  size_t n = 0;
  std::error_code ec;
  for (auto it = std::filesystem::directory_iterator(state_dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    n += it->path().filename().string().starts_with("journal-");
  }
  return n;
}

namespace {

// The host lock of the mmtune processes this test process starts (see spawn_mmtune), removed when
// the test process ends.
class TestHostLock {
 public:
  TestHostLock()
      : path_(std::filesystem::temp_directory_path() /
              ("mmtune-test-host-" + std::to_string(::getpid()) + ".lock")) {}
  ~TestHostLock() {
    std::error_code ec;
    std::filesystem::remove(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The environment of a child mmtune: ours, with MMTUNE_HOST_LOCK naming this test process's own
// lock unless a test set one.
std::vector<std::string> child_environment() {
  static const TestHostLock lock;
  std::vector<std::string> env;
  bool has_lock = false;
  for (char** entry = environ; *entry; ++entry) {
    env.emplace_back(*entry);
    has_lock |= env.back().starts_with("MMTUNE_HOST_LOCK=");
  }
  if (!has_lock) env.push_back("MMTUNE_HOST_LOCK=" + lock.path().string());
  return env;
}

}  // namespace

pid_t spawn_mmtune(const std::vector<std::string>& args, const std::filesystem::path& out,
                   const std::filesystem::path& err) {
  wait_for_quiet_io();  // mmtune runs with the governor's defaults
  // Everything the child needs is made before fork: it only opens, duplicates and executes.
  std::vector<std::string> storage = args;
  std::string binary = mmtune_binary().string();
  std::vector<char*> argv{binary.data()};
  for (auto& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  std::vector<std::string> env_storage = child_environment();
  std::vector<char*> envp;
  for (auto& entry : env_storage) envp.push_back(entry.data());
  envp.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 1);
    ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 2);
    ::execve(binary.c_str(), argv.data(), envp.data());
    ::_exit(127);
  }
  return pid;
}

CliResult run_mmtune(const std::vector<std::string>& args) {
  TempDir scratch;
  const auto out_path = scratch.path() / "out", err_path = scratch.path() / "err";
  const pid_t pid = spawn_mmtune(args, out_path, err_path);
  int status = 0;
  ::waitpid(pid, &status, 0);
  CliResult result;
  result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  result.out = slurp(out_path);
  result.err = slurp(err_path);
  return result;
}

bool is_root() { return ::geteuid() == 0; }

std::string error_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

void wait_for_quiet_io(std::chrono::seconds patience) {
  const auto deadline = std::chrono::steady_clock::now() + patience;
  for (;;) {
    const std::string pressure = slurp("/proc/pressure/io");
    const size_t full = pressure.find("full avg10=");
    if (full == std::string::npos) return;
    if (std::strtod(pressure.c_str() + full + 11, nullptr) < 5.0) return;
    if (std::chrono::steady_clock::now() >= deadline) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
  }
}

HostSettingsLock::HostSettingsLock() {
  fd_ = ::open("/tmp/mmtune-host-settings.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0)
    throw std::runtime_error("cannot lock /tmp/mmtune-host-settings.lock");
}

HostSettingsLock::~HostSettingsLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace mmtune::test
