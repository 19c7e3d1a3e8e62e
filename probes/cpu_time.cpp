#include "probes/cpu_time.hpp"

#include <unistd.h>

#include <charconv>
#include <initializer_list>
#include <map>
#include <set>
#include <vector>

#include "probes/parsers.hpp"

namespace mmtune::probes {
namespace {

// Summed as doubles: a malformed file with huge numbers must not overflow.
double ticks_to_seconds(std::initializer_list<int64_t> ticks) {
  static const double hz = static_cast<double>(::sysconf(_SC_CLK_TCK));
  double sum = 0;
  for (int64_t t : ticks) sum += static_cast<double>(t);
  return sum / hz;
}

// The first count space-separated numbers of text (signed: tpgid is -1 without a terminal); false
// when there are fewer or a word is not a number.
bool read_numbers(std::string_view text, int64_t* out, size_t count) {
  for (size_t i = 0; i < count; ++i) {
    text = trim(text);
    size_t end = text.find(' ');
    std::string_view word = text.substr(0, end);
    auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), out[i]);
    if (ec != std::errc() || ptr != word.data() + word.size()) return false;
    if (end == std::string_view::npos) return i + 1 == count;
    text.remove_prefix(end);
  }
  return true;
}

}  // namespace

std::optional<double> parse_host_busy_seconds(std::string_view proc_stat) {
  std::string_view line = proc_stat.substr(0, proc_stat.find('\n'));
  if (!line.starts_with("cpu ")) return std::nullopt;
  // user nice system idle iowait irq softirq steal
  int64_t fields[8] = {};
  if (!read_numbers(line.substr(4), fields, 8)) return std::nullopt;
  return ticks_to_seconds({fields[0], fields[1], fields[2], fields[5], fields[6], fields[7]});
}

std::optional<double> read_host_busy_seconds(const HostFs& fs) {
  auto text = fs.read("proc/stat");
  return text ? parse_host_busy_seconds(*text) : std::nullopt;
}

std::optional<ProcessCpu> parse_process_cpu(std::string_view pid_stat) {
  // "pid (comm) state ppid …": comm may hold spaces and parentheses, so count from the last ')'.
  size_t close = pid_stat.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = pid_stat.substr(close + 1);
  // Fields 3..17 of proc(5): state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt
  // cmajflt utime stime cutime cstime. The state is a letter: skip it.
  rest = trim(rest);
  size_t space = rest.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  int64_t fields[14] = {};
  if (!read_numbers(rest.substr(space), fields, 14)) return std::nullopt;
  ProcessCpu cpu;
  cpu.ppid = static_cast<pid_t>(fields[0]);
  cpu.cpu_s = ticks_to_seconds({fields[10], fields[11], fields[12], fields[13]});
  return cpu;
}

double process_tree_cpu_seconds(const HostFs& fs, pid_t root) {
  std::map<pid_t, ProcessCpu> processes;
  for (const std::string& entry : fs.list("proc")) {
    pid_t pid = 0;
    auto [ptr, ec] = std::from_chars(entry.data(), entry.data() + entry.size(), pid);
    if (ec != std::errc() || ptr != entry.data() + entry.size()) continue;
    auto text = fs.read("proc/" + entry + "/stat");
    if (!text) continue;  // ended since the listing
    if (auto cpu = parse_process_cpu(*text)) processes.emplace(pid, *cpu);
  }
  std::map<pid_t, std::vector<pid_t>> children;
  for (const auto& [pid, cpu] : processes) children[cpu.ppid].push_back(pid);
  // The listing is not one instant: a pid reused during the walk could close a loop.
  std::set<pid_t> seen;
  double total = 0;
  std::vector<pid_t> pending{root};
  while (!pending.empty()) {
    pid_t pid = pending.back();
    pending.pop_back();
    if (!seen.insert(pid).second) continue;
    if (auto it = processes.find(pid); it != processes.end()) total += it->second.cpu_s;
    for (pid_t child : children[pid]) pending.push_back(child);
  }
  return total;
}

}  // namespace mmtune::probes
