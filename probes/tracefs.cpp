#include "probes/tracefs.hpp"

#include <charconv>
#include <limits>
#include <map>
#include <vector>

namespace mmtune::probes {
namespace {

template <typename T>
std::optional<T> number(std::string_view text) {
  T value{};
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || ptr != text.data() + text.size()) return std::nullopt;
  return value;
}

// "4321.000123" (seconds, up to 9 decimals) → ns.
std::optional<int64_t> timestamp_ns(std::string_view text) {
  size_t dot = text.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto seconds = number<int64_t>(text.substr(0, dot));
  std::string_view fraction = text.substr(dot + 1);
  if (!seconds || fraction.empty() || fraction.size() > 9) return std::nullopt;
  auto digits = number<int64_t>(fraction);
  if (!digits) return std::nullopt;
  int64_t ns = *digits;
  for (size_t i = fraction.size(); i < 9; ++i) ns *= 10;
  constexpr int64_t kNsPerSecond = 1'000'000'000;
  // A trace clock counts from boot: anything past ~292 years of uptime is not a timestamp.
  if (*seconds < 0 || ns < 0 || *seconds >= std::numeric_limits<int64_t>::max() / kNsPerSecond)
    return std::nullopt;
  return *seconds * kNsPerSecond + ns;
}

// The part before ": balance_dirty_pages: " is "<comm>-<pid> [<cpu>] <flags> <timestamp>"; the
// comm may hold spaces and dashes, so read it from the right.
bool parse_header(std::string_view head, BalanceDirtyPagesEvent& out) {
  size_t space = head.rfind(' ');
  if (space == std::string_view::npos) return false;
  auto t = timestamp_ns(head.substr(space + 1));
  size_t bracket = head.rfind(" [");
  if (!t || bracket == std::string_view::npos) return false;
  std::string_view task = head.substr(0, bracket);
  while (!task.empty() && task.back() == ' ') task.remove_suffix(1);
  size_t dash = task.rfind('-');
  if (dash == std::string_view::npos) return false;
  auto pid = number<int>(task.substr(dash + 1));
  if (!pid) return false;
  out.t_ns = *t;
  out.pid = *pid;
  return true;
}

std::map<std::string_view, std::string_view> key_values(std::string_view text) {
  std::map<std::string_view, std::string_view> out;
  while (!text.empty()) {
    size_t end = text.find(' ');
    std::string_view word = text.substr(0, end);
    text.remove_prefix(end == std::string_view::npos ? text.size() : end + 1);
    size_t eq = word.find('=');
    if (eq != std::string_view::npos) out.emplace(word.substr(0, eq), word.substr(eq + 1));
  }
  return out;
}

}  // namespace

std::optional<BalanceDirtyPagesEvent> parse_balance_dirty_pages(std::string_view line) {
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  constexpr std::string_view kEvent = ": balance_dirty_pages: bdi ";
  size_t at = line.find(kEvent);
  if (at == std::string_view::npos) return std::nullopt;
  BalanceDirtyPagesEvent event;
  if (!parse_header(line.substr(0, at), event)) return std::nullopt;
  std::string_view rest = line.substr(at + kEvent.size());
  size_t colon = rest.find(": ");
  if (colon == std::string_view::npos) return std::nullopt;
  event.bdi = std::string(rest.substr(0, colon));
  auto fields = key_values(rest.substr(colon + 2));
  bool ok = true;
  auto get_u = [&](std::string_view key, uint64_t& into) {
    auto it = fields.find(key);
    auto v = it == fields.end() ? std::nullopt : number<uint64_t>(it->second);
    ok = ok && v.has_value();
    into = v.value_or(0);
  };
  auto get_i = [&](std::string_view key, int64_t& into) {
    auto it = fields.find(key);
    auto v = it == fields.end() ? std::nullopt : number<int64_t>(it->second);
    ok = ok && v.has_value();
    into = v.value_or(0);
  };
  get_u("limit", event.limit);
  get_u("setpoint", event.setpoint);
  get_u("dirty", event.dirty);
  // Named bdi_setpoint and bdi_dirty before Linux 6.13 (the same per-wb values).
  get_u(fields.contains("wb_setpoint") ? "wb_setpoint" : "bdi_setpoint", event.wb_setpoint);
  get_u(fields.contains("wb_dirty") ? "wb_dirty" : "bdi_dirty", event.wb_dirty);
  get_u("dirty_ratelimit", event.dirty_ratelimit_kib);
  get_u("task_ratelimit", event.task_ratelimit_kib);
  get_u("dirtied", event.dirtied);
  get_u("dirtied_pause", event.dirtied_pause);
  get_i("paused", event.paused_ms);
  get_i("pause", event.pause_ms);
  get_u("period", event.period_ms);
  get_i("think", event.think_ms);
  // cgroup_ino came with cgroup writeback (4.2); older kernels print without it.
  if (auto it = fields.find("cgroup_ino"); it != fields.end())
    event.cgroup_ino = number<uint64_t>(it->second).value_or(0);
  if (!ok) return std::nullopt;
  return event;
}

std::optional<std::string> tracefs_mount_point(std::string_view mountinfo) {
  // "41 23 0:12 / /sys/kernel/tracing rw,nosuid,nodev,noexec,relatime shared:19 - tracefs
  // tracefs rw"
  while (!mountinfo.empty()) {
    size_t end = mountinfo.find('\n');
    std::string_view line = mountinfo.substr(0, end);
    mountinfo.remove_prefix(end == std::string_view::npos ? mountinfo.size() : end + 1);
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos || !line.substr(dash + 3).starts_with("tracefs ")) continue;
    std::vector<std::string_view> fields;
    for (std::string_view f = line.substr(0, dash); !f.empty();) {
      size_t sp = f.find(' ');
      fields.push_back(f.substr(0, sp));
      f.remove_prefix(sp == std::string_view::npos ? f.size() : sp + 1);
    }
    if (fields.size() >= 5 && fields[3] == "/") return std::string(fields[4]);
  }
  return std::nullopt;
}

}  // namespace mmtune::probes
