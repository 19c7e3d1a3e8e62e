#include "advisor/apply.hpp"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "probes/parsers.hpp"

namespace mmtune::advisor {
namespace {

namespace fs = std::filesystem;

bool is_sysctl(std::string_view path) { return path.starts_with("proc/sys/"); }

std::optional<std::string> read_text(const fs::path& path) {
  std::error_code ec;
  if (!fs::exists(path, ec)) return std::nullopt;
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

// Writes text to path atomically: a temporary file beside it, fsync'd, then renamed over it.
void write_atomically(const fs::path& path, const std::string& text, const fs::path& temporary) {
  int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    fail(ErrorKind::unsupported, "--persist: cannot write {}: {}", temporary.string(),
         std::strerror(errno));
  }
  const bool written = ::write(fd, text.data(), text.size()) == ssize_t(text.size());
  const bool synced = ::fsync(fd) == 0;
  ::close(fd);
  if (!written || !synced || ::rename(temporary.c_str(), path.c_str()) != 0) {
    int saved = errno;
    ::unlink(temporary.c_str());
    fail(ErrorKind::unsupported, "--persist: cannot write {}: {}", path.string(),
         std::strerror(saved));
  }
}

}  // namespace

ApplyPlan plan_apply(const std::vector<RequestedChange>& requests, const probes::HostFs& host,
                     std::optional<fs::path> persist_file) {
  ApplyPlan plan;
  for (const RequestedChange& request : requests) {
    auto knob = facts::find_knob(request.knob);
    if (!knob) fail(ErrorKind::bad_input, "{}: unknown knob \"{}\"", request.origin, request.knob);
    PlannedChange change{request, knob->path, std::nullopt, false};
    if (auto text = host.read(knob->path)) change.current = probes::parse_bracketed_choice(*text);
    if (!change.current) {
      if (!request.optional) {
        fail(ErrorKind::unsupported, "{}: this host has no {} ({})", request.origin, request.knob,
             host.path(knob->path).string());
      }
      plan.notes.push_back(
          fmt::format("{}: skipped: this host has no {}", request.origin, request.knob));
      continue;
    }
    change.changes = *change.current != request.value;
    plan.changes.push_back(std::move(change));
  }
  if (persist_file) {
    auto existing = read_text(*persist_file);
    if (existing && !existing->starts_with(kPersistMarker)) {
      fail(ErrorKind::bad_input,
           "--persist: {} exists and was not written by mmtune; choose another file with "
           "--sysctl-file",
           persist_file->string());
    }
    for (const PlannedChange& change : plan.changes) {
      if (is_sysctl(change.path)) continue;
      plan.notes.push_back(fmt::format(
          "{} is not a sysctl, so {} cannot keep it across reboots: set it at boot (kernel "
          "command line transparent_hugepage=… for thp.enabled) or with a tuned profile "
          "(`mmtune advise --emit tuned FILE`)",
          change.request.knob, persist_file->string()));
    }
    plan.persist_file = std::move(persist_file);
  }
  return plan;
}

std::vector<AppliedChange> apply_plan(const ApplyPlan& plan, changes::Journal& journal) {
  std::vector<AppliedChange> applied;
  for (const PlannedChange& change : plan.changes) {
    if (!change.changes) continue;
    try {
      journal.set_knob(change.request.knob, change.request.value);
    } catch (const Error& e) {
      std::vector<std::string> restored;
      for (const changes::UndoOutcome& outcome : journal.undo_all())
        restored.push_back(outcome.message);
      fail(e.kind(), "{}: {}; the apply stopped{}{}", change.request.origin, e.what(),
           restored.empty() ? " before changing anything" : " and restored what it had changed: ",
           fmt::join(restored, "; "));
    }
    applied.push_back({change.request.knob, change.path, *change.current, change.request.value});
  }
  return applied;
}

std::string render_persist_file(const ApplyPlan& plan, std::string_view existing) {
  // Earlier lines of ours stay unless this apply sets the same knob again.
  std::map<std::string, std::string> earlier;
  std::vector<std::string> order;
  if (!existing.empty()) {
    for (const RequestedChange& change : parse_change_file(existing, "existing --persist file")) {
      if (!earlier.contains(change.knob)) order.push_back(change.knob);
      earlier[change.knob] = change.value;
    }
  }
  std::string text = std::string(kPersistMarker) + "\n";
  text +=
      "# Memory-manager settings applied by mmtune; each line says what it replaced at the "
      "time.\n";
  for (const std::string& knob : order) {
    bool replaced = false;
    for (const PlannedChange& change : plan.changes) replaced |= change.request.knob == knob;
    if (!replaced) text += fmt::format("{} = {}\n", knob, earlier[knob]);
  }
  for (const PlannedChange& change : plan.changes) {
    if (!is_sysctl(change.path)) continue;
    text += fmt::format("# was {} ({})\n{} = {}\n", change.current.value_or("absent"),
                        change.request.origin, change.request.knob, change.request.value);
  }
  return text;
}

std::optional<PersistPreview> preview_persist(const ApplyPlan& plan) {
  if (!plan.persist_file) return std::nullopt;
  PersistPreview preview;
  preview.before = read_text(*plan.persist_file).value_or("");
  preview.after = render_persist_file(plan, preview.before);
  std::map<std::string, std::string> persisted;
  for (const RequestedChange& line : parse_change_file(preview.before, "existing --persist file"))
    persisted[line.knob] = line.value;
  for (const PlannedChange& change : plan.changes) {
    if (!is_sysctl(change.path)) continue;
    auto it = persisted.find(change.request.knob);
    preview.changes |= it == persisted.end() || it->second != change.request.value;
  }
  return preview;
}

void keep_applied(const ApplyPlan& plan, changes::Journal& journal) {
  if (plan.persist_file) {
    const fs::path& file = *plan.persist_file;
    const std::string text = render_persist_file(plan, read_text(file).value_or(""));
    const fs::path temporary = file.string() + ".mmtune-tmp";
    journal.track_temp_file(temporary);
    journal.track_temp_file(file);
    write_atomically(file, text, temporary);
  }
  journal.keep_all();
}

}  // namespace mmtune::advisor
