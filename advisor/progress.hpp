#pragma once
// Progress of a long command on a terminal: one status line on stderr, redrawn in place twice a
// second, naming the current step with its elapsed time against the time expected for it, and the
// whole command's elapsed time against its budget:
//
//   mmtune: [2/5] thp  3.4 s / 10 s [######·············]  total 12.0 s / 60 s
//
// It appears only once a step has run for kShowAfter (short steps stay quiet) and never when the
// stream is not a terminal (a pipe, a CI log): then every call does nothing and log() is the
// stream itself.
//
//   Progress progress(stderr, plan_budget_s);
//   options.log = progress.log();                 // the runner's lines go above the status line
//   progress.begin("[2/5] thp", step_limit_s);   // … the step runs …
//   progress.end();
//
// Lines written through log() while the status line shows clear it first and redraw it after, so
// the two never share a line. The status line is written with write(2) from its own thread; a
// forked child never touches it.
#include <sys/types.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>

namespace mmtune::advisor {

class Progress {
 public:
  static constexpr std::chrono::milliseconds kShowAfter{2000};

  // stream: where to draw (stderr); total_expected_s: the whole command's budget, 0 if unknown.
  explicit Progress(std::FILE* stream, double total_expected_s = 0);
  ~Progress();
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // A step starts (replacing the one before); expected_s ≤ 0: no expectation, elapsed only.
  void begin(std::string step, double expected_s);
  // The step is over: the status line is cleared.
  void end();

  // True when drawing (the stream is a terminal).
  bool active() const { return log_ != nullptr && terminal_; }
  // A stream for lines that should appear above the status line; the stream itself when inactive.
  std::FILE* log() const { return terminal_ ? log_ : stream_; }

  // The status line for these times, as drawn (without the leading "\r"), cut to width columns.
  static std::string status_line(std::string_view step, double elapsed_s, double expected_s,
                                 double total_s, double total_expected_s, size_t width);

 private:
  using Clock = std::chrono::steady_clock;
  void tick();
  void draw_locked();
  void clear_locked();
  static ssize_t write_through(void* cookie, const char* data, size_t size);

  std::FILE* stream_;
  int fd_ = -1;
  bool terminal_ = false;
  std::FILE* log_ = nullptr;  // fopencookie stream writing through write_through
  double total_expected_s_;
  Clock::time_point start_ = Clock::now();

  std::mutex mutex_;
  std::condition_variable wake_;
  bool stopping_ = false;
  bool in_step_ = false;
  bool shown_ = false;  // the status line is on the screen
  std::string step_;
  double expected_s_ = 0;
  Clock::time_point step_start_;
  std::thread ticker_;
};

}  // namespace mmtune::advisor
