#pragma once
// The journal: the one place in mmtune that changes the host.
//
// Before it writes a /proc/sys or /sys file, it appends the old value to this process's journal
// file and fsyncs it; then it writes. It also records what a run creates and must remove: memory
// cgroups, temporary files and directories, swap files, loop devices and mounts (recorded before
// they are made, so a crash in between leaves at worst an entry whose undo finds nothing).
// undo_all() takes everything back in reverse order; the destructor calls it, so normal exit,
// an exception and an interrupted run (the CLI unwinds to cli::run after SIGINT/SIGTERM) all
// restore the host.
//
// A run killed with SIGKILL cannot undo anything. Its journal stays behind in the state directory,
// and restore_leftovers() (called at the start of every run, and by `mmtune restore`) undoes it.
// Liveness is an flock: the owner holds an exclusive lock on its journal file for its whole life
// and the kernel drops it when the process dies, however it dies. So restore_leftovers() never
// touches the journal of a process that is still running, and a recycled pid cannot fool it.
//
// Files: <state_dir>/journal-<pid>-<wall-clock ns>.jsonl, one JSON object per line:
//   {"schema":"mmtune.journal/1","pid":123,"root":"/","started_at":"…Z"}      header
//   {"id":1,"kind":"setting","path":"proc/sys/vm/swappiness","old":"60","new":"10"}
//   {"id":2,"kind":"dirty_pair","path":"proc/sys/vm/dirty_bytes","old":"0","new":"536870912",
//    "partner":"proc/sys/vm/dirty_ratio","partner_old":"20"}
//   {"id":3,"kind":"cgroup","path":"sys/fs/cgroup/memory/…/mmtune-123-1"}
//   {"id":4,"kind":"io_limit","path":"sys/fs/cgroup/blkio/blkio.throttle.write_bps_device",
//    "old":"7:0 0","new":"7:0 31457280"}                                      old: lifts it
//   {"id":5,"kind":"hugetlb_pool","path":"proc/sys/vm/nr_hugepages","old":"0","new":"64"}
//   {"id":6,"kind":"subtree_control","path":"sys/fs/cgroup/cgroup.subtree_control","old":"",
//    "new":"memory io"}                                  the controllers this run enabled there
//   {"id":7,"kind":"systemd_scope","path":"mmtune-123.scope"}      a transient unit it started
//   {"undone":2}                                                               done marker
//   {"kept":1}                               settled without undo: `mmtune apply` made it to stay
// Paths of settings and cgroups are relative to the HostFs root recorded in the header (so tests
// run on a fake tree); temp files, swap files, loop devices, mounts and trace instances are
// absolute.
//
// Dirty pairs: vm.dirty_bytes and vm.dirty_ratio (and the background pair) are one setting in the
// kernel: writing one zeroes the other, and 0 is rejected for the *_bytes files. set() of any of
// the four records both old values and the undo writes back whichever of the two was non-zero.
//
// Someone else's later change wins: undo writes the old value back only while the file still
// holds what the journal wrote; otherwise it leaves the file alone and says so.
//
// The value before mmtune's first write: a journal that writes one file again (a sweep sets each
// point and undoes it after the run) records, as the old value, what the file held before this
// journal first wrote it, not what it holds now. So when someone else moved the setting during an
// earlier point (and that undo left it alone), the last undo still puts back the original.
// moved_settings() tells a caller that a measurement ran under a setting someone else changed.
//
// Hugetlb pools: a write to nr_hugepages (vm.nr_hugepages, a pool's or a node's file) is a request
// the kernel meets as far as it can, so the file then holds what it got, not what was written.
// Such a write is a hugetlb_pool entry, and its undo writes the old size back whatever the file
// holds now (the pool cannot tell this run's pages from another's); a page still in use then stays
// as a surplus page until it is freed.
//
// Kept entries: `mmtune apply` means its changes to stay. keep_all() marks every pending entry
// kept: neither the destructor nor restore_leftovers() undoes it, and the file stays (its owner
// gone, its lock free) as the record of what was applied, so restore_kept() can take it back on
// request (`mmtune restore --applied`), newest first, with the same rule as any undo.
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "probes/host_fs.hpp"

