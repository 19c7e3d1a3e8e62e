#include "changes/host_lock.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>

#include "facts/error.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::changes {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;
using test::TempDir;

// Another process that takes the lock as `command`, tells the test through a pipe, and holds it
// until it is told to go (a byte on its stdin pipe) or killed.
class Holder {
 public:
  Holder(const fs::path& lock, const std::string& command) {
    int ready[2], go[2];
    if (::pipe(ready) != 0 || ::pipe(go) != 0) std::abort();
    pid_ = ::fork();
    if (pid_ == 0) {
      ::close(ready[0]);
      ::close(go[1]);
      HostLock held = HostLock::acquire(command, {}, nullptr, {}, lock);
      char byte = 'r';
      if (::write(ready[1], &byte, 1) != 1) ::_exit(3);
      if (::read(go[0], &byte, 1) < 0) ::_exit(4);
      ::_exit(0);  // the kernel releases the lock with the process
    }
    ::close(ready[1]);
    ::close(go[0]);
    go_ = go[1];
    char byte = 0;
    EXPECT_EQ(::read(ready[0], &byte, 1), 1) << "the holder took the lock";
    ::close(ready[0]);
  }
  ~Holder() {
    release();
    wait();
  }
  pid_t pid() const { return pid_; }
  void release() {
    if (go_ >= 0) ::close(go_);
    go_ = -1;
  }
  void kill9() { ::kill(pid_, SIGKILL); }
  void wait() {
    if (pid_ > 0) ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int go_ = -1;
};

// What acquire() printed while it waited.
struct Captured {
  char* text = nullptr;
  size_t size = 0;
  std::FILE* stream = ::open_memstream(&text, &size);
  ~Captured() {
    std::fclose(stream);
    std::free(text);
  }
  std::string str() {
    std::fflush(stream);
    return std::string(text, size);
  }
};

TEST(HostLock, ASecondProcessIsRefusedAtOnceNamingTheHolder) {
  TempDir dir;
  const fs::path lock = dir.path() / "host.lock";
  Holder holder(lock, "sweep demand-paging --knob vm.swappiness=11,12");
  const auto start = std::chrono::steady_clock::now();
  try {
    HostLock::acquire("sweep demand-paging", {}, nullptr, {}, lock);
    FAIL() << "a second writer got the host";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported) << "exit 3";
    EXPECT_EQ(std::string(e.what()),
              "mmtune pid " + std::to_string(holder.pid()) +
                  " (sweep demand-paging --knob vm.swappiness=11,12) holds the host; "
                  "--wait[=DURATION] waits for it");
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, 1s) << "refused at once";
  std::optional<HostHolder> seen = host_holder(lock);
  ASSERT_TRUE(seen);
  EXPECT_EQ(seen->pid, holder.pid());
  EXPECT_FALSE(seen->since.empty());
}

TEST(HostLock, WaitingSaysForWhomAndTakesTheLockWhenItIsReleased) {
  TempDir dir;
  const fs::path lock = dir.path() / "host.lock";
  Holder holder(lock, "apply advice.json");
  Captured progress;
  std::thread releaser([&] {
    std::this_thread::sleep_for(300ms);
    holder.release();
  });
  const auto start = std::chrono::steady_clock::now();
  HostLock taken = HostLock::acquire("restore", HostLockWait::forever(), progress.stream, {}, lock);
  const auto waited = std::chrono::steady_clock::now() - start;
  releaser.join();
  EXPECT_GE(waited, 250ms);
  EXPECT_EQ(progress.str(), "waiting for mmtune pid " + std::to_string(holder.pid()) +
                                " (apply advice.json) that holds the host\n");
  std::optional<HostHolder> seen = host_holder(lock);
  ASSERT_TRUE(seen) << "this process holds it now";
  EXPECT_EQ(seen->pid, ::getpid());
  EXPECT_EQ(seen->command, "restore");
}

