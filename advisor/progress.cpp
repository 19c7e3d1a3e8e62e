#include "advisor/progress.hpp"

#include <fmt/format.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace mmtune::advisor {
namespace {

void write_all(int fd, std::string_view text) {
  while (!text.empty()) {
    const ssize_t n = ::write(fd, text.data(), text.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return;  // a terminal that went away: progress is not worth an error
    text.remove_prefix(static_cast<size_t>(n));
  }
}

size_t terminal_width(int fd) {
  winsize size{};
  if (::ioctl(fd, TIOCGWINSZ, &size) == 0 && size.ws_col > 0) return size.ws_col;
  return 80;
}

// Cuts text to at most width columns, counting UTF-8 continuation bytes as no column.
std::string fit(std::string text, size_t width) {
  size_t columns = 0;
  for (size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) == 0x80) continue;
    if (++columns > width) {
      text.resize(i);
      break;
    }
  }
  return text;
}

}  // namespace

std::string Progress::status_line(std::string_view step, double elapsed_s, double expected_s,
                                  double total_s, double total_expected_s, size_t width) {
  std::string line = fmt::format("mmtune: {}  {:.1f} s", step, elapsed_s);
  if (expected_s > 0) {
    constexpr int kBar = 20;
    const int filled = std::clamp(static_cast<int>(elapsed_s / expected_s * kBar), 0, kBar);
    line +=
        fmt::format(" / {:g} s [{}{}]", expected_s, std::string(static_cast<size_t>(filled), '#'),
                    std::string(static_cast<size_t>(kBar - filled), '.'));
  }
  if (total_expected_s > 0) {
    line += fmt::format("  total {:.1f} s / {:g} s", total_s, total_expected_s);
  } else if (total_s > elapsed_s + 0.05) {
    line += fmt::format("  total {:.1f} s", total_s);
  }
  return fit(std::move(line), width > 1 ? width - 1 : width);
}

Progress::Progress(std::FILE* stream, double total_expected_s)
    : stream_(stream), total_expected_s_(total_expected_s) {
  if (!stream_) return;
  fd_ = ::fileno(stream_);
  terminal_ = fd_ >= 0 && ::isatty(fd_);
  if (!terminal_) return;
  cookie_io_functions_t io{};
  io.write = &Progress::write_through;
  log_ = ::fopencookie(this, "w", io);
  if (!log_) {
    terminal_ = false;
    return;
  }
  std::setvbuf(log_, nullptr, _IOLBF, 4096);  // whole lines reach write_through
  ticker_ = std::thread([this] { tick(); });
}

Progress::~Progress() {
  if (!terminal_) return;
  {
    std::lock_guard lock(mutex_);
    stopping_ = true;
  }
  wake_.notify_all();
  ticker_.join();
  std::fclose(log_);  // flushes a last partial line through write_through
  std::lock_guard lock(mutex_);
  clear_locked();
}

void Progress::begin(std::string step, double expected_s) {
  if (!terminal_) return;
  std::lock_guard lock(mutex_);
  clear_locked();
  step_ = std::move(step);
  expected_s_ = expected_s;
  step_start_ = Clock::now();
  in_step_ = true;
}

void Progress::end() {
  if (!terminal_) return;
  std::lock_guard lock(mutex_);
  clear_locked();
  in_step_ = false;
}

void Progress::tick() {
  std::unique_lock lock(mutex_);
  while (!stopping_) {
    wake_.wait_for(lock, std::chrono::milliseconds(500));
    if (!stopping_) draw_locked();
  }
}

void Progress::draw_locked() {
  if (!in_step_) return;
  const Clock::time_point now = Clock::now();
  if (now - step_start_ < kShowAfter) return;
  const double elapsed = std::chrono::duration<double>(now - step_start_).count();
  const double total = std::chrono::duration<double>(now - start_).count();
  write_all(fd_, "\r\033[K" + status_line(step_, elapsed, expected_s_, total, total_expected_s_,
                                          terminal_width(fd_)));
  shown_ = true;
}

void Progress::clear_locked() {
  if (!shown_) return;
  write_all(fd_, "\r\033[K");
  shown_ = false;
}

ssize_t Progress::write_through(void* cookie, const char* data, size_t size) {
  auto* self = static_cast<Progress*>(cookie);
  std::lock_guard lock(self->mutex_);
  const bool was_shown = self->shown_;
  self->clear_locked();
  write_all(self->fd_, std::string_view(data, size));
  if (was_shown && size > 0 && data[size - 1] == '\n') self->draw_locked();
  return static_cast<ssize_t>(size);
}

}  // namespace mmtune::advisor
