#include "cli/output_files.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>

#include "facts/error.hpp"

namespace mmtune::cli {

OutputFile check_output_file(std::string option, const std::filesystem::path& path) {
  std::error_code ec;
  if (path.empty()) fail(ErrorKind::bad_input, "{}: the file name is empty", option);
  if (std::filesystem::is_directory(path, ec)) {
    fail(ErrorKind::bad_input, "{} {}: is a directory", option, path.string());
  }
  std::filesystem::path dir = path.parent_path().empty() ? "." : path.parent_path();
  if (!std::filesystem::is_directory(dir, ec)) {
    fail(ErrorKind::bad_input, "{} {}: directory {} does not exist", option, path.string(),
         dir.string());
  }
  if (::access(dir.c_str(), W_OK) != 0) {
    fail(ErrorKind::bad_input, "{} {}: cannot write in {}: {}", option, path.string(), dir.string(),
         std::strerror(errno));
  }
  return {std::move(option), path};
}

void write_output_file(const OutputFile& file, std::string_view content) {
  std::filesystem::path temporary = file.path;
  temporary += ".tmp";
  {
    std::ofstream out(temporary, std::ios::binary | std::ios::trunc);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    out.close();
    if (!out) {
      std::error_code ignored;
      std::filesystem::remove(temporary, ignored);
      fail(ErrorKind::bad_input, "{} {}: cannot write: {}", file.option, file.path.string(),
           std::strerror(errno));
    }
  }
  std::error_code ec;
  std::filesystem::rename(temporary, file.path, ec);
  if (ec) {
    std::filesystem::remove(temporary, ec);
    fail(ErrorKind::bad_input, "{} {}: cannot write: {}", file.option, file.path.string(),
         ec.message());
  }
}

}  // namespace mmtune::cli
