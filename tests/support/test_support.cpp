#include "tests/support/test_support.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

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

pid_t spawn_mmtune(const std::vector<std::string>& args, const std::filesystem::path& out,
                   const std::filesystem::path& err) {
  // Everything the child needs is made before fork: it only opens, duplicates and executes.
  std::vector<std::string> storage = args;
  std::string binary = mmtune_binary().string();
  std::vector<char*> argv{binary.data()};
  for (auto& arg : storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = ::fork();
  if (pid < 0) throw std::runtime_error("fork failed");
  if (pid == 0) {
    ::dup2(::open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 1);
    ::dup2(::open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644), 2);
    ::execv(binary.c_str(), argv.data());
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

HostSettingsLock::HostSettingsLock() {
  fd_ = ::open("/tmp/mmtune-host-settings.lock", O_RDWR | O_CREAT | O_CLOEXEC, 0666);
  if (fd_ < 0 || ::flock(fd_, LOCK_EX) != 0)
    throw std::runtime_error("cannot lock /tmp/mmtune-host-settings.lock");
}

HostSettingsLock::~HostSettingsLock() {
  if (fd_ >= 0) ::close(fd_);
}

}  // namespace mmtune::test