namespace mmtune::changes {

enum class ChangeKind {
  setting,
  dirty_pair,
  cgroup,
  temp_file,
  temp_dir,
  swap_file,
  loop_device,
  mount,
  io_limit,
  trace_instance,
  hugetlb_pool,
  subtree_control,
  systemd_scope
};

struct JournalEntry {
  uint64_t id = 0;
  ChangeKind kind = ChangeKind::setting;
  std::string path;  // relative to the root for setting/dirty_pair/cgroup/io_limit; else absolute
  std::string old_value;    // setting, dirty_pair; io_limit: the rule that lifts the limit
  std::string new_value;    // setting, dirty_pair, io_limit: what was written
  std::string partner;      // dirty_pair: the other file of the pair
  std::string partner_old;  // dirty_pair: its value before the write
};

enum class UndoStatus {
  restored,    // taken back, or there was nothing left to take back
  left_alone,  // settled without a write: someone changed the file since, or it is not mmtune's
  failed,      // could not (a busy cgroup, a refused write): the entry stays for a later restore
};

// A journaled setting whose file no longer holds what the journal wrote.
struct MovedSetting {
  std::string path;   // relative to the root
  std::string wrote;  // what mmtune wrote
  std::string now;    // what the file holds now
};

struct UndoOutcome {
  JournalEntry entry;
  UndoStatus status = UndoStatus::failed;
  std::string message;  // one line: "proc/sys/vm/swappiness: 10 → 60"
};

// /var/lib/mmtune as root, else $XDG_STATE_HOME/mmtune or ~/.local/state/mmtune;
// $MMTUNE_STATE_DIR overrides all of them.
std::filesystem::path default_state_dir();

class Journal {
 public:
  // Creates this process's journal file in state_dir (made if missing) and locks it. Writes and
  // reads of settings go through fs (its root is recorded, so restore uses the same tree).
  // Throws Error{unsupported} when the state directory cannot be written.
  explicit Journal(probes::HostFs fs, const std::filesystem::path& state_dir = default_state_dir());
  ~Journal();  // undo_all(); then removes the file if every entry was undone
  Journal(const Journal&) = delete;
  Journal& operator=(const Journal&) = delete;

  // Records the old value of rel_path (under /proc/sys or /sys), fsyncs, then writes value.
  // Throws Error{bad_input} if the path is elsewhere or the kernel rejects the value (the entry is
  // then marked undone: nothing changed).
  void set(std::string_view rel_path, std::string_view value);
  // The same by knob name ("vm.dirty_ratio", see facts/knobs.hpp), checking the kernel's range.
  void set_knob(std::string_view knob, std::string_view value);
  // Writes an action file that holds no setting (proc/sys/vm/compact_memory): nothing to record or
  // undo. Throws Error{bad_input} when the kernel refuses it.
  void trigger(std::string_view rel_path, std::string_view value);

  // Makes a memory cgroup directory (relative to the root) and records it; undo removes it, which
  // the kernel allows once it has no processes. write_owned() writes a file inside something the
  // journal made (memory.max of that cgroup): there is no old value to keep.
  void create_cgroup(std::string_view rel_dir);
  void write_owned(std::string_view rel_path, std::string_view value);

  // A block-I/O limit for one device in a rule file (cgroup v1 blkio.throttle.write_bps_device,
  // v2 io.max), relative to the root: writes rule ("7:0 31457280"); undo writes clear ("7:0 0",
  // "7:0 wbps=max") while the file still has a line for that device (the rule's first word).
  // Throws Error{bad_input} when the kernel rejects the rule (nothing changed then).
  void set_io_limit(std::string_view rel_path, std::string_view rule, std::string_view clear);

