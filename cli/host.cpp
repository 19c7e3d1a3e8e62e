// `mmtune host`: what this host is and how its memory manager is set. A readable summary for a
// terminal, --json for machines (schema mmtune.host/1, see facts/facts_json.hpp), and --record DIR
// to copy exactly the files the probes read so that `--root DIR` replays this host.
#include <fmt/format.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <map>
#include <memory>
#include <optional>
#include <string>

#include "cli/commands.hpp"
#include "cli/host_render.hpp"
#include "facts/error.hpp"
#include "facts/facts_json.hpp"
#include "probes/readers.hpp"

namespace mmtune::cli {
namespace {

// A memory cgroup is listed from 90 % of its ceiling: reclaim at the limit (memory.high throttling,
// memory.max reclaim and OOM) is under way there or close.
constexpr double kNearLimit = 0.90;

struct HostOptions {
  bool json = false;
  std::optional<std::string> record;
};

// --record DIR must be new or empty, so a recording never mixes two hosts.
void check_record_dir(const std::string& dir) {
  std::error_code ec;
  auto status = std::filesystem::status(dir, ec);
  if (!std::filesystem::exists(status)) return;
  if (!std::filesystem::is_directory(status)) {
    fail(ErrorKind::bad_input, "--record {}: exists and is not a directory", dir);
  }
  if (!std::filesystem::is_empty(dir, ec) || ec) {
    fail(ErrorKind::bad_input, "--record {}: directory is not empty", dir);
  }
}

void write_recording(const std::string& dir, const std::map<std::string, std::string>& files) {
  for (const auto& [rel, content] : files) {
    std::filesystem::path target = std::filesystem::path(dir) / rel;
    std::error_code ec;
    std::filesystem::create_directories(target.parent_path(), ec);
    std::ofstream out(target, std::ios::binary);
    out.write(content.data(), static_cast<std::streamsize>(content.size()));
    if (ec || !out) {
      fail(ErrorKind::bad_input, "--record {}: cannot write {}: {}", dir, target.string(),
           ec ? ec.message() : std::strerror(errno));
    }
  }
}

int run_host(const HostOptions& options, const Globals& globals, const Io& io) {
  if (options.record) check_record_dir(*options.record);
  probes::HostFs fs = globals.host_fs();
  probes::require_host_root(fs);
  std::map<std::string, std::string> read_files;
  if (options.record) fs.record_reads_into(&read_files);
  facts::HostFacts facts = probes::read_host_facts(fs);
  const std::vector<probes::CgroupNearLimit> near_limit =
      probes::memory_cgroups_near_limit(fs, kNearLimit);
  fs.record_reads_into(nullptr);

  if (options.record) {
    write_recording(*options.record, read_files);
    fmt::print(io.err, "mmtune: recorded {} files into {}; replay with --root {}\n",
               read_files.size(), *options.record, *options.record);
  }
  if (options.json) {
    nlohmann::json j = host_json(facts);
    if (!near_limit.empty()) j["cgroups_near_limit"] = cgroups_near_limit_json(near_limit);
    fmt::print(io.out, "{}\n", j.dump(2));
  } else {
    fmt::print(io.out, "{}{}", host_text(facts, fs.root().string()),
               cgroups_near_limit_text(near_limit, kNearLimit));
  }
  return 0;
}

}  // namespace

Action attach_host(CLI::App& sub, const Globals& globals) {
  auto options = std::make_shared<HostOptions>();
  sub.add_flag("--json", options->json,
               "Print the host facts as JSON (schema mmtune.host/1), with the model's thresholds");
  sub.add_option("--record", options->record,
                 "Also copy every file read into DIR (new or empty), to replay with --root DIR")
      ->type_name("DIR");
  return [options, &globals](const Io& io) { return run_host(*options, globals, io); };
}

}  // namespace mmtune::cli
