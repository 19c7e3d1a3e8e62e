#pragma once
// Fixtures every test directory shares: paths of test data and of the built binary, temporary
// directories, files read and written whole, the mmtune binary run as a child process, and the
// lock around host settings. (A fake host tree for the journal is in fake_host.hpp.)
#include <sys/types.h>

#include <chrono>
#include <filesystem>
#include <functional>
#include <string>
#include <vector>

namespace mmtune::test {

// Absolute path of a file under tests/data.
std::filesystem::path test_data(const std::string& rel);
// Path of the built mmtune binary, for end-to-end tests that need a separate process.
std::filesystem::path mmtune_binary();

// A directory under $TMPDIR removed (recursively) when the object dies.
class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// The whole file ("" when it cannot be read).
std::string slurp(const std::filesystem::path& path);
// Writes text as the whole file, making its directory first.
void write_text(const std::filesystem::path& path, const std::string& text);
// text without trailing newlines and spaces ("60\n" → "60"), as mmtune prints values.
std::string trimmed(std::string text);

// The journal files ("journal-*") in a state directory; 0 when it does not exist.
size_t journal_files(const std::filesystem::path& state_dir);

struct CliResult {
  int exit_code = 0;  // the exit status, or 128 + the signal that ended it
  std::string out, err;
};
// Runs the mmtune binary with args in a child process (no shell), capturing stdout and stderr.
CliResult run_mmtune(const std::vector<std::string>& args);
// Starts the mmtune binary with args in a child process (no shell), its stdout and stderr going to
// the files given (/dev/null by default), and returns its pid without waiting: for tests that
// signal it or watch it run. The caller reaps it.
// The children of one test process share a host lock of their own (MMTUNE_HOST_LOCK, unless the
// test set it): two test processes running at once do not refuse each other's mmtune (exit 3),
// while the tests of the lock see their own processes exclude each other. Tests that change
// settings still serialize through HostSettingsLock.
pid_t spawn_mmtune(const std::vector<std::string>& args,
                   const std::filesystem::path& out = "/dev/null",
                   const std::filesystem::path& err = "/dev/null");

bool is_root();

// The message of the mmtune::Error that f throws, or "(no error)".
std::string error_of(const std::function<void()>& f);

// Waits (up to `patience`) until /proc/pressure/io "full" avg10 is under 5 %: a workload started
// right after an earlier test's dirty flood (25 % io full avg10 seen here) would otherwise meet the
// governor's io tripwire (20 %) still raised by it; avg10 decays over some 10 s. spawn_mmtune and
// the workload tests' run_tiny call it. Returns at once on a host without PSI.
void wait_for_quiet_io(std::chrono::seconds patience = std::chrono::seconds(30));

// Held by every test (and test helper process) that changes a host setting, so concurrent test
// processes never change /proc/sys or /sys under each other: an exclusive flock on
// /tmp/mmtune-host-settings.lock, released when the object dies.
class HostSettingsLock {
 public:
  HostSettingsLock();
  ~HostSettingsLock();
  HostSettingsLock(const HostSettingsLock&) = delete;
  HostSettingsLock& operator=(const HostSettingsLock&) = delete;

 private:
  int fd_ = -1;
};

}  // namespace mmtune::test
