// Progress on a terminal: the status line's text, drawing in place on a pseudo-terminal, log
// lines above it, and silence when the stream is a pipe.
#include "advisor/progress.hpp"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <thread>

namespace mmtune::advisor {
namespace {

std::string drain(int fd) {
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);
  std::string out;
  char buffer[4096];
  for (ssize_t n; (n = ::read(fd, buffer, sizeof buffer)) > 0;) out.append(buffer, size_t(n));
  return out;
}

TEST(Progress, StatusLineShowsStepElapsedExpectedAndTotal) {
  EXPECT_EQ(advisor::Progress::status_line("[2/5] thp", 3.44, 10, 12.0, 60, 200),
            "mmtune: [2/5] thp  3.4 s / 10 s [######..............]  total 12.0 s / 60 s");
  EXPECT_EQ(advisor::Progress::status_line("dirty-flood", 75, 0, 75, 0, 200),
            "mmtune: dirty-flood  75.0 s")
      << "no expectation: elapsed only";
  EXPECT_EQ(advisor::Progress::status_line("x", 30, 10, 30, 0, 200),
            "mmtune: x  30.0 s / 10 s [####################]")
      << "the bar stops at full when a step overruns";
  EXPECT_EQ(advisor::Progress::status_line("[1/9] a-long-step-name", 1, 2, 3, 4, 20).size(), 19u)
      << "cut to the terminal's width";
}

TEST(Progress, SilentWhenTheStreamIsNotATerminal) {
  int fds[2];
  ASSERT_EQ(::pipe(fds), 0);
  std::FILE* stream = ::fdopen(fds[1], "w");
  ASSERT_NE(stream, nullptr);
  {
    advisor::Progress progress(stream, 10);
    EXPECT_FALSE(progress.active());
    EXPECT_EQ(progress.log(), stream) << "log lines go straight to the stream";
    progress.begin("[1/1] demand-paging", 1);
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    progress.end();
  }
  std::fclose(stream);
  EXPECT_EQ(drain(fds[0]), "");
  ::close(fds[0]);
}

TEST(Progress, DrawsInPlaceOnATerminalAndKeepsLogLinesApart) {
  int master = -1, slave = -1;
  if (::openpty(&master, &slave, nullptr, nullptr, nullptr) != 0)
    GTEST_SKIP() << "no pseudo-terminal here";
  std::FILE* stream = ::fdopen(slave, "w");
  ASSERT_NE(stream, nullptr);
  std::setvbuf(stream, nullptr, _IONBF, 0);
  {
    advisor::Progress progress(stream, 60);
    ASSERT_TRUE(progress.active());
    progress.begin("[1/2] quick-step", 0.5);
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    progress.end();  // shorter than kShowAfter: never drawn
    progress.begin("[2/2] thp", 10);
    std::this_thread::sleep_for(advisor::Progress::kShowAfter + std::chrono::milliseconds(700));
    std::fputs("mmtune: thp: touch done in 2.1 s\n", progress.log());
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    progress.end();
  }
  std::fclose(stream);
  const std::string screen = drain(master);
  ::close(master);
  EXPECT_EQ(screen.find("quick-step"), std::string::npos) << screen;
  const size_t status = screen.find("\r\033[Kmmtune: [2/2] thp  2.");
  ASSERT_NE(status, std::string::npos) << screen;
  EXPECT_NE(screen.find(" / 10 s [", status), std::string::npos) << screen;
  EXPECT_NE(screen.find("total ", status), std::string::npos) << screen;
  const size_t line = screen.find("\r\033[Kmmtune: thp: touch done in 2.1 s");
  ASSERT_NE(line, std::string::npos) << "the status line is cleared before a log line: " << screen;
  EXPECT_NE(screen.find("mmtune: [2/2] thp", line), std::string::npos)
      << "and drawn again below it: " << screen;
  EXPECT_TRUE(screen.ends_with("\r\033[K")) << "nothing is left on the line: " << screen;
}

}  // namespace
}  // namespace mmtune::advisor
