// `mmtune restore`: undoes what killed runs left behind (settings, memory cgroups, swap files,
// temp files, loop devices, mounts), from the journals in the state directory, and says what it
// restored. --applied also takes back what `mmtune apply` applied. Exit: 0 nothing left to
// restore, 1 something could not be restored (its entry stays for the next attempt).
#include "changes/restore.hpp"

#include <fmt/format.h>

#include <chrono>
#include <memory>
#include <string>

#include "changes/journal.hpp"
#include "cli/commands.hpp"
#include "cli/host_hold.hpp"
#include "cli/options.hpp"
#include "facts/error.hpp"

namespace mmtune::cli {
namespace {

struct RestoreArgs {
  bool applied = false;
  std::string state_dir;
  std::string wait = "10s";
};

constexpr const char* kRestoreFooter = R"(
Every change mmtune makes to the host is written to a journal before it is made. A run that ends
normally, fails or is interrupted (SIGINT, SIGTERM) undoes its own changes. A run killed with
SIGKILL (or by a power loss) leaves its journal behind; restore undoes it, newest change first.
A value someone else changed since mmtune wrote it is left alone, and said so.

Restore changes the host, so it waits for the host like any such command: while another mmtune
runs, or the workload of a killed run is still exiting (it holds the host and its journal until
then), restore waits for it up to --wait and then exits 3. Journals of running mmtune processes
are never touched.

Changes `mmtune apply` made are meant to stay and are kept, not undone; restore lists them, and
--applied takes them back too (and removes the sysctl.d file apply --persist wrote).)";

std::string describe(const changes::JournalEntry& entry) {
  switch (entry.kind) {
    case changes::ChangeKind::setting:
    case changes::ChangeKind::dirty_pair:
    case changes::ChangeKind::hugetlb_pool:
      return fmt::format("{}: {} → {}", entry.path, entry.old_value, entry.new_value);
    default:
      return fmt::format("{} {}", changes::change_kind_name(entry.kind), entry.path);
  }
}

}  // namespace

Action attach_restore(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<RestoreArgs>();
  sub.add_flag("--applied", args->applied,
               "Also take back what `mmtune apply` applied (kept in the journal)");
  sub.add_option("--state-dir", args->state_dir, "Where the journals live")->type_name("DIR");
  sub.add_option("--wait", args->wait,
                 "How long to wait for another mmtune, or the processes of a killed run, to let "
                 "go of the host (default 10s)")
      ->type_name("DURATION");
  sub.footer(kRestoreFooter);
  return [args, &globals](const Io& io) {
    const std::chrono::nanoseconds wait =
        duration_option("--wait", args->wait, std::chrono::nanoseconds::zero());
    const std::filesystem::path state_dir = args->state_dir.empty()
                                                ? changes::default_state_dir()
                                                : std::filesystem::path(args->state_dir);

    const changes::HostLock host = hold_host(globals, {wait}, io);
    const auto still_exiting = changes::wait_for_ended_runs(
        state_dir, std::chrono::duration_cast<std::chrono::milliseconds>(wait));
    std::vector<changes::UndoOutcome> outcomes = changes::restore_leftovers(state_dir);
    const size_t leftovers = outcomes.size();
    if (args->applied) {
      for (changes::UndoOutcome& outcome : changes::restore_kept(state_dir))
        outcomes.push_back(std::move(outcome));
    }

    bool failed = false;
    if (outcomes.empty()) {
      fmt::print(io.out, "nothing to restore in {}\n", state_dir.string());
    } else {
      fmt::print(io.out, "restored from the journals in {}:\n", state_dir.string());
    }
    for (size_t i = 0; i < outcomes.size(); ++i) {
      const changes::UndoOutcome& outcome = outcomes[i];
      const char* status = outcome.status == changes::UndoStatus::restored     ? "restored"
                           : outcome.status == changes::UndoStatus::left_alone ? "left alone"
                                                                               : "FAILED";
      failed |= outcome.status == changes::UndoStatus::failed;
      fmt::print(io.out, "  {} ({}): {}\n", status, i < leftovers ? "killed run" : "applied",
                 outcome.message);
    }
    const std::vector<changes::JournalEntry> kept = changes::kept_changes(state_dir);
    if (!kept.empty()) {
      fmt::print(io.out, "kept by `mmtune apply` (take back with `mmtune restore --applied`):\n");
      for (const changes::JournalEntry& entry : kept) fmt::print(io.out, "  {}\n", describe(entry));
    }
    for (const changes::JournalFile& journal : changes::list_journals(state_dir)) {
      if (journal.owner_alive) {
        fmt::print(io.out, "left alone: {} belongs to running process {}\n",
                   journal.path.filename().string(), journal.owner_pid);
      }
    }
    for (const changes::JournalFile& journal : still_exiting) {
      fmt::print(io.out,
                 "still held by the processes of ended run {} after {}: run restore again\n",
                 journal.owner_pid, args->wait);
      failed = true;
    }
    if (failed) {
      fmt::print(io.err, "mmtune: some changes could not be restored; their journal stays in {}\n",
                 state_dir.string());
      return 1;
    }
    return 0;
  };
}

}  // namespace mmtune::cli
