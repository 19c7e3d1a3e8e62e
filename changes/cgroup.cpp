#include "changes/cgroup.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <thread>

#include "changes/journal.hpp"
#include "changes/program.hpp"
#include "facts/error.hpp"

namespace mmtune::changes {
namespace {

std::vector<std::string> words(std::string_view text) {
  std::vector<std::string> out;
  text = probes::trim(text);
  while (!text.empty()) {
    size_t end = text.find_first_of(" \t\n");
    out.emplace_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text = probes::trim(text.substr(end));
  }
  return out;
}

bool contains(const std::vector<std::string>& list, std::string_view word) {
  return std::find(list.begin(), list.end(), word) != list.end();
}

// The mount options (sixth field) of the cgroup2 mount start with "ro" when it is read-only.
bool v2_mount_read_only(std::string_view mountinfo) {
  for (std::string_view rest = mountinfo; !rest.empty();) {
    std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos || !line.substr(dash + 3).starts_with("cgroup2 ")) continue;
    std::vector<std::string> fields = words(line.substr(0, dash));
    return fields.size() >= 6 && (fields[5] == "ro" || fields[5].starts_with("ro,"));
  }
  return false;
}

std::optional<std::string> own_v2_path(std::string_view membership) {
  for (std::string_view rest = membership; !rest.empty();) {
    std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    if (line.starts_with("0::")) return std::string(line.substr(3));
  }
  return std::nullopt;
}

// The directory of cgroup_path in the hierarchy mounted as mount (relative to the root).
std::string dir_of(const probes::CgroupMount& mount, std::string_view cgroup_path) {
  std::string_view relative = cgroup_path;
  if (mount.root != "/" && relative.starts_with(mount.root))
    relative.remove_prefix(mount.root.size());
  while (!relative.empty() && relative.front() == '/') relative.remove_prefix(1);
  while (!relative.empty() && relative.back() == '/') relative.remove_suffix(1);
  return relative.empty() ? mount.mount_point : mount.mount_point + "/" + std::string(relative);
}

std::string joined(const std::vector<std::string>& list) {
  return fmt::format("{}", fmt::join(list, " "));
}

Placement unsupported(std::string why) {
  return {PlacementKind::unsupported, 2, {}, std::move(why)};
}

// The first of controllers that dir does not offer its children's parent (cgroup.controllers).
std::optional<std::string> missing_controller(const probes::HostFs& fs, const std::string& dir,
                                              const std::vector<std::string>& controllers) {
  const std::vector<std::string> offered = words(fs.read(dir + "/cgroup.controllers").value_or(""));
  for (const std::string& c : controllers) {
    if (!contains(offered, c)) {
      return fmt::format(
          "the {} controller is not available in {} (cgroup.controllers: {}): it is not "
          "delegated here",
          c, fs.path(dir).string(), offered.empty() ? "none" : joined(offered));
    }
  }
  return std::nullopt;
}

Placement plan_v1(const probes::HostFs& fs, const CgroupHost& host) {
  facts::CgroupMemory own = probes::read_own_cgroup(fs);
  if (own.version != 1 || own.dir.empty())
    return {PlacementKind::unsupported,
            1,
            {},
            "no memory cgroup of this process in the v1 memory hierarchy"};
  return {PlacementKind::v1_own, 1, own.dir,
          fmt::format("cgroup {}: the workers' memory cgroups go under this process's own ({}); "
                      "v1 lets a cgroup hold processes and children",
                      host.layout == CgroupLayout::hybrid
                          ? "v1 (hybrid: memory is a v1 controller here)"
                          : "v1",
                      fs.path(own.dir).string())};
}

Placement plan_v2(const probes::HostFs& fs, const CgroupHost& host,
                  const std::vector<std::string>& controllers) {
  const probes::CgroupMount& mount = *host.v2;
  const std::string root = mount.mount_point;
  const std::string own = dir_of(mount, host.own_v2_path);
  if (host.v2_read_only) {
    return unsupported(fmt::format(
        "the cgroup2 filesystem at {} is mounted read-only, so no cgroup can be made here (a "
        "container without a writable, delegated cgroup)",
        fs.path(root).string()));
  }
  // The root cgroup has no cgroup.type; every other one has.
  const bool in_root = !fs.exists(own + "/cgroup.type");
  if (host.systemd) {
    if (auto missing = missing_controller(fs, root, controllers)) return unsupported(*missing);
    return {PlacementKind::systemd_scope, 2, own,
            fmt::format("cgroup v2 under systemd: a transient scope mmtune-<pid>.scope with "
                        "Delegate=yes (systemd is the only writer of the root's cgroups and gives "
                        "delegated scopes to others), this process moved into its leaf mmtune-run "
                        "and {} enabled for the workers' cgroups beside it",
                        joined(controllers))};
  }
  if (auto missing = missing_controller(fs, own, controllers)) return unsupported(*missing);
  if (in_root) {
    return {PlacementKind::v2_top_level, 2, own,
            fmt::format("cgroup v2 without systemd, this process in the root cgroup: a top-level "
                        "cgroup mmtune-<pid> of its own, with {} enabled for its children in the "
                        "root's cgroup.subtree_control and its own (nobody else manages the tree)",
                        joined(controllers))};
  }
  return unsupported(fmt::format(
      "this process's cgroup {} holds processes (this one among them), so the kernel will not "
      "enable controllers for cgroups under it (no internal processes), and no systemd runs here "
      "to delegate a scope: run mmtune in the root cgroup, or on a host with systemd",
      host.own_v2_path));
}

}  // namespace

