#include "fuzz.hpp"

#include <unistd.h>

#include <fstream>
#include <system_error>

namespace mmtune::fuzz {
namespace {

constexpr char kRecordSeparator = '\x01';
constexpr char kPathEnd = '\x02';
constexpr size_t kMaxRecords = 96;
constexpr size_t kMaxPath = 160;

bool safe_path(std::string_view path) {
  if (path.empty() || path.size() > kMaxPath) return false;
  if (!path.starts_with("proc/") && !path.starts_with("sys/")) return false;
  if (path.find("..") != std::string_view::npos || path.find("//") != std::string_view::npos ||
      path.back() == '/')
    return false;
  for (char c : path) {
    bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                 c == '_' || c == '-' || c == '.' || c == '/' || c == ':';
    if (!plain) return false;
  }
  return true;
}

void write_records(const std::filesystem::path& root, std::string_view text) {
  size_t written = 0;
  for (std::string_view record : split(text, kRecordSeparator)) {
    if (written == kMaxRecords) break;
    size_t end = record.find(kPathEnd);
    if (end == std::string_view::npos) continue;
    std::string_view path = record.substr(0, end);
    if (!safe_path(path)) continue;
    std::filesystem::path file = root / path;
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    if (ec) continue;  // a file already sits where a directory should
    std::ofstream out(file, std::ios::binary | std::ios::trunc);
    out << record.substr(end + 1);
    ++written;
  }
  std::error_code ec;
  if (!std::filesystem::exists(root / "proc/1", ec))
    std::filesystem::create_directory_symlink("self", root / "proc/1", ec);
}

}  // namespace

std::vector<std::string_view> split(std::string_view text, char separator) {
  std::vector<std::string_view> parts;
  for (;;) {
    size_t end = text.find(separator);
    parts.push_back(text.substr(0, end));
    if (end == std::string_view::npos) return parts;
    text.remove_prefix(end + 1);
  }
}

HostTree::HostTree() {
  std::string pattern = (std::filesystem::temp_directory_path() / "mmtune-fuzz-XXXXXX").string();
  if (!::mkdtemp(pattern.data())) std::abort();
  root_ = pattern;
}

HostTree::~HostTree() {
  std::error_code ec;
  std::filesystem::remove_all(root_, ec);
}

void HostTree::reset(std::string_view text) {
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator(root_, ec))
    std::filesystem::remove_all(entry.path(), ec);
  std::filesystem::create_directories(root_ / "proc/self", ec);
  write_records(root_, text);
}

void HostTree::overwrite(std::string_view text) { write_records(root_, text); }

}  // namespace mmtune::fuzz
