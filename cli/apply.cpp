// `mmtune apply FILE`: applies an advice JSON or a sysctl.d file through the journal. Without
// --yes it only shows what would change. Exit: 0 applied (or shown), 2 bad input or a value the
// kernel rejected (everything already changed is restored), 3 the knobs cannot be written here.
#include "advisor/apply.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "advisor/change_file.hpp"
#include "changes/journal.hpp"
#include "changes/signal_guard.hpp"
#include "cli/commands.hpp"
#include "cli/host_hold.hpp"
#include "facts/error.hpp"

namespace mmtune::cli {
namespace {

struct ApplyArgs {
  std::string file;
  bool yes = false;
  bool persist = false;
  bool json = false;
  std::string sysctl_file = std::string(advisor::kDefaultPersistFile);
  std::string state_dir;
  std::optional<std::string> wait;
};

constexpr const char* kApplyFooter = R"(
Without --yes nothing changes: the table shows each knob's current and requested value.
With --yes every change goes through the journal of host changes (the old value is written and
fsync'd to the state directory before the knob is), in file order. If the kernel rejects a value,
the apply stops and restores what it had already changed, newest first (exit 2): all or nothing.
A run killed half-way is undone by the next mmtune run or by `mmtune restore`.

Applied values stay: once all are written the journal marks them kept, so they are not undone when
mmtune exits, and its file stays in the state directory as the record of what was applied.
`mmtune restore --applied` takes them back, newest first; a knob someone changed since is left
alone. --persist also writes a sysctl.d file (default /etc/sysctl.d/90-mmtune.conf, never a file
mmtune did not write) so the values survive a reboot; `mmtune restore --applied` removes it too.
THP knobs are not sysctls: they are applied, but only a boot parameter or tuned can persist them.)";

void print_plan(const advisor::ApplyPlan& plan, const std::string& file, bool dry_run,
                std::FILE* out) {
  size_t changing = 0, width = 4;
  for (const advisor::PlannedChange& change : plan.changes) {
    changing += change.changes;
    width = std::max(width, change.request.knob.size());
  }
  fmt::print(out, "{}: {} setting(s), {} to change{}\n", file, plan.changes.size(), changing,
             dry_run ? " (nothing changed: --yes applies them)" : "");
  for (const advisor::PlannedChange& change : plan.changes) {
    fmt::print(out, "  {:<{}}  {} → {}{}\n", change.request.knob, width,
               change.current.value_or("absent"), change.request.value,
               change.changes ? "" : "  (already set)");
  }
  if (dry_run && plan.persist_file)
    fmt::print(out, "--persist would also write {}\n", plan.persist_file->string());
  for (const std::string& note : plan.notes) fmt::print(out, "note: {}\n", note);
}

// The plan (and, once applied, what was applied) for machines: the Ansible role's check mode and
// --diff read it. "changes" is true when applying would change a knob or the sysctl.d file.
nlohmann::json plan_json(const advisor::ApplyPlan& plan, const std::string& file, bool dry_run) {
  nlohmann::json settings = nlohmann::json::array();
  bool changes = false;
  for (const advisor::PlannedChange& change : plan.changes) {
    changes |= change.changes;
    settings.push_back({{"knob", change.request.knob},
                        {"path", "/" + change.path},
                        {"current", change.current ? nlohmann::json(*change.current) : nullptr},
                        {"requested", change.request.value},
                        {"changes", change.changes}});
  }
  nlohmann::json persist = nullptr;
  if (const auto preview = advisor::preview_persist(plan)) {
    changes |= preview->changes;
    persist = {{"file", plan.persist_file->string()},
               {"changes", preview->changes},
               {"before", preview->before},
               {"after", preview->after}};
  }
  return {{"schema", "mmtune.apply/1"}, {"file", file},         {"dry_run", dry_run},
          {"changes", changes},         {"settings", settings}, {"persist", persist},
          {"notes", plan.notes}};
}

}  // namespace

Action attach_apply(CLI::App& sub, const Globals& globals) {
  auto args = std::make_shared<ApplyArgs>();
  sub.add_option("file", args->file, "An advice JSON (mmtune advise --json) or a sysctl.d file")
      ->required();
  sub.add_flag("-y,--yes", args->yes, "Apply; without it only show what would change");
  sub.add_flag("--persist", args->persist,
               "Also write a sysctl.d file so the values survive a reboot");
  sub.add_option("--sysctl-file", args->sysctl_file,
                 "The sysctl.d file --persist writes (default /etc/sysctl.d/90-mmtune.conf)")
      ->type_name("FILE");
  sub.add_option("--state-dir", args->state_dir, "Where the journal of host changes lives")
      ->type_name("DIR");
  add_host_wait_option(sub, args->wait);
  sub.add_flag("--json", args->json,
               "Print the plan (and what was applied) as JSON, with \"changes\": whether "
               "anything would change, the sysctl.d file included");
  sub.footer(kApplyFooter);
  return [args, &globals](const Io& io) {
    const probes::HostFs fs = globals.host_fs();
    const std::filesystem::path state_dir = args->state_dir.empty()
                                                ? changes::default_state_dir()
                                                : std::filesystem::path(args->state_dir);
    const changes::HostLockWait wait = host_lock_wait(args->wait);
    std::optional<std::filesystem::path> persist;
    if (args->persist) persist = std::filesystem::absolute(args->sysctl_file);
    const advisor::ApplyPlan plan =
        advisor::plan_apply(advisor::read_change_file(args->file), fs, persist);
    nlohmann::json report = plan_json(plan, args->file, !args->yes);
    if (!args->json) print_plan(plan, args->file, !args->yes, io.out);
    if (!args->yes) {
      if (args->json) fmt::print(io.out, "{}\n", report.dump(2));
      return 0;
    }
    for (const advisor::PlannedChange& change : plan.changes) {
      if (change.changes && ::access(fs.path(change.path).c_str(), W_OK) != 0) {
        fail(ErrorKind::unsupported, "{}: {} cannot be written here (changing it needs root)",
             change.request.knob, fs.path(change.path).string());
      }
    }

    const changes::HostLock host = hold_host(globals, wait, io);
    changes::SignalGuard guard;
    for (const changes::UndoOutcome& outcome : changes::restore_leftovers(state_dir))
      fmt::print(io.err, "mmtune: restored what an earlier, killed run left: {}\n",
                 outcome.message);
    changes::Journal journal(fs, state_dir);
    const std::vector<advisor::AppliedChange> applied = advisor::apply_plan(plan, journal);
    if (changes::SignalGuard::received() != 0)
      fail(ErrorKind::interrupted, "apply stopped; what it had changed was restored");
    advisor::keep_applied(plan, journal);
    if (args->json) {
      report["journal"] = journal.file().string();
      report["applied"] = nlohmann::json::array();
      for (const advisor::AppliedChange& change : applied)
        report["applied"].push_back(
            {{"knob", change.knob}, {"old", change.old_value}, {"new", change.new_value}});
      fmt::print(io.out, "{}\n", report.dump(2));
      return 0;
    }
    fmt::print(io.out, "applied {} change(s) through the journal {}:\n", applied.size(),
               journal.file().string());
    for (const advisor::AppliedChange& change : applied)
      fmt::print(io.out, "  {}: {} → {}\n", change.knob, change.old_value, change.new_value);
    if (plan.persist_file) fmt::print(io.out, "persisted in {}\n", plan.persist_file->string());
    fmt::print(io.out, "they stay; `mmtune restore --applied{}` takes them back\n",
               args->state_dir.empty() ? "" : " --state-dir " + args->state_dir);
    return 0;
  };
}

}  // namespace mmtune::cli
