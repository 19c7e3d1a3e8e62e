#pragma once
// What dirty-flood, reclaim and oom may change on the host, read before and after a run: the
// settings they touch, and the loop devices, mounts, swap areas, blkio rules, cgroups and trace
// instances they make (by their names, so other helpers' runs in parallel do not count). Equal
// snapshots mean nothing was left behind; compare settings only while holding
// test::HostSettingsLock.
#include <filesystem>
#include <ostream>
#include <string>
#include <vector>

#include "probes/host_fs.hpp"
#include "probes/tracefs.hpp"

namespace mmtune::workloads {

struct HostSnapshot {
  std::vector<std::string> settings;  // "vm.dirty_ratio=20", …
  std::vector<std::string> mmtune_mounts, loop_backings, swaps, blkio_rules, mmtune_cgroups;
  std::vector<std::string> trace_instances;  // mmtune-* under any tracefs mounted
  bool operator==(const HostSnapshot&) const = default;
};

// For gtest: a failed comparison shows what differs, not bytes.
inline void PrintTo(const HostSnapshot& s, std::ostream* os) {
  auto list = [os](const char* name, const std::vector<std::string>& items) {
    *os << name << ": [";
    for (size_t i = 0; i < items.size(); ++i) *os << (i ? ", " : "") << items[i];
    *os << "]; ";
  };
  list("settings", s.settings);
  list("mounts", s.mmtune_mounts);
  list("loop backings", s.loop_backings);
  list("swaps", s.swaps);
  list("blkio rules", s.blkio_rules);
  list("cgroups", s.mmtune_cgroups);
  list("trace instances", s.trace_instances);
}

inline std::vector<std::string> lines_with(const std::string& text, const std::string& needle) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string line = text.substr(start, end - start);
    if (line.find(needle) != std::string::npos) out.push_back(line);
    start = end + 1;
  }
  return out;
}

inline HostSnapshot snapshot_host() {
  probes::HostFs fs("/");
  HostSnapshot s;
  for (const char* knob : {"dirty_ratio", "dirty_background_ratio", "dirty_bytes",
                           "dirty_background_bytes", "swappiness"}) {
    s.settings.push_back(std::string(knob) + "=" +
                         fs.read(std::string("proc/sys/vm/") + knob).value_or("?"));
  }
  const std::string mountinfo = fs.read("proc/self/mountinfo").value_or("");
  s.mmtune_mounts = lines_with(mountinfo, "mmtune-slow-device-");
  for (const std::string& line : lines_with(mountinfo, "mmtune-tracefs-"))
    s.mmtune_mounts.push_back(line);
  if (auto tracefs = probes::tracefs_mount_point(mountinfo)) {
    for (const std::string& name : fs.list(*tracefs + "/instances"))
      if (name.starts_with("mmtune-")) s.trace_instances.push_back(name);
  }
  std::error_code ec;
  for (const auto& entry : std::filesystem::directory_iterator("/sys/block", ec)) {
    if (auto backing =
            fs.read("sys/block/" + entry.path().filename().string() + "/loop/backing_file")) {
      if (backing->find("mmtune-slow-device-") != std::string::npos)
        s.loop_backings.push_back(*backing);
    }
  }
  s.swaps = lines_with(fs.read("proc/swaps").value_or(""), "mmtune-swap-");
  s.blkio_rules =
      lines_with(fs.read("sys/fs/cgroup/blkio/blkio.throttle.write_bps_device").value_or(""), ":");
  for (const auto& entry :
       std::filesystem::recursive_directory_iterator("/sys/fs/cgroup/memory", ec)) {
    std::string name = entry.path().filename().string();
    if (entry.is_directory() &&
        (name.starts_with("mmtune-oom-") || name.starts_with("mmtune-reclaim-"))) {
      s.mmtune_cgroups.push_back(entry.path().string());
    }
  }
  return s;
}

}  // namespace mmtune::workloads
