#include "matrix/process.hpp"

#include <gtest/gtest.h>
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "changes/signal_guard.hpp"
#include "facts/error.hpp"

namespace mmtune::matrix {
namespace {

TEST(Process, CapturesBothStreamsAndTheExitCode) {
  CommandResult result = run_command({"sh", "-c", "echo out; echo err >&2; exit 7"});
  EXPECT_EQ(result.out, "out\n");
  EXPECT_EQ(result.err, "err\n");
  EXPECT_EQ(result.exit_code, 7);
  EXPECT_FALSE(result.timed_out);
  EXPECT_EQ(last_line(result), "err");
}

TEST(Process, TimeLimitKillsTheWholeGroup) {
  auto start = std::chrono::steady_clock::now();
  CommandResult result =
      run_command({"sh", "-c", "sleep 30 & sleep 30"}, std::chrono::milliseconds(300));
  EXPECT_TRUE(result.timed_out);
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

TEST(Process, MissingProgramIsAnErrorNotACrash) {
  EXPECT_EQ(find_program("no-such-program-mmtune"), std::nullopt);
  EXPECT_THROW(run_command({"no-such-program-mmtune"}), Error);
  EXPECT_TRUE(find_program("sh").has_value());
}

TEST(Process, InterruptStopsTheChildAndThrows) {
  changes::SignalGuard guard;
  std::thread raiser([] {
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    ::kill(::getpid(), SIGINT);
  });
  auto start = std::chrono::steady_clock::now();
  try {
    run_command({"sleep", "30"});
    ADD_FAILURE() << "not interrupted";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::interrupted);
  }
  raiser.join();
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(5));
}

}  // namespace
}  // namespace mmtune::matrix
