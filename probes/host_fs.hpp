#pragma once
// Where /proc and /sys are read: "/" on the live host, a recorded snapshot in tests or with
// --root DIR. Every read of the host goes through here, so the whole chain above the probes can be
// pointed at a recorded host, and `mmtune host --record` can copy exactly the files that were read.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::probes {

class HostFs {
 public:
  explicit HostFs(std::filesystem::path root = "/");

  const std::filesystem::path& root() const { return root_; }
  // True when reading the running kernel (root "/"), false for a recorded snapshot.
  bool is_live() const;

  // rel is relative ("proc/meminfo"): with std::filesystem, root / "/proc" silently drops root.
  std::filesystem::path path(std::string_view rel) const;

  // The whole file, read to EOF (/proc files report st_size 0). nullopt when the file is absent or
  // unreadable: an older kernel, a container, or no permission. Absence is data, not an error.
  std::optional<std::string> read(std::string_view rel) const;
  bool exists(std::string_view rel) const;
  // Names in a directory, sorted; empty when the directory is absent.
  std::vector<std::string> list(std::string_view rel_dir) const;

  // Every file read() returns is stored in *log as relative path → the content returned, so
  // `mmtune host --record` writes exactly what the probes saw (one consistent moment, not a
  // second read). Pass nullptr to stop recording.
  void record_reads_into(std::map<std::string, std::string>* log) { read_log_ = log; }

  // Writes value to a /proc/sys or /sys file; throws Error on failure (with the kernel's errno).
  // Only the settings journal (workloads/journal) calls this: it records the old value first.
  void write(std::string_view rel, std::string_view value) const;

 private:
  std::filesystem::path root_;
  std::map<std::string, std::string>* read_log_ = nullptr;
};

}  // namespace mmtune::probes
