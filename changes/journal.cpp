#include "changes/journal.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <linux/loop.h>
#include <sys/file.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/swap.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <cstring>
#include <nlohmann/json.hpp>
#include <thread>

#include "changes/program.hpp"
#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "facts/units.hpp"
#include "probes/parsers.hpp"

namespace mmtune::changes {
namespace {

using nlohmann::json;
namespace fs = std::filesystem;

constexpr std::string_view kJournalSchema = "mmtune.journal/1";

struct DirtyPair {
  std::string_view bytes, ratio;
};
constexpr DirtyPair kDirtyPairs[] = {
    {"proc/sys/vm/dirty_bytes", "proc/sys/vm/dirty_ratio"},
    {"proc/sys/vm/dirty_background_bytes", "proc/sys/vm/dirty_background_ratio"},
};

std::optional<std::string_view> dirty_partner(std::string_view path) {
  for (const DirtyPair& pair : kDirtyPairs) {
    if (path == pair.bytes) return pair.ratio;
    if (path == pair.ratio) return pair.bytes;
  }
  return std::nullopt;
}

// A hugetlb pool size: proc/sys/vm/nr_hugepages(_mempolicy), a pool's or a node's nr_hugepages.
bool is_pool_size(std::string_view path) {
  if (path == "proc/sys/vm/nr_hugepages" || path == "proc/sys/vm/nr_hugepages_mempolicy")
    return true;
  return path.ends_with("/nr_hugepages") && path.find("/hugepages/hugepages-") != path.npos &&
         (path.starts_with("sys/kernel/mm/hugepages/") ||
          path.starts_with("sys/devices/system/node/"));
}

std::string strip_slashes(std::string_view rel) {
  while (!rel.empty() && rel.front() == '/') rel.remove_prefix(1);
  return std::string(rel);
}

// What a file says, in the form it was written: "always [madvise] never" → "madvise", "60\n" →
// "60".
std::string normalized(std::string_view text) { return probes::parse_bracketed_choice(text); }

std::optional<std::string> read_normalized(const probes::HostFs& host, std::string_view rel) {
  auto text = host.read(rel);
  if (!text) return std::nullopt;
  return normalized(*text);
}

std::optional<ChangeKind> kind_from_name(std::string_view name) {
  for (ChangeKind kind :
       {ChangeKind::setting, ChangeKind::dirty_pair, ChangeKind::cgroup, ChangeKind::temp_file,
        ChangeKind::temp_dir, ChangeKind::swap_file, ChangeKind::loop_device, ChangeKind::mount,
        ChangeKind::io_limit, ChangeKind::trace_instance, ChangeKind::hugetlb_pool,
        ChangeKind::subtree_control, ChangeKind::systemd_scope}) {
    if (change_kind_name(kind) == name) return kind;
  }
  return std::nullopt;
}

json entry_json(const JournalEntry& entry) {
  json line = {{"id", entry.id}, {"kind", change_kind_name(entry.kind)}, {"path", entry.path}};
  if (entry.kind == ChangeKind::setting || entry.kind == ChangeKind::dirty_pair ||
      entry.kind == ChangeKind::io_limit || entry.kind == ChangeKind::hugetlb_pool ||
      entry.kind == ChangeKind::subtree_control) {
    line["old"] = entry.old_value;
    line["new"] = entry.new_value;
  }
  if (entry.kind == ChangeKind::loop_device && !entry.new_value.empty())
    line["new"] = entry.new_value;
  if (entry.kind == ChangeKind::dirty_pair) {
    line["partner"] = entry.partner;
    line["partner_old"] = entry.partner_old;
  }
  return line;
}

bool write_line(int fd, const json& line) {
  std::string text = line.dump() + "\n";
  // One write per line: with O_APPEND the kernel places it atomically, so a forked workload and
  // the controller can append to the same file.
  ssize_t n = ::write(fd, text.data(), text.size());
  return n == static_cast<ssize_t>(text.size()) && ::fsync(fd) == 0;
}

std::string read_fd(int fd) {
  std::string text;
  char buffer[8192];
  off_t offset = 0;
  for (;;) {
    ssize_t n = ::pread(fd, buffer, sizeof buffer, offset);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    text.append(buffer, static_cast<size_t>(n));
    offset += n;
  }
  return text;
}

// What the file of a setting holds now, for its undo; when it cannot be read, nullopt and the
// outcome says it was left alone.
std::optional<std::string> value_now(const probes::HostFs& host, const JournalEntry& entry,
                                     UndoOutcome& outcome) {
  auto current = read_normalized(host, entry.path);
  if (!current) {
    outcome.status = UndoStatus::left_alone;
    outcome.message = fmt::format("{}: cannot be read any more; left alone", entry.path);
  }
  return current;
}

UndoOutcome undo_setting(const probes::HostFs& host, const JournalEntry& entry) {
  UndoOutcome outcome{entry, UndoStatus::failed, {}};
  const std::optional<std::string> current = value_now(host, entry, outcome);
  if (!current) return outcome;
  // The old value is journaled (and synced) before the write, so a run killed in between leaves
  // an entry for a write that never happened: the file still holds the old value.
  if (*current != normalized(entry.new_value) && *current == normalized(entry.old_value)) {
    outcome.status = UndoStatus::restored;
    outcome.message = fmt::format("{}: still {} (the {} was never written, or was put back)",
                                  entry.path, *current, normalized(entry.new_value));
    return outcome;
  }
  if (*current != normalized(entry.new_value)) {
    outcome.status = UndoStatus::left_alone;
    outcome.message = fmt::format("{}: left alone: it is now {}, not the {} mmtune wrote",
                                  entry.path, *current, normalized(entry.new_value));
    return outcome;
  }
  std::string target = entry.path, value = entry.old_value;
  // A dirty pair goes back to whichever of its two forms was in use.
  if (entry.kind == ChangeKind::dirty_pair && normalized(entry.old_value) == "0") {
    target = entry.partner;
    value = entry.partner_old;
  }
  try {
    // With a newline, as `echo` writes it: the kernel accepts both, and a recorded tree of plain
    // files ends up byte-identical.
    host.write(target, value + "\n");
    outcome.status = UndoStatus::restored;
    outcome.message = fmt::format("{}: {} → {}", target, *current, value);
  } catch (const Error& e) {
    outcome.message = fmt::format("{}: could not restore {}: {}", target, value, e.what());
  }
  return outcome;
}

// The pool goes back to its old size whatever it holds now: the kernel granted part of the request,
// or gave pages back, so its file never holds what was written for long.
UndoOutcome undo_pool(const probes::HostFs& host, const JournalEntry& entry) {
  UndoOutcome outcome{entry, UndoStatus::failed, {}};
  const std::optional<std::string> current = value_now(host, entry, outcome);
  if (!current) return outcome;
  if (*current == normalized(entry.old_value)) {
    outcome.status = UndoStatus::restored;
    outcome.message = fmt::format("{}: already {}", entry.path, *current);
    return outcome;
  }
  try {
    host.write(entry.path, entry.old_value + "\n");
    const std::string now = read_normalized(host, entry.path).value_or("?");
    outcome.status = UndoStatus::restored;
    outcome.message = now == normalized(entry.old_value)
                          ? fmt::format("{}: {} → {}", entry.path, *current, entry.old_value)
                          : fmt::format("{}: {} → {} asked, {} now (pages in use go when freed)",
                                        entry.path, *current, entry.old_value, now);
  } catch (const Error& e) {
    outcome.message =
        fmt::format("{}: could not restore {}: {}", entry.path, entry.old_value, e.what());
  }
  return outcome;
}

UndoOutcome undo_cgroup(const probes::HostFs& host, const JournalEntry& entry) {
  UndoOutcome outcome{entry, UndoStatus::failed, {}};
  fs::path dir = host.path(entry.path);
  // A cgroup can be removed once its last process has been reaped; a killed workload may still
  // be exiting, so try for a second.
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) {
      outcome.status = UndoStatus::restored;
      outcome.message = fmt::format("removed cgroup {}", dir.string());
      return outcome;
    }
    if (errno != EBUSY) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  outcome.message = fmt::format("cannot remove cgroup {}: {}", dir.string(), std::strerror(errno));
  return outcome;
}

// A limit rule stays until its clearing rule is written; a file without a line for the device has
// nothing left to lift (the device is gone, or someone cleared it).
UndoOutcome undo_io_limit(const probes::HostFs& host, const JournalEntry& entry) {
  UndoOutcome outcome{entry, UndoStatus::failed, {}};
  std::string_view rule = entry.new_value;
  std::string device(rule.substr(0, rule.find(' ')));
  auto text = host.read(entry.path);
  bool present = false;
  for (std::string_view rest = text ? std::string_view(*text) : std::string_view();
       !rest.empty();) {
    std::string_view line = rest.substr(0, rest.find('\n'));
    rest.remove_prefix(std::min(rest.size(), line.size() + 1));
    present = present || line.starts_with(device + " ");
  }
  if (!present) {
    outcome.status = UndoStatus::restored;
    outcome.message = fmt::format("{}: no limit left for {}", entry.path, device);
    return outcome;
  }
  try {
    host.write(entry.path, entry.old_value);
    outcome.status = UndoStatus::restored;
    outcome.message = fmt::format("{}: {} → {}", entry.path, entry.new_value, entry.old_value);
  } catch (const Error& e) {
    outcome.message =
        fmt::format("{}: could not lift the limit on {}: {}", entry.path, device, e.what());
  }
  return outcome;
}

// A loop device the run made (LOOP_CTL_ADD) goes once detached; the detach completes at its last
// close, so a busy device is asked again for a while. Someone may bind it between our detach and
// the removal: then it is theirs and stays.
void remove_made_loop_device(const fs::path& device, UndoOutcome& outcome) {
  const std::string name = device.filename().string();  // "loop8"
  if (!name.starts_with("loop")) return;
  const int number = std::atoi(name.c_str() + 4);
  int control = ::open("/dev/loop-control", O_RDWR | O_CLOEXEC);
  if (control < 0) return;
  int error = 0;
  for (int attempt = 0; attempt < 50; ++attempt) {
    error = ::ioctl(control, LOOP_CTL_REMOVE, number) >= 0 ? 0 : errno;
    if (error != EBUSY) break;
    // Bound to another file than ours (still ours while a lazy unmount holds it): theirs now.
    std::string backing =
        probes::HostFs("/").read("sys/block/" + name + "/loop/backing_file").value_or("");
    if (!backing.empty() && backing.find("mmtune-") == std::string::npos) break;
    ::usleep(20'000);
  }
  ::close(control);
  if (error == 0 || error == ENODEV) {
    outcome.message = fmt::format("detached and removed {}", device.string());
  } else if (error == EBUSY) {
    outcome.status = UndoStatus::left_alone;
    outcome.message =
        fmt::format("detached {}; left it: someone else uses it now", device.string());
  } else {
    outcome.status = UndoStatus::failed;
    outcome.message =
        fmt::format("detached {}; cannot remove it: {}", device.string(), std::strerror(error));
  }
}

UndoOutcome undo_path(const JournalEntry& entry) {
  UndoOutcome outcome{entry, UndoStatus::failed, {}};
  const fs::path path = entry.path;
  std::error_code ec;
  switch (entry.kind) {
    case ChangeKind::temp_file:
      if (::unlink(path.c_str()) == 0 || errno == ENOENT) {
        outcome.status = UndoStatus::restored;
        outcome.message = fmt::format("removed {}", path.string());
      } else {
        outcome.message = fmt::format("cannot remove {}: {}", path.string(), std::strerror(errno));
      }
      return outcome;
    case ChangeKind::temp_dir: {
      // Never follow a symlink or remove something mmtune did not name.
      if (!path.filename().string().starts_with("mmtune-") || fs::is_symlink(path, ec)) {
        outcome.status = UndoStatus::left_alone;
        outcome.message =
            fmt::format("{}: not an mmtune temp directory; left alone", path.string());
        return outcome;
      }
      fs::remove_all(path, ec);
      if (!ec) outcome.status = UndoStatus::restored;
      outcome.message = ec ? fmt::format("cannot remove {}: {}", path.string(), ec.message())
                           : fmt::format("removed {}", path.string());
      return outcome;
    }
    case ChangeKind::swap_file:
      if (::swapoff(path.c_str()) != 0 && errno != EINVAL && errno != ENOENT) {
        outcome.message = fmt::format("cannot swapoff {}: {}", path.string(), std::strerror(errno));
        return outcome;
      }
      ::unlink(path.c_str());
      outcome.status = UndoStatus::restored;
      outcome.message = fmt::format("swapped off and removed {}", path.string());
      return outcome;
    case ChangeKind::loop_device: {
      int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
      if (fd >= 0 && ::ioctl(fd, LOOP_CLR_FD, 0) != 0 && errno != ENXIO) {
        outcome.message = fmt::format("cannot detach {}: {}", path.string(), std::strerror(errno));
        ::close(fd);
        return outcome;
      }
      if (fd >= 0) ::close(fd);
      outcome.status = UndoStatus::restored;
      outcome.message = fmt::format("detached {}", path.string());
      if (entry.new_value == "made") remove_made_loop_device(path, outcome);
      return outcome;
    }
    case ChangeKind::mount:
      if (::umount2(path.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT) {
        outcome.message = fmt::format("cannot unmount {}: {}", path.string(), std::strerror(errno));
        return outcome;
      }
      outcome.status = UndoStatus::restored;
      outcome.message = fmt::format("unmounted {}", path.string());
      return outcome;
    case ChangeKind::trace_instance:
      if (::rmdir(path.c_str()) != 0 && errno != ENOENT) {
        outcome.message =
            fmt::format("cannot remove trace instance {}: {}", path.string(), std::strerror(errno));
        return outcome;
      }
      outcome.status = UndoStatus::restored;
      outcome.message = fmt::format("removed trace instance {}", path.string());
      return outcome;
    default:
      break;
  }
  outcome.message = "unknown entry";
  return outcome;
}

// Disables the controllers the run enabled, unless a child cgroup is there to use them now.
UndoOutcome undo_subtree_control(const probes::HostFs& host, const JournalEntry& entry) {
  UndoOutcome outcome{entry, UndoStatus::failed, {}};
  const std::string dir = entry.path.substr(0, entry.path.rfind('/'));
  auto now = host.read(entry.path);
  if (!now) {
    outcome.status = UndoStatus::restored;
    outcome.message = fmt::format("{}: gone", host.path(dir).string());
    return outcome;
  }
  std::string disable;
  const std::string enabled = " " + std::string(probes::trim(*now)) + " ";
  for (std::string_view rest = entry.new_value; !rest.empty();) {
    std::string_view name = rest.substr(0, rest.find(' '));
    rest.remove_prefix(std::min(rest.size(), name.size() + 1));
    if (!name.empty() && enabled.find(" " + std::string(name) + " ") != std::string::npos)
      disable += (disable.empty() ? "-" : " -") + std::string(name);
  }
  std::error_code ec;
  for (auto it = fs::directory_iterator(host.path(dir), ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    if (!disable.empty() && it->is_directory(ec)) {
      outcome.status = UndoStatus::left_alone;
      outcome.message = fmt::format("{}: left {} enabled: the child cgroup {} may use it",
                                    host.path(entry.path).string(), entry.new_value,
                                    it->path().filename().string());
      return outcome;
    }
  }
  try {
    if (!disable.empty()) host.write(entry.path, disable);
    outcome.status = UndoStatus::restored;
    outcome.message = fmt::format("{}: {}", host.path(entry.path).string(),
                                  disable.empty() ? "nothing left to disable" : disable);
  } catch (const std::exception& e) {
    outcome.message = e.what();
  }
  return outcome;
}

UndoOutcome undo_systemd_scope(const JournalEntry& entry) {
  UndoOutcome outcome{entry, UndoStatus::failed, {}};
  auto systemctl = find_on_path("systemctl");
  if (!systemctl) {
    outcome.status = UndoStatus::restored;
    outcome.message = fmt::format("{}: no systemctl here, so no systemd to stop it in", entry.path);
    return outcome;
  }
  ProgramResult stopped = run_program({systemctl->string(), "stop", entry.path});
  // An empty scope is removed by systemd itself; stopping one that is gone says "not loaded".
  if (stopped.status == 0 || stopped.err.find("not loaded") != std::string::npos) {
    outcome.status = UndoStatus::restored;
    outcome.message = fmt::format("stopped {}", entry.path);
  } else {
    outcome.message = fmt::format("cannot stop {}: {}", entry.path, first_line(stopped.err));
  }
  return outcome;
}

UndoOutcome undo_entry(const probes::HostFs& host, const JournalEntry& entry) {
  switch (entry.kind) {
    case ChangeKind::subtree_control:
      return undo_subtree_control(host, entry);
    case ChangeKind::systemd_scope:
      return undo_systemd_scope(entry);
    case ChangeKind::setting:
    case ChangeKind::dirty_pair:
      return undo_setting(host, entry);
    case ChangeKind::cgroup:
      return undo_cgroup(host, entry);
    case ChangeKind::io_limit:
      return undo_io_limit(host, entry);
    case ChangeKind::hugetlb_pool:
      return undo_pool(host, entry);
    default:
      return undo_path(entry);
  }
}

// Undoes pending entries newest first, appending a done marker for each one settled. An entry
// someone else has since changed is settled too: undoing it later would be wrong.
std::vector<UndoOutcome> undo_pending(const probes::HostFs& host, int fd,
                                      const std::vector<JournalEntry>& pending) {
  std::vector<UndoOutcome> outcomes;
  for (auto it = pending.rbegin(); it != pending.rend(); ++it) {
    UndoOutcome outcome = undo_entry(host, *it);
    if (outcome.status != UndoStatus::failed) write_line(fd, json{{"undone", it->id}});
    outcomes.push_back(std::move(outcome));
  }
  return outcomes;
}

// Takes the journal's lock if its owner is gone. The lock is shared with the owner's forked
// workload, whose threads may still be exiting for a moment after the owner was killed (a
// zombie thread-group leader can outlive its last thread by milliseconds): when the owner no
// longer runs, wait up to two seconds for them.
bool lock_if_owner_gone(int fd) {
  if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
  if (process_running(journal_owner_pid(read_fd(fd)))) return false;
  for (int attempt = 0; attempt < 100; ++attempt) {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    if (::flock(fd, LOCK_EX | LOCK_NB) == 0) return true;
  }
  return false;
}

// The string at key, "" when absent; nullopt when it is there but not a string (a line mmtune did
// not write, so nothing in it is acted on).
std::optional<std::string> text_field(const json& line, const char* key) {
  if (!line.contains(key)) return std::string();
  if (!line[key].is_string()) return std::nullopt;
  return line[key].get<std::string>();
}

std::optional<JournalEntry> entry_from(const json& line) {
  auto kind_name = text_field(line, "kind");
  auto kind = kind_name ? kind_from_name(*kind_name) : std::nullopt;
  auto path = text_field(line, "path"), old_value = text_field(line, "old"),
       new_value = text_field(line, "new"), partner = text_field(line, "partner"),
       partner_old = text_field(line, "partner_old");
  if (!kind || !path || !old_value || !new_value || !partner || !partner_old) return std::nullopt;
  return JournalEntry{
      line["id"].get<uint64_t>(), *kind, *path, *old_value, *new_value, *partner, *partner_old};
}

}  // namespace

// A torn last line (a crash mid-write), an unknown kind or a field of the wrong type is skipped:
// what can be read is undone.
ParsedJournal parse_journal(std::string_view text) {
  ParsedJournal parsed;
  std::vector<JournalEntry> entries;
  std::vector<uint64_t> undone, kept;
  size_t start = 0;
  while (start < text.size()) {
    size_t end = text.find('\n', start);
    if (end == std::string_view::npos) break;  // torn line
    json line = json::parse(text.substr(start, end - start), nullptr, false);
    start = end + 1;
    if (!line.is_object()) continue;
    if (line.contains("schema")) {
      if (auto root = text_field(line, "root"); root && !root->empty()) parsed.root = *root;
    } else if (line.contains("undone") && line["undone"].is_number_unsigned()) {
      undone.push_back(line["undone"].get<uint64_t>());
    } else if (line.contains("kept") && line["kept"].is_number_unsigned()) {
      kept.push_back(line["kept"].get<uint64_t>());
    } else if (line.contains("id") && line["id"].is_number_unsigned()) {
      if (auto entry = entry_from(line)) entries.push_back(std::move(*entry));
    }
  }
  auto contains = [](const std::vector<uint64_t>& ids, uint64_t id) {
    return std::find(ids.begin(), ids.end(), id) != ids.end();
  };
  for (JournalEntry& entry : entries) {
    if (contains(undone, entry.id)) continue;
    (contains(kept, entry.id) ? parsed.kept : parsed.pending).push_back(std::move(entry));
  }
  return parsed;
}

int journal_owner_pid(std::string_view text) {
  json header = json::parse(text.substr(0, text.find('\n')), nullptr, false);
  if (!header.is_object() || !header.contains("pid") || !header["pid"].is_number_integer())
    return 0;
  return header["pid"].get<int>();
}

std::string_view change_kind_name(ChangeKind kind) {
  switch (kind) {
    case ChangeKind::setting:
      return "setting";
    case ChangeKind::dirty_pair:
      return "dirty_pair";
    case ChangeKind::cgroup:
      return "cgroup";
    case ChangeKind::temp_file:
      return "temp_file";
    case ChangeKind::temp_dir:
      return "temp_dir";
    case ChangeKind::swap_file:
      return "swap_file";
    case ChangeKind::loop_device:
      return "loop_device";
    case ChangeKind::mount:
      return "mount";
    case ChangeKind::io_limit:
      return "io_limit";
    case ChangeKind::trace_instance:
      return "trace_instance";
    case ChangeKind::hugetlb_pool:
      return "hugetlb_pool";
    case ChangeKind::subtree_control:
      return "subtree_control";
    case ChangeKind::systemd_scope:
      return "systemd_scope";
  }
  return "unknown";
}

fs::path default_state_dir() {
  if (const char* dir = std::getenv("MMTUNE_STATE_DIR"); dir && *dir) return dir;
  if (::geteuid() == 0) return "/var/lib/mmtune";
  if (const char* xdg = std::getenv("XDG_STATE_HOME"); xdg && *xdg) return fs::path(xdg) / "mmtune";
  if (const char* home = std::getenv("HOME"); home && *home)
    return fs::path(home) / ".local/state/mmtune";
  return fs::path("/tmp") / fmt::format("mmtune-{}", ::geteuid());
}

Journal::Journal(probes::HostFs host, const fs::path& state_dir)
    : fs_(std::move(host)), owner_pid_(::getpid()) {
  std::error_code ec;
  fs::create_directories(state_dir, ec);
  // Wall-clock nanoseconds: restore_kept() orders journals of different processes by them.
  auto now_ns = std::chrono::duration_cast<std::chrono::nanoseconds>(
                    std::chrono::system_clock::now().time_since_epoch())
                    .count();
  file_ = state_dir / fmt::format("journal-{}-{}.jsonl", owner_pid_, now_ns);
  fd_ = ::open(file_.c_str(), O_RDWR | O_CREAT | O_EXCL | O_APPEND | O_CLOEXEC, 0600);
  if (fd_ < 0) {
    fail(ErrorKind::unsupported,
         "cannot create the journal {}: {} (set --state-dir or MMTUNE_STATE_DIR)", file_.string(),
         std::strerror(errno));
  }
  ::flock(fd_, LOCK_EX);
  json header = {{"schema", kJournalSchema},
                 {"pid", owner_pid_},
                 {"root", fs::absolute(fs_.root()).string()},
                 {"started_at", facts::utc_now()}};
  if (!write_line(fd_, header)) {
    fail(ErrorKind::unsupported, "cannot write the journal {}: {}", file_.string(),
         std::strerror(errno));
  }
  // The file's name must survive a crash too, or restore_leftovers() would never find it.
  if (int dir = ::open(state_dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC); dir >= 0) {
    ::fsync(dir);
    ::close(dir);
  }
}

Journal::~Journal() {
  if (fd_ < 0) return;
  // A forked workload inherits a copy of this object; only the owner undoes and removes.
  if (::getpid() == owner_pid_) {
    // A destructor must not throw: what could not be undone stays in the journal, and the file
    // with it, for `mmtune restore`.
    try {
      undo_all();
      ParsedJournal left = parse_journal(read_fd(fd_));
      if (left.pending.empty() && left.kept.empty()) ::unlink(file_.c_str());
    } catch (const std::exception& e) {
      fmt::print(stderr, "mmtune: the journal {} is left for `mmtune restore`: {}\n",
                 file_.string(), e.what());
    }
  }
  ::close(fd_);
}

uint64_t Journal::append(JournalEntry entry) {
  // Ids carry the pid, so entries a forked workload appends never collide with the owner's.
  entry.id = (static_cast<uint64_t>(::getpid()) << 24) | next_id_++;
  if (!write_line(fd_, entry_json(entry))) {
    fail(ErrorKind::internal, "cannot write the journal {}: {}", file_.string(),
         std::strerror(errno));
  }
  return entry.id;
}

void Journal::mark_undone(uint64_t id) { write_line(fd_, json{{"undone", id}}); }

void Journal::set(std::string_view rel_path, std::string_view value) {
  std::string path = strip_slashes(rel_path);
  if (!path.starts_with("proc/sys/") && !path.starts_with("sys/")) {
    fail(ErrorKind::internal, "the journal only changes /proc/sys and /sys, not {}", path);
  }
  auto old_value = value_before_first_write(path);
  JournalEntry entry{0, ChangeKind::setting, path, old_value, std::string(value), {}, {}};
  if (auto partner = dirty_partner(path)) {
    entry.kind = ChangeKind::dirty_pair;
    entry.partner = std::string(*partner);
    entry.partner_old = value_before_first_write(entry.partner);
  }
  if (is_pool_size(path)) entry.kind = ChangeKind::hugetlb_pool;
  const JournalEntry recorded = entry;
  uint64_t id = append(std::move(entry));
  try {
    fs_.write(path, value);
  } catch (...) {
    mark_undone(id);  // the kernel refused: nothing changed
    throw;
  }
  first_old_.emplace(recorded.path, recorded.old_value);
  if (!recorded.partner.empty()) first_old_.emplace(recorded.partner, recorded.partner_old);
}

std::string Journal::value_before_first_write(const std::string& path) const {
  if (auto it = first_old_.find(path); it != first_old_.end()) return it->second;
  auto value = read_normalized(fs_, path);
  if (!value)
    fail(ErrorKind::unsupported, "{}: cannot be read on this host", fs_.path(path).string());
  return *value;
}

std::vector<MovedSetting> Journal::moved_settings() const {
  // Only the newest pending write of each file counts: a workload that sets one file several
  // times in a run (a defrag mode per phase) moved nothing of its own.
  std::vector<JournalEntry> newest;
  for (const JournalEntry& entry : pending()) {
    if (entry.kind != ChangeKind::setting && entry.kind != ChangeKind::dirty_pair) continue;
    auto same = std::find_if(newest.begin(), newest.end(),
                             [&](const JournalEntry& e) { return e.path == entry.path; });
    if (same != newest.end()) newest.erase(same);
    newest.push_back(entry);
  }
  std::vector<MovedSetting> moved;
  for (const JournalEntry& entry : newest) {
    std::string now = read_normalized(fs_, entry.path).value_or("(unreadable)");
    if (now != normalized(entry.new_value)) moved.push_back({entry.path, entry.new_value, now});
  }
  return moved;
}

void Journal::set_knob(std::string_view knob_name, std::string_view value) {
  auto knob = facts::find_knob(knob_name);
  if (!knob) {
    std::string guess = facts::suggest_knob(knob_name);
    if (guess.empty()) fail(ErrorKind::bad_input, "unknown knob \"{}\"", knob_name);
    fail(ErrorKind::bad_input, "unknown knob \"{}\"; did you mean \"{}\"?", knob_name, guess);
  }
  if (auto why = facts::invalid_knob_value(*knob, value)) {
    fail(ErrorKind::bad_input, "{}: \"{}\" {}", knob_name, value, *why);
  }
  set(knob->path, value);
}

void Journal::trigger(std::string_view rel_path, std::string_view value) {
  std::string path = strip_slashes(rel_path);
  if (!path.starts_with("proc/sys/") && !path.starts_with("sys/")) {
    fail(ErrorKind::internal, "the journal only changes /proc/sys and /sys, not {}", path);
  }
  fs_.write(path, value);
}

void Journal::create_cgroup(std::string_view rel_dir) {
  std::string path = strip_slashes(rel_dir);
  uint64_t id = append(JournalEntry{0, ChangeKind::cgroup, path, {}, {}, {}, {}});
  if (::mkdir(fs_.path(path).c_str(), 0755) != 0) {
    int saved = errno;
    mark_undone(id);
    fail(saved == EACCES || saved == EPERM || saved == EROFS ? ErrorKind::unsupported
                                                             : ErrorKind::internal,
         "cannot create the memory cgroup {}: {}", fs_.path(path).string(), std::strerror(saved));
  }
}

void Journal::write_owned(std::string_view rel_path, std::string_view value) {
  fs_.write(rel_path, value);
}

void Journal::set_io_limit(std::string_view rel_path, std::string_view rule,
                           std::string_view clear) {
  std::string path = strip_slashes(rel_path);
  uint64_t id = append(
      JournalEntry{0, ChangeKind::io_limit, path, std::string(clear), std::string(rule), {}, {}});
  try {
    fs_.write(path, rule);
  } catch (...) {
    mark_undone(id);
    throw;
  }
}

void Journal::enable_controllers(std::string_view rel_dir,
                                 const std::vector<std::string>& controllers) {
  const std::string path = strip_slashes(rel_dir) + "/cgroup.subtree_control";
  const std::string now = " " + std::string(probes::trim(fs_.read(path).value_or(""))) + " ";
  std::string missing, request;
  for (const std::string& name : controllers) {
    if (now.find(" " + name + " ") != std::string::npos) continue;
    missing += (missing.empty() ? "" : " ") + name;
    request += (request.empty() ? "+" : " +") + name;
  }
  if (missing.empty()) return;
  uint64_t id = append(JournalEntry{0, ChangeKind::subtree_control, path, {}, missing, {}, {}});
  try {
    fs_.write(path, request);
  } catch (const Error& e) {
    mark_undone(id);
    fail(ErrorKind::unsupported, "cannot enable {} for the child cgroups of {}: {}", missing,
         fs_.path(rel_dir).string(), e.what());
  }
}

void Journal::track_systemd_scope(std::string_view unit) {
  append(JournalEntry{0, ChangeKind::systemd_scope, std::string(unit), {}, {}, {}, {}});
}

void Journal::track_temp_file(const fs::path& path) {
  append(JournalEntry{0, ChangeKind::temp_file, fs::absolute(path).string(), {}, {}, {}, {}});
}
void Journal::track_temp_dir(const fs::path& path) {
  append(JournalEntry{0, ChangeKind::temp_dir, fs::absolute(path).string(), {}, {}, {}, {}});
}
void Journal::track_swap_file(const fs::path& path) {
  append(JournalEntry{0, ChangeKind::swap_file, fs::absolute(path).string(), {}, {}, {}, {}});
}
void Journal::track_loop_device(const fs::path& device, bool made_for_the_run) {
  append(JournalEntry{
      0, ChangeKind::loop_device, device.string(), {}, made_for_the_run ? "made" : "", {}, {}});
}
void Journal::track_mount(const fs::path& target) {
  append(JournalEntry{0, ChangeKind::mount, fs::absolute(target).string(), {}, {}, {}, {}});
}
void Journal::track_trace_instance(const fs::path& dir) {
  append(JournalEntry{0, ChangeKind::trace_instance, fs::absolute(dir).string(), {}, {}, {}, {}});
}

std::vector<JournalEntry> Journal::pending() const { return parse_journal(read_fd(fd_)).pending; }

std::vector<JournalEntry> Journal::keep_all() {
  std::vector<JournalEntry> entries = pending();
  for (const JournalEntry& entry : entries) write_line(fd_, json{{"kept", entry.id}});
  return entries;
}

std::vector<UndoOutcome> Journal::undo_all() {
  try {
    return undo_pending(fs_, fd_, pending());
  } catch (const std::exception&) {
    return {};  // undo runs in destructors: it reports, it never throws
  }
}

namespace {

// The journal files in state_dir, newest first: by the creation time in their names
// (journal-<pid>-<nanoseconds>.jsonl), a later run's changes sitting on top of an earlier one's.
std::vector<fs::path> journal_files(const fs::path& state_dir) {
  std::vector<std::pair<uint64_t, fs::path>> files;
  std::error_code ec;
  for (auto it = fs::directory_iterator(state_dir, ec); !ec && it != fs::directory_iterator();
       it.increment(ec)) {
    std::string name = it->path().filename().string();
    if (!name.starts_with("journal-") || !name.ends_with(".jsonl")) continue;
    std::string stem = name.substr(0, name.size() - 6);
    uint64_t created = std::strtoull(stem.c_str() + stem.rfind('-') + 1, nullptr, 10);
    files.emplace_back(created, it->path());
  }
  std::sort(files.begin(), files.end(), [](const auto& a, const auto& b) { return a > b; });
  std::vector<fs::path> paths;
  for (auto& [created, path] : files) paths.push_back(std::move(path));
  return paths;
}

// Calls visit(fd, parsed) for every journal in state_dir whose owner has ended (its lock is free),
// newest first, holding that lock; then removes the file if nothing is left to undo in it.
template <typename Visit>
void for_each_ended_journal(const fs::path& state_dir, Visit visit) {
  for (const fs::path& file : journal_files(state_dir)) {
    int fd = ::open(file.c_str(), O_RDWR | O_APPEND | O_CLOEXEC);
    if (fd < 0) continue;
    if (!lock_if_owner_gone(fd)) {  // its owner is alive
      ::close(fd);
      continue;
    }
    // Another restorer may have finished and removed it between our listing and our lock.
    struct stat opened {
    }, named{};
    if (::fstat(fd, &opened) != 0 || ::stat(file.c_str(), &named) != 0 ||
        opened.st_ino != named.st_ino) {
      ::close(fd);
      continue;
    }
    try {
      visit(fd, parse_journal(read_fd(fd)));
      ParsedJournal left = parse_journal(read_fd(fd));
      if (left.pending.empty() && left.kept.empty()) ::unlink(file.c_str());
    } catch (const std::exception&) {
      // Leave the file for `mmtune restore` to report.
    }
    ::close(fd);
  }
}

}  // namespace

std::vector<UndoOutcome> restore_leftovers(const fs::path& state_dir) {
  std::vector<UndoOutcome> outcomes;
  for_each_ended_journal(state_dir, [&](int fd, const ParsedJournal& parsed) {
    auto undone = undo_pending(probes::HostFs(parsed.root), fd, parsed.pending);
    outcomes.insert(outcomes.end(), undone.begin(), undone.end());
  });
  return outcomes;
}

std::vector<JournalEntry> kept_changes(const fs::path& state_dir) {
  std::vector<JournalEntry> kept;
  for_each_ended_journal(state_dir, [&](int, const ParsedJournal& parsed) {
    kept.insert(kept.begin(), parsed.kept.begin(), parsed.kept.end());
  });
  return kept;
}

std::vector<UndoOutcome> restore_kept(const fs::path& state_dir) {
  std::vector<UndoOutcome> outcomes;
  for_each_ended_journal(state_dir, [&](int fd, const ParsedJournal& parsed) {
    auto undone = undo_pending(probes::HostFs(parsed.root), fd, parsed.kept);
    outcomes.insert(outcomes.end(), undone.begin(), undone.end());
  });
  return outcomes;
}

bool process_running(int pid) {
  if (pid <= 0) return false;
  auto stat = probes::HostFs("/").read(fmt::format("proc/{}/stat", pid));
  if (!stat) return false;
  size_t paren = stat->rfind(')');
  return paren != std::string::npos && paren + 2 < stat->size() && (*stat)[paren + 2] != 'Z';
}

}  // namespace mmtune::changes
