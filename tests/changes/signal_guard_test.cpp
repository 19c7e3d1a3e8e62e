// The one SIGINT/SIGTERM guard: the handler only records; guards nest and share the record; the
// wake descriptor is a latch for poll; a child made with SignalGuard::fork() has a record of its
// own and never wakes its parent.
#include "changes/signal_guard.hpp"

#include <gtest/gtest.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <thread>

#include "probes/sampler.hpp"

namespace mmtune::changes {
namespace {

using namespace std::chrono_literals;

bool readable(int fd, std::chrono::milliseconds wait = 0ms) {
  pollfd p{fd, POLLIN, 0};
  int ready;
  while ((ready = ::poll(&p, 1, int(wait.count()))) < 0 && errno == EINTR) {
  }
  return ready == 1;
}

TEST(SignalGuard, RecordsTheSignalAndPutsTheOldHandlerBack) {
  struct sigaction before {};
  ::sigaction(SIGINT, nullptr, &before);
  {
    SignalGuard guard;
    EXPECT_EQ(SignalGuard::received(), 0);
    EXPECT_FALSE(SignalGuard::flag().load());
    ::raise(SIGINT);  // would end the test process without the guard
    EXPECT_EQ(SignalGuard::received(), SIGINT);
    EXPECT_TRUE(SignalGuard::flag().load());
  }
  struct sigaction after {};
  ::sigaction(SIGINT, nullptr, &after);
  EXPECT_EQ(after.sa_handler, before.sa_handler);
  EXPECT_EQ(SignalGuard::wake_fd(), -1) << "no guard, no wake descriptor";
}

TEST(SignalGuard, NestedGuardsShareOneRecord) {
  SignalGuard sweep;
  {
    SignalGuard run;
    EXPECT_EQ(SignalGuard::received(), 0);
    ::raise(SIGTERM);
  }
  EXPECT_EQ(SignalGuard::received(), SIGTERM) << "the outer guard sees what stopped the inner";
  ::raise(SIGINT);  // the handler is still the guard's while the outer one lives
  EXPECT_EQ(SignalGuard::received(), SIGINT);
}

TEST(SignalGuard, ANewOutermostGuardStartsWithNothingRecorded) {
  {
    SignalGuard first;
    ::raise(SIGINT);
  }
  SignalGuard second;
  EXPECT_EQ(SignalGuard::received(), 0);
  EXPECT_FALSE(readable(SignalGuard::wake_fd()));
}

TEST(SignalGuard, WakesAPollAndStaysReadable) {
  SignalGuard guard;
  const int fd = SignalGuard::wake_fd();
  ASSERT_GE(fd, 0);
  EXPECT_FALSE(readable(fd));
  std::thread raiser([] {
    std::this_thread::sleep_for(50ms);
    ::kill(::getpid(), SIGTERM);
  });
  const auto start = std::chrono::steady_clock::now();
  EXPECT_TRUE(readable(fd, 5000ms));
  EXPECT_LT(std::chrono::steady_clock::now() - start, 2s) << "woken, not timed out";
  raiser.join();
  EXPECT_TRUE(readable(fd)) << "a latch: still readable";
  EXPECT_TRUE(guard.sampler_stop().requested());
}

TEST(SignalGuard, AForkedChildHasARecordOfItsOwn) {
  SignalGuard guard;
  const pid_t pid = SignalGuard::fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    if (SignalGuard::received() != 0 || SignalGuard::wake_fd() != -1) ::_exit(2);
    ::raise(SIGTERM);  // recorded, not fatal: the handler is installed in the child
    ::_exit(SignalGuard::received() == SIGTERM && SignalGuard::flag().load() ? 0 : 3);
  }
  int status = 0;
  ASSERT_EQ(::waitpid(pid, &status, 0), pid);
  ASSERT_TRUE(WIFEXITED(status)) << "killed by signal " << WTERMSIG(status);
  EXPECT_EQ(WEXITSTATUS(status), 0);
  EXPECT_EQ(SignalGuard::received(), 0) << "the child's signal is not the parent's";
  EXPECT_FALSE(readable(SignalGuard::wake_fd())) << "nor did it wake the parent";
}

}  // namespace
}  // namespace mmtune::changes
