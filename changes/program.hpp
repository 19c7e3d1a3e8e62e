#pragma once
// Running a host program (mkfs.ext4, systemctl, busctl) the way the changes need it: found on PATH
// (with the sbin directories root's PATH usually has), run without a shell, its stderr kept for
// the error message.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace mmtune::changes {

std::optional<std::filesystem::path> find_on_path(std::string_view program);

struct ProgramResult {
  int status = 127;  // exit status; 128 + signal; 127 when it could not be started
  std::string out, err;
};
// Runs argv (argv[0] a path) with stdin from /dev/null and returns what it wrote.
ProgramResult run_program(const std::vector<std::string>& argv);

// The first line of text, or "no message".
std::string first_line(const std::string& text);

}  // namespace mmtune::changes