TEST(HostLock, AWaitWithALimitGivesUpAfterIt) {
  TempDir dir;
  const fs::path lock = dir.path() / "host.lock";
  Holder holder(lock, "sweep reclaim");
  const auto start = std::chrono::steady_clock::now();
  try {
    HostLock::acquire("sweep reclaim", {300ms}, nullptr, {}, lock);
    FAIL() << "the holder never let go";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::unsupported);
    EXPECT_NE(std::string(e.what()).find("still holds the host after --wait=300ms"),
              std::string::npos)
        << e.what();
  }
  const auto waited = std::chrono::steady_clock::now() - start;
  EXPECT_GE(waited, 300ms);
  EXPECT_LT(waited, 2s);
}

TEST(HostLock, AnInterruptedWaitEndsAsInterrupted) {
  TempDir dir;
  const fs::path lock = dir.path() / "host.lock";
  Holder holder(lock, "sweep reclaim");
  int polls = 0;
  try {
    HostLock::acquire(
        "check", HostLockWait::forever(), nullptr, [&] { return ++polls == 3; }, lock);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::interrupted);
  }
  EXPECT_EQ(polls, 3);
}

TEST(HostLock, TheKernelReleasesTheLockOfAKilledHolder) {
  TempDir dir;
  const fs::path lock = dir.path() / "host.lock";
  Holder holder(lock, "sweep oom");
  holder.kill9();
  holder.wait();
  EXPECT_EQ(host_holder(lock), std::nullopt);
  HostLock taken = HostLock::acquire("restore", {}, nullptr, {}, lock);
  EXPECT_EQ(host_holder(lock)->pid, ::getpid());
}

TEST(HostLock, AProcessThatHoldsTheLockMayTakeItAgainAndReleasesItOnce) {
  TempDir dir;
  const fs::path lock = dir.path() / "host.lock";
  {
    HostLock outer = HostLock::acquire("tune", {}, nullptr, {}, lock);
    {
      HostLock inner = HostLock::acquire("scenario general", {}, nullptr, {}, lock);
      EXPECT_EQ(host_holder(lock)->command, "tune") << "the outer command still holds it";
    }
    EXPECT_TRUE(host_holder(lock)) << "still held after the inner handle ended";
  }
  EXPECT_EQ(host_holder(lock), std::nullopt);
}

TEST(HostLock, AForkedWorkloadKeepsTheHostHeldAfterItsParentDies) {
  TempDir dir;
  const fs::path lock = dir.path() / "host.lock";
  int ready[2];
  ASSERT_EQ(::pipe(ready), 0);
  pid_t parent = ::fork();
  if (parent == 0) {
    HostLock held = HostLock::acquire("run oom", {}, nullptr, {}, lock);
    if (::fork() == 0) {  // the workload: outlives its parent
      ::close(ready[0]);
      ::sleep(2);
      ::_exit(0);
    }
    ::close(ready[1]);
    ::kill(::getpid(), SIGKILL);
  }
  ::close(ready[1]);
  ::waitpid(parent, nullptr, 0);
  std::optional<HostHolder> seen = host_holder(lock);
  ASSERT_TRUE(seen) << "the workload still holds the host";
  EXPECT_EQ(seen->pid, parent);
  EXPECT_EQ(describe(*seen),
            "the workload of ended mmtune pid " + std::to_string(parent) + " (run oom)");
  char byte;
  EXPECT_EQ(::read(ready[0], &byte, 1), 0) << "the workload ended";
  ::close(ready[0]);
  EXPECT_EQ(host_holder(lock), std::nullopt);
}

TEST(HostLock, TheDefaultPathIsHostWideAndTheEnvironmentOverridesIt) {
  ::setenv("MMTUNE_HOST_LOCK", "/tmp/x/host.lock", 1);
  EXPECT_EQ(default_host_lock_path(), "/tmp/x/host.lock");
  ::unsetenv("MMTUNE_HOST_LOCK");
  if (::geteuid() == 0) {
    EXPECT_EQ(default_host_lock_path(), "/run/mmtune/host.lock");
  }
}

}  // namespace
}  // namespace mmtune::changes