std::string_view layout_name(CgroupLayout layout) {
  switch (layout) {
    case CgroupLayout::none:
      return "none";
    case CgroupLayout::v1:
      return "v1";
    case CgroupLayout::v2:
      return "v2";
    case CgroupLayout::hybrid:
      return "hybrid";
  }
  return "?";
}

CgroupHost read_cgroup_host(const probes::HostFs& fs) {
  CgroupHost host;
  const std::string mountinfo = fs.read("proc/self/mountinfo").value_or("");
  host.v2 = probes::parse_cgroup_mount(mountinfo, 2);
  host.v1_memory = probes::parse_cgroup_mount(mountinfo, 1);
  host.v2_read_only = host.v2 && v2_mount_read_only(mountinfo);
  host.own_v2_path = own_v2_path(fs.read("proc/self/cgroup").value_or("")).value_or("/");
  host.systemd = fs.exists("run/systemd/system");
  host.layout = host.v1_memory ? (host.v2 ? CgroupLayout::hybrid : CgroupLayout::v1)
                               : (host.v2 ? CgroupLayout::v2 : CgroupLayout::none);
  return host;
}

Placement plan_placement(const probes::HostFs& fs, const CgroupHost& host,
                         const std::vector<std::string>& controllers) {
  switch (host.layout) {
    case CgroupLayout::none:
      return {PlacementKind::unsupported, 0, {}, "no memory cgroup controller is mounted"};
    case CgroupLayout::v1:
    case CgroupLayout::hybrid:
      return plan_v1(fs, host);
    case CgroupLayout::v2:
      return plan_v2(fs, host, controllers);
  }
  return unsupported("unknown cgroup layout");
}

std::vector<std::string> start_scope_arguments(std::string_view unit, int pid) {
  // StartTransientUnit(name, mode, properties a(sv), aux a(sa(sv))).
  return {"call",
          "org.freedesktop.systemd1",
          "/org/freedesktop/systemd1",
          "org.freedesktop.systemd1.Manager",
          "StartTransientUnit",
          "ssa(sv)a(sa(sv))",
          std::string(unit),
          "fail",
          "3",
          "PIDs",
          "au",
          "1",
          std::to_string(pid),
          "Delegate",
          "b",
          "true",
          "Description",
          "s",
          "mmtune: cgroups of a run's workers",
          "0"};
}

CgroupPlace::CgroupPlace(Journal& journal, const std::vector<std::string>& controllers) {
  const CgroupHost host = read_cgroup_host(journal.fs());
  placement_ = plan_placement(journal.fs(), host, controllers);
  switch (placement_.kind) {
    case PlacementKind::unsupported:
      fail(ErrorKind::unsupported, "{}", placement_.why);
    case PlacementKind::v1_own:
      dir_ = {placement_.base_dir, 1};
      return;
    case PlacementKind::v2_top_level:
      make_top_level(journal, controllers);
      return;
    case PlacementKind::systemd_scope:
      make_systemd_scope(journal, controllers);
      return;
  }
}

void CgroupPlace::make_top_level(Journal& journal, const std::vector<std::string>& controllers) {
  const std::string place = fmt::format("{}/mmtune-{}", placement_.base_dir, ::getpid());
  journal.enable_controllers(placement_.base_dir, controllers);
  journal.create_cgroup(place);
  journal.enable_controllers(place, controllers);
  dir_ = {place, 2};
}

void CgroupPlace::make_systemd_scope(Journal& journal,
                                     const std::vector<std::string>& controllers) {
  const probes::HostFs& fs = journal.fs();
  auto busctl = find_on_path("busctl");
  if (!busctl) fail(ErrorKind::unsupported, "a systemd scope needs busctl (package systemd)");
  const std::string unit = fmt::format("mmtune-{}.scope", ::getpid());
  journal.track_systemd_scope(unit);
  std::vector<std::string> argv = start_scope_arguments(unit, ::getpid());
  argv.insert(argv.begin(), busctl->string());
  ProgramResult started = run_program(argv);
  if (started.status != 0)
    fail(ErrorKind::unsupported, "systemd did not start {}: {}", unit, first_line(started.err));
  // The job runs asynchronously: wait until this process is in the scope.
  const CgroupHost host = read_cgroup_host(fs);
  std::string path;
  for (int attempt = 0; attempt < 250; ++attempt) {
    path = own_v2_path(fs.read("proc/self/cgroup").value_or("")).value_or("");
    if (path.ends_with("/" + unit)) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (!path.ends_with("/" + unit))
    fail(ErrorKind::unsupported, "systemd did not move this process into {} within 5 s", unit);
  const std::string scope = dir_of(*host.v2, path);
  const std::string leaf = scope + "/mmtune-run";
  journal.create_cgroup(leaf);
  journal.write_owned(leaf + "/cgroup.procs", std::to_string(::getpid()));
  if (auto missing = missing_controller(fs, scope, controllers))
    fail(ErrorKind::unsupported, "{}", *missing);
  journal.enable_controllers(scope, controllers);
  dir_ = {scope, 2};
}

std::string CgroupPlace::describe() const {
  return fmt::format("{} ({})", placement_.why, dir_.dir.empty() ? "-" : "/" + dir_.dir);
}

}  // namespace mmtune::changes
