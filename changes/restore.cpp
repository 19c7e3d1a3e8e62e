#include "changes/restore.hpp"

#include <fcntl.h>
#include <signal.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <fstream>
#include <nlohmann/json.hpp>
#include <thread>

namespace mmtune::changes {
namespace {

namespace fs = std::filesystem;

int header_pid(const fs::path& path) {
  std::ifstream in(path);
  std::string line;
  if (!std::getline(in, line)) return 0;
  nlohmann::json header = nlohmann::json::parse(line, nullptr, false);
  if (!header.is_object() || !header.contains("pid") || !header["pid"].is_number_integer())
    return 0;
  return header["pid"].get<int>();
}

bool lock_held(const fs::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return false;
  const bool held = ::flock(fd, LOCK_SH | LOCK_NB) != 0 && errno == EWOULDBLOCK;
  ::close(fd);
  return held;
}

bool process_exists(int pid) { return pid > 0 && (::kill(pid, 0) == 0 || errno == EPERM); }

}  // namespace

std::vector<JournalFile> list_journals(const fs::path& state_dir) {
  std::vector<JournalFile> journals;
  std::error_code ec;
  for (auto it = fs::directory_iterator(state_dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.starts_with("journal-") || !name.ends_with(".jsonl")) continue;
    JournalFile journal;
    journal.path = it->path();
    journal.owner_pid = header_pid(journal.path);
    journal.owner_alive = process_exists(journal.owner_pid);
    journal.locked = lock_held(journal.path);
    journals.push_back(std::move(journal));
  }
  std::sort(journals.begin(), journals.end(),
            [](const JournalFile& a, const JournalFile& b) { return a.path < b.path; });
  return journals;
}

std::vector<JournalFile> wait_for_ended_runs(const fs::path& state_dir,
                                             std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    std::vector<JournalFile> waiting;
    for (JournalFile& journal : list_journals(state_dir)) {
      if (journal.locked && !journal.owner_alive) waiting.push_back(std::move(journal));
    }
    if (waiting.empty() || std::chrono::steady_clock::now() >= deadline) return waiting;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

}  // namespace mmtune::changes
