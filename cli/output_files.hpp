#pragma once
// Files a command writes besides its output (reports, sysctl.d and tuned files): checked before
// any work starts, so a typo in a path costs nothing, and written whole or not at all.
#include <filesystem>
#include <string>
#include <string_view>

namespace mmtune::cli {

struct OutputFile {
  std::string option;  // "--emit sysctl", for messages
  std::filesystem::path path;
};

// Throws Error{bad_input} naming the option when path is a directory, its directory does not exist,
// or it cannot be written there.
OutputFile check_output_file(std::string option, const std::filesystem::path& path);
// Writes content to a temporary file beside it and renames it into place. Throws Error{bad_input}
// naming the option on failure.
void write_output_file(const OutputFile& file, std::string_view content);

}  // namespace mmtune::cli
