#pragma once
// The one error type below cli/. The library says what went wrong; only cli::run picks the exit
// code (bad_input → 2, unsupported → 3, internal → 4). What a caller can handle is a return value
// (std::optional, a result struct); what stops the command is thrown.
#include <fmt/format.h>

#include <stdexcept>
#include <string>
#include <utility>

namespace mmtune {

// interrupted: SIGINT/SIGTERM arrived; thrown after cleanup so the command exits 130.
enum class ErrorKind { bad_input, unsupported, internal, interrupted };

class Error : public std::runtime_error {
 public:
  Error(ErrorKind kind, const std::string& message) : std::runtime_error(message), kind_(kind) {}
  ErrorKind kind() const { return kind_; }

 private:
  ErrorKind kind_;
};

// fail(ErrorKind::bad_input, "--interval: \"{}\" must be a positive duration", text);
template <typename... Args>
[[noreturn]] void fail(ErrorKind kind, fmt::format_string<Args...> format, Args&&... args) {
  throw Error(kind, fmt::format(format, std::forward<Args>(args)...));
}

}  // namespace mmtune
