#pragma once
// `mmtune apply`: knob changes made through the journal (changes/journal.hpp), meant to stay.
//
//   ApplyPlan plan = plan_apply(read_change_file(path), fs, persist);  // input errors, nothing
//   done Journal journal(fs, state_dir); std::vector<AppliedChange> done = apply_plan(plan,
//   journal);      // all, or none (throws) keep_applied(plan, journal); // persist; they stay
//
// apply_plan() writes each change through the journal in order. When the kernel rejects a value,
// it undoes what it had already changed (newest first) and throws Error{bad_input} saying what was
// rejected and what was restored: an apply is all or nothing. keep_applied() writes the sysctl.d
// file when asked, then marks the journal's entries kept, so the journal's destructor leaves them
// and its file stays behind as the record `mmtune restore --applied` takes them back from. A run
// killed before keep_applied() leaves pending entries, which the next run (or `mmtune restore`)
// undoes: no half-applied state survives a crash.
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "advisor/change_file.hpp"
#include "changes/journal.hpp"
#include "probes/host_fs.hpp"

namespace mmtune::advisor {

struct PlannedChange {
  RequestedChange request;
  std::string path;                    // relative host path of the knob
  std::optional<std::string> current;  // nullopt: this host lacks it (only optional requests)
  bool changes = false;                // current differs from the requested value
};

struct ApplyPlan {
  std::vector<PlannedChange> changes;
  std::optional<std::filesystem::path> persist_file;  // the sysctl.d file to write, if asked
  std::vector<std::string> notes;  // what persisting cannot carry (THP is not a sysctl), skips
};

// Reads each knob's current value. Throws Error{unsupported} naming the knob when this host lacks
// one that is not optional, and Error{bad_input} when persist_file exists and was not written by
// mmtune (it is never overwritten).
ApplyPlan plan_apply(const std::vector<RequestedChange>& requests, const probes::HostFs& fs,
                     std::optional<std::filesystem::path> persist_file = std::nullopt);

struct AppliedChange {
  std::string knob, path, old_value, new_value;
};

// See above. Only the changes that change something are written.
std::vector<AppliedChange> apply_plan(const ApplyPlan& plan, changes::Journal& journal);

// Writes plan.persist_file (recorded in the journal first, so `restore --applied` removes it),
// then keeps every entry of the journal. Throws Error{unsupported} when the file cannot be
// written; the journal then still holds the changes as pending and undoes them.
void keep_applied(const ApplyPlan& plan, changes::Journal& journal);

// The sysctl.d text for these changes (sysctl knobs only), merged over the knobs an earlier
// `mmtune apply` put in existing (its text; empty when there is none).
std::string render_persist_file(const ApplyPlan& plan, std::string_view existing);

// What --persist would do to plan.persist_file: its text now (empty when there is none), its text
// after, and whether that changes a setting the host boots with (comments alone do not count: each
// line says what it replaced, which differs once the value is set). Nothing when not persisting.
struct PersistPreview {
  std::string before, after;
  bool changes = false;
};
std::optional<PersistPreview> preview_persist(const ApplyPlan& plan);

// The first line of every file --persist writes: how an existing file is recognised as ours.
inline constexpr std::string_view kPersistMarker =
    "# Written by `mmtune apply`; `mmtune restore --applied` removes it.";
inline constexpr std::string_view kDefaultPersistFile = "/etc/sysctl.d/90-mmtune.conf";

}  // namespace mmtune::advisor