  // Enables cgroup v2 controllers ("memory", "io") for the children of rel_dir (its
  // cgroup.subtree_control), recording those that were not enabled yet. Undo disables them again
  // while rel_dir has no child cgroups left (someone else's child may rely on them: then they
  // stay, and the undo says so). Throws Error{unsupported} with the kernel's reason when it
  // refuses (EBUSY: rel_dir holds processes; ENOENT: its parent does not give the controller).
  void enable_controllers(std::string_view rel_dir, const std::vector<std::string>& controllers);
  // A transient systemd unit the run started (a scope holding its processes); undo stops it
  // (`systemctl stop`), which a unit systemd has already removed (an empty scope) passes.
  void track_systemd_scope(std::string_view unit);

  // Records things a run creates, before it creates them. Undo removes them: a temp dir only when
  // its name starts with "mmtune-" and it is not a symlink; a swap file is swapped off first; a
  // loop device is detached; a mount is lazily unmounted.
  void track_temp_file(const std::filesystem::path& path);
  void track_temp_dir(const std::filesystem::path& path);
  void track_swap_file(const std::filesystem::path& path);
  // made_for_the_run: the run made the device (LOOP_CTL_ADD); undo removes it after detaching.
  void track_loop_device(const std::filesystem::path& device, bool made_for_the_run = false);
  void track_mount(const std::filesystem::path& target);
  // A tracefs instance directory (instances/NAME): undo removes it, which stops its events and
  // frees its buffers.
  void track_trace_instance(const std::filesystem::path& dir);

  // Undoes every entry not yet undone, newest first, marking each done in the file. The file is
  // the truth: entries a forked workload appended are included. Never throws.
  std::vector<UndoOutcome> undo_all();

  // Marks every pending entry kept (see above) and returns them, oldest first: they stay changed
  // when this journal ends. Never throws after the first mark is written.
  std::vector<JournalEntry> keep_all();

  // Entries not yet undone (nor kept), oldest first, read back from the file.
  std::vector<JournalEntry> pending() const;
  // The pending settings someone else has changed since the journal wrote them.
  std::vector<MovedSetting> moved_settings() const;
  const std::filesystem::path& file() const { return file_; }
  const probes::HostFs& fs() const { return fs_; }

 private:
  uint64_t append(JournalEntry entry);
  void mark_undone(uint64_t id);
  // The old value to record for path: before this journal's first write to it, else as it is now.
  std::string value_before_first_write(const std::string& path) const;

  probes::HostFs fs_;
  std::filesystem::path file_;
  int fd_ = -1;
  int owner_pid_ = 0;
  uint64_t next_id_ = 1;
  std::map<std::string, std::string> first_old_;  // path → its value before the first write
};

// Undoes the journals in state_dir whose owners have died (their lock is free), newest entry
// first, and removes those journal files (a file keeps the entries that failed, for the next
// attempt). Journals of live processes are left alone. A missing
// state directory means there is nothing to do. Never throws; the outcomes say what happened.
std::vector<UndoOutcome> restore_leftovers(
    const std::filesystem::path& state_dir = default_state_dir());

// Kept entries (see keep_all) of journals whose owners have ended, oldest first.
std::vector<JournalEntry> kept_changes(
    const std::filesystem::path& state_dir = default_state_dir());
// Undoes the kept entries of those journals, newest first across journals (by creation time),
// and removes a journal file once nothing in it is left to undo. Never throws.
std::vector<UndoOutcome> restore_kept(const std::filesystem::path& state_dir = default_state_dir());

std::string_view change_kind_name(ChangeKind kind);

// A journal file's text, read back (pure, so it is tested and fuzzed on text): the root its paths
// are relative to, and its entries not yet undone, pending or kept.
struct ParsedJournal {
  std::string root = "/";
  std::vector<JournalEntry> pending;  // oldest first
  std::vector<JournalEntry> kept;     // kept and not undone since, oldest first
};
ParsedJournal parse_journal(std::string_view text);
// The pid in a journal's header line; 0 when there is none.
int journal_owner_pid(std::string_view text);

// True when the process exists and is not a zombie (/proc/PID/stat state).
bool process_running(int pid);

}  // namespace mmtune::changes
