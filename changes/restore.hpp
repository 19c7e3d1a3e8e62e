#pragma once
// `mmtune restore`: what the journals in the state directory say, and the wait that makes a
// restore right after a kill -9 complete.
//
// A journal is undone only once its lock is free (changes/journal.hpp). A killed run's lock is
// also held by its workload process until that one has died of PR_SET_PDEATHSIG and exited, a
// moment after the kill (longer when it was in the middle of a big munmap). wait_for_ended_runs()
// waits for exactly those: journals whose owner pid is gone but whose lock is still held.
#include <chrono>
#include <filesystem>
#include <string>
#include <vector>

namespace mmtune::changes {

struct JournalFile {
  std::filesystem::path path;
  int owner_pid = 0;         // from the journal's header; 0 when the header cannot be read
  bool owner_alive = false;  // kill(pid, 0) finds the process
  bool locked = false;       // some process still holds its lock
};

// The journal files in state_dir (none when it does not exist), oldest first.
std::vector<JournalFile> list_journals(const std::filesystem::path& state_dir);

// Waits until no journal is locked by the leftovers of an ended owner, at most timeout; returns
// those still locked then.
std::vector<JournalFile> wait_for_ended_runs(const std::filesystem::path& state_dir,
                                             std::chrono::milliseconds timeout);

}  // namespace mmtune::changes
