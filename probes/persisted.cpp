#include "probes/persisted.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <map>
#include <regex>
#include <set>
#include <span>

#include "facts/knobs.hpp"
#include "probes/parsers.hpp"
#include "probes/text.hpp"

namespace mmtune::probes {
namespace {

// systemd-sysctl's search path, highest priority first (sysctl.d(5); /lib on split-usr hosts).
constexpr std::string_view kSysctlDirs[] = {
    "etc/sysctl.d", "run/sysctl.d", "usr/local/lib/sysctl.d", "usr/lib/sysctl.d", "lib/sysctl.d"};
// What tuned's sysctl plugin re-applies after its own [sysctl] (plugin_sysctl.py
// SYSCTL_CONFIG_DIRS, then /etc/sysctl.conf), /run first.
constexpr std::string_view kTunedReapplyDirs[] = {"run/sysctl.d", "etc/sysctl.d"};
// Where tuned looks for a profile by name: /etc before /usr/lib; tuned 2.24 moved them into
// profiles/ subdirectories.
constexpr std::string_view kTunedProfileDirs[] = {"etc/tuned/profiles", "etc/tuned",
                                                  "usr/lib/tuned/profiles", "usr/lib/tuned"};
constexpr std::string_view kThpSysfs = "/sys/kernel/mm/transparent_hugepage/";
constexpr int kMaxIncludeDepth = 8;

std::optional<ConfLine> key_value(std::string_view line, int number) {
  line = trim(line);
  if (line.empty() || line.front() == '#' || line.front() == ';') return std::nullopt;
  const size_t eq = line.find('=');
  if (eq == std::string_view::npos) return std::nullopt;
  std::string_view key = trim(line.substr(0, eq));
  if (key.empty()) return std::nullopt;
  return ConfLine{std::string(key), std::string(trim(line.substr(eq + 1))), number};
}

std::string absolute(std::string_view rel) { return "/" + std::string(rel); }

facts::PersistedSetting assignment(std::string knob, std::string value, std::string_view rel,
                                   int line, std::string_view stage) {
  return {std::move(knob), std::move(value), absolute(rel), line, std::string(stage)};
}

// Reads a file once, remembering it in the list of files read.
std::optional<std::string> read_noted(const HostFs& fs, std::string_view rel,
                                      facts::Persistence& out) {
  auto text = fs.read(rel);
  if (text) out.files.push_back(absolute(rel));
  return text;
}

void add_sysctl_file(const HostFs& fs, std::string_view rel, std::string_view stage,
                     facts::Persistence& out) {
  auto text = read_noted(fs, rel, out);
  if (!text) return;
  for (const ConfLine& line : parse_sysctl_conf(*text)) {
    if (auto knob = knob_of_sysctl(line.key))
      out.assignments.push_back(assignment(*knob, line.value, rel, line.line, stage));
  }
}

// File name → its path, the first directory that has the name winning; sorted by name.
std::map<std::string, std::string> conf_files(const HostFs& fs,
                                              std::span<const std::string_view> dirs) {
  std::map<std::string, std::string> files;
  for (std::string_view dir : dirs) {
    for (const std::string& name : fs.list(dir)) {
      if (name.ends_with(".conf")) files.emplace(name, fmt::format("{}/{}", dir, name));
    }
  }
  return files;
}

void systemd_sysctl(const HostFs& fs, facts::Persistence& out) {
  for (const auto& [name, rel] : conf_files(fs, kSysctlDirs))
    add_sysctl_file(fs, rel, "systemd-sysctl", out);
}

void kernel_cmdline(const std::optional<std::string>& cmdline, facts::Persistence& out) {
  if (!cmdline) return;
  std::string_view rest = *cmdline;
  // Arguments after " -- " go to init, not to the kernel.
  if (size_t dashes = rest.find(" -- "); dashes != std::string_view::npos)
    rest = rest.substr(0, dashes);
  size_t start = 0;
  while (start < rest.size()) {
    size_t end = rest.find(' ', start);
    if (end == std::string_view::npos) end = rest.size();
    std::string_view word = rest.substr(start, end - start);
    start = end + 1;
    const size_t eq = word.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = word.substr(0, eq), value = word.substr(eq + 1);
    if (key == "transparent_hugepage") {
      out.assignments.push_back(
          assignment("thp.enabled", std::string(value), "proc/cmdline", 0, "cmdline"));
    } else if (key.starts_with("sysctl.")) {
      if (auto knob = knob_of_sysctl(key.substr(7)))
        out.assignments.push_back(
            assignment(*knob, std::string(value), "proc/cmdline", 0, "cmdline"));
    }
  }
}

// A tuned profile's options after its include= chain: (section, key) → the value and where.
struct TunedOption {
  std::string section, key, value, file;
  int line = 0;
};

std::optional<std::string> profile_file(const HostFs& fs, std::string_view name) {
  for (std::string_view dir : kTunedProfileDirs) {
    std::string rel = fmt::format("{}/{}/tuned.conf", dir, name);
    if (fs.exists(rel)) return rel;
  }
  return std::nullopt;
}

std::vector<std::string> split_names(std::string_view text) {
  std::vector<std::string> names;
  std::string word;
  for (char c : text) {
    if (c == ',' || c == ' ' || c == '\t' || c == '\n') {
      if (!word.empty()) names.push_back(std::move(word));
      word.clear();
    } else {
      word += c;
    }
  }
  if (!word.empty()) names.push_back(std::move(word));
  return names;
}

void merge_option(std::vector<TunedOption>& options, TunedOption option) {
  for (TunedOption& existing : options) {
    if (existing.section == option.section && existing.key == option.key) {
      existing = std::move(option);
      return;
    }
  }
  options.push_back(std::move(option));
}

// Loads name with its includes first (tuned: the including profile overrides what it includes).
void load_profile(const HostFs& fs, const std::string& name, int depth,
                  std::vector<TunedOption>& options, facts::Persistence& out) {
  if (depth > kMaxIncludeDepth) return;
  if (std::find(out.tuned_chain.begin(), out.tuned_chain.end(), name) != out.tuned_chain.end())
    return;
  auto rel = profile_file(fs, name);
  if (!rel) return;
  auto text = read_noted(fs, *rel, out);
  if (!text) return;
  const std::vector<IniSection> sections = parse_ini(*text);
  for (const IniSection& section : sections) {
    if (section.name != "main") continue;
    for (const ConfLine& line : section.lines) {
      if (line.key != "include") continue;
      for (const std::string& parent : split_names(line.value))
        load_profile(fs, parent, depth + 1, options, out);
    }
  }
  out.tuned_chain.push_back(name);
  for (const IniSection& section : sections) {
    if (section.name == "main") continue;
    for (const ConfLine& line : section.lines)
      merge_option(options, {section.name, line.key, line.value, absolute(*rel), line.line});
  }
}

// tuned's [vm] dirty options: "dirty_bytes=10%" writes vm.dirty_ratio=10 (plugin_vm.py).
std::optional<std::pair<std::string, std::string>> vm_option(const TunedOption& o,
                                                             std::string_view cmdline_thp) {
  if (o.key == "transparent_hugepages" || o.key == "transparent_hugepage") {
    if (!cmdline_thp.empty()) return std::nullopt;  // tuned leaves THP to the command line
    return std::pair{std::string("thp.enabled"), o.value};
  }
  if (o.key == "transparent_hugepage.defrag") return std::pair{std::string("thp.defrag"), o.value};
  for (std::string_view pair : {"dirty_bytes", "dirty_background_bytes"}) {
    if (o.key != pair) continue;
    if (o.value.ends_with('%')) {
      const std::string ratio =
          pair == "dirty_bytes" ? "vm.dirty_ratio" : "vm.dirty_background_ratio";
      return std::pair{ratio, o.value.substr(0, o.value.size() - 1)};
    }
    return std::pair{"vm." + std::string(pair), o.value};
  }
  if (o.key == "dirty_ratio" || o.key == "dirty_background_ratio")
    return std::pair{"vm." + o.key, o.value};
  return std::nullopt;
}

std::optional<std::string> thp_knob_of_sysfs(std::string_view path) {
  if (!path.starts_with(kThpSysfs)) return std::nullopt;
  std::string rest(path.substr(kThpSysfs.size()));
  std::replace(rest.begin(), rest.end(), '/', '.');
  if (!facts::find_knob("thp." + rest)) return std::nullopt;
  return "thp." + rest;
}

bool reapply_sysctl(const HostFs& fs, facts::Persistence& out) {
  auto text = read_noted(fs, "etc/tuned/tuned-main.conf", out);
  if (!text) return true;  // tuned's default (consts.CFG_DEF_REAPPLY_SYSCTL)
  for (std::string_view raw : split_lines(*text)) {
    auto line = key_value(raw, 0);
    if (line && line->key == "reapply_sysctl")
      return !(line->value == "0" || line->value == "false" || line->value == "False");
  }
  return true;
}

void tuned_reapply(const HostFs& fs, facts::Persistence& out) {
  for (const auto& [name, rel] : conf_files(fs, kTunedReapplyDirs))
    add_sysctl_file(fs, rel, "tuned-reapply", out);
  add_sysctl_file(fs, "etc/sysctl.conf", "tuned-reapply", out);
}

// The command line tuned's bootloader plugin writes for the next boot.
void bootloader_option(const TunedOption& o, facts::Persistence& out) {
  static const std::regex thp(R"((^|\s)transparent_hugepage=(\S+))");
  std::smatch match;
  if (o.key.starts_with("cmdline") && std::regex_search(o.value, match, thp)) {
    out.assignments.push_back({"thp.enabled", match[2].str(), o.file, o.line, "tuned-bootloader"});
  }
}

void tuned_assignments(const HostFs& fs, const std::vector<TunedOption>& options,
                       std::string_view cmdline_thp, facts::Persistence& out) {
  const bool reapply = reapply_sysctl(fs, out);
  size_t last_sysctl = options.size();
  for (size_t i = 0; i < options.size(); ++i) {
    if (options[i].section == "sysctl") last_sysctl = i;
  }
  for (size_t i = 0; i < options.size(); ++i) {
    const TunedOption& o = options[i];
    if (o.section == "sysctl") {
      if (auto knob = knob_of_sysctl(o.key))
        out.assignments.push_back({*knob, o.value, o.file, o.line, "tuned"});
    } else if (o.section == "vm") {
      if (auto pair = vm_option(o, cmdline_thp))
        out.assignments.push_back({pair->first, pair->second, o.file, o.line, "tuned"});
    } else if (o.section == "sysfs") {
      if (auto knob = thp_knob_of_sysfs(o.key))
        out.assignments.push_back({*knob, o.value, o.file, o.line, "tuned"});
    } else if (o.section == "bootloader") {
      bootloader_option(o, out);
    }
    // The sysctl plugin re-applies the system's files right after its own options.
    if (i == last_sysctl && reapply) tuned_reapply(fs, out);
  }
}

void tuned(const HostFs& fs, std::string_view cmdline_thp, facts::Persistence& out) {
  auto active = read_noted(fs, "etc/tuned/active_profile", out);
  if (!active) return;
  out.tuned_profiles = split_names(*active);
  out.tuned_enabled = fs.exists("etc/systemd/system/multi-user.target.wants/tuned.service") ||
                      fs.exists("run/tuned/tuned.pid");
  std::vector<TunedOption> options;
  for (const std::string& name : out.tuned_profiles) load_profile(fs, name, 0, options, out);
  if (out.tuned_enabled) tuned_assignments(fs, options, cmdline_thp, out);
}

// "ExecStart=/bin/sh -c 'echo never > /sys/kernel/mm/transparent_hugepage/enabled'"
void thp_units(const HostFs& fs, facts::Persistence& out) {
  static const std::regex echo(
      R"(echo\s+['"]?([a-z+]+)['"]?\s*>\s*/sys/kernel/mm/transparent_hugepage/(enabled|defrag))");
  for (const std::string& name : fs.list("etc/systemd/system")) {
    if (!name.ends_with(".service")) continue;
    const std::string rel = "etc/systemd/system/" + name;
    auto text = fs.read(rel);
    if (!text || text->find("transparent_hugepage") == std::string::npos) continue;
    out.files.push_back(absolute(rel));
    int number = 0;
    for (std::string_view line : split_lines(*text)) {
      ++number;
      std::string copy(line);
      for (auto it = std::sregex_iterator(copy.begin(), copy.end(), echo);
           it != std::sregex_iterator(); ++it) {
        out.assignments.push_back(
            assignment("thp." + (*it)[2].str(), (*it)[1].str(), rel, number, "systemd-unit"));
      }
    }
  }
}

}  // namespace

std::vector<ConfLine> parse_sysctl_conf(std::string_view text) {
  std::vector<ConfLine> out;
  int number = 0;
  for (std::string_view raw : split_lines(text)) {
    ++number;
    std::string_view line = trim(raw);
    if (line.starts_with('-')) line.remove_prefix(1);
    auto kv = key_value(line, number);
    if (!kv) continue;
    std::replace(kv->key.begin(), kv->key.end(), '/', '.');
    out.push_back(std::move(*kv));
  }
  return out;
}

std::vector<IniSection> parse_ini(std::string_view text) {
  std::vector<IniSection> sections;
  int number = 0;
  for (std::string_view raw : split_lines(text)) {
    ++number;
    std::string_view line = trim(raw);
    if (line.starts_with('[') && line.ends_with(']')) {
      sections.push_back({std::string(trim(line.substr(1, line.size() - 2))), {}});
      continue;
    }
    auto kv = key_value(line, number);
    if (kv && !sections.empty()) sections.back().lines.push_back(std::move(*kv));
  }
  return sections;
}

std::optional<std::string> knob_of_sysctl(std::string_view key) {
  std::string name(trim(key));
  std::replace(name.begin(), name.end(), '/', '.');
  if (name.starts_with("thp.")) return std::nullopt;  // not a sysctl
  if (!facts::find_knob(name)) return std::nullopt;
  return name;
}

facts::Persistence read_persisted(const HostFs& fs, const std::optional<std::string>& cmdline) {
  facts::Persistence out;
  kernel_cmdline(cmdline, out);
  std::string cmdline_thp;
  for (const facts::PersistedSetting& a : out.assignments) {
    if (a.knob == "thp.enabled") cmdline_thp = a.value;
  }
  systemd_sysctl(fs, out);
  tuned(fs, cmdline_thp, out);
  thp_units(fs, out);
  return out;
}

const facts::PersistedSetting* boot_value(const facts::Persistence& persisted,
                                          std::string_view knob) {
  const facts::PersistedSetting* last = nullptr;
  for (const facts::PersistedSetting& a : persisted.assignments) {
    if (a.knob == knob) last = &a;
  }
  return last;
}

}  // namespace mmtune::probes
