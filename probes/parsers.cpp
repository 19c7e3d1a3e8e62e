#include "probes/parsers.hpp"

#include <cctype>
#include <charconv>
#include <cmath>
#include <cstdlib>

#include "facts/error.hpp"
#include "probes/text.hpp"

namespace mmtune::probes {
namespace {

template <typename F>
void for_each_line(std::string_view text, F&& f) {
  while (!text.empty()) {
    size_t end = text.find('\n');
    std::string_view line = text.substr(0, end);
    if (!line.empty()) f(line);
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
}

std::optional<uint64_t> to_u64(std::string_view word) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || ptr != word.data() + word.size()) return std::nullopt;
  return value;
}

uint64_t need_u64(std::string_view word, std::string_view what) {
  auto value = to_u64(word);
  if (!value) fail(ErrorKind::internal, "{}: \"{}\" is not a number", what, word);
  return *value;
}

double need_double(std::string_view word, std::string_view what) {
  std::string copy(word);
  char* end = nullptr;
  double value = std::strtod(copy.c_str(), &end);
  if (end == copy.c_str() || *end != '\0')
    fail(ErrorKind::internal, "{}: \"{}\" is not a number", what, word);
  return value;
}

}  // namespace

std::vector<std::string_view> split_words(std::string_view line) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < line.size()) {
    while (i < line.size() && (line[i] == ' ' || line[i] == '\t')) ++i;
    size_t start = i;
    while (i < line.size() && line[i] != ' ' && line[i] != '\t') ++i;
    if (i > start) words.push_back(line.substr(start, i - start));
  }
  return words;
}

std::vector<std::string_view> split_lines(std::string_view text) {
  std::vector<std::string_view> lines;
  while (!text.empty()) {
    const size_t end = text.find('\n');
    lines.push_back(text.substr(0, end));
    if (end == std::string_view::npos) break;
    text.remove_prefix(end + 1);
  }
  return lines;
}

std::string_view trim(std::string_view text) {
  auto space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
  while (!text.empty() && space(text.front())) text.remove_prefix(1);
  while (!text.empty() && space(text.back())) text.remove_suffix(1);
  return text;
}

facts::Counters parse_key_values(std::string_view text) {
  facts::Counters counters;
  for_each_line(text, [&](std::string_view line) {
    auto words = split_words(line);
    if (words.size() != 2) return;
    if (auto value = to_u64(words[1])) counters.values.emplace(words[0], *value);
  });
  return counters;
}

facts::Counters parse_colon_kib(std::string_view text) {
  facts::Counters counters;
  for_each_line(text, [&](std::string_view line) {
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return;
    auto words = split_words(line.substr(colon + 1));
    if (words.empty()) return;
    auto value = to_u64(words[0]);
    if (!value) return;  // e.g. "Name:\tbash", "Cpus_allowed_list: 0-1"
    bool kib = words.size() >= 2 && words[1] == "kB";
    counters.values.emplace(trim(line.substr(0, colon)), kib ? *value * facts::kKiB : *value);
  });
  return counters;
}

facts::MemInfo parse_meminfo(std::string_view text) {
  facts::MemInfo info;
  info.fields = parse_colon_kib(text);
  const facts::Counters& f = info.fields;
  auto total = f.get("MemTotal");
  if (!total) fail(ErrorKind::internal, "meminfo: no MemTotal line");
  info.total_bytes = *total;
  info.free_bytes = f.get_or("MemFree", 0);
  info.available_bytes = f.get("MemAvailable");
  info.active_file_bytes = f.get_or("Active(file)", 0);
  info.inactive_file_bytes = f.get_or("Inactive(file)", 0);
  info.active_anon_bytes = f.get_or("Active(anon)", 0);
  info.inactive_anon_bytes = f.get_or("Inactive(anon)", 0);
  info.dirty_bytes = f.get_or("Dirty", 0);
  info.writeback_bytes = f.get_or("Writeback", 0);
  info.swap_total_bytes = f.get_or("SwapTotal", 0);
  info.swap_free_bytes = f.get_or("SwapFree", 0);
  info.anon_huge_bytes = f.get("AnonHugePages");
  info.page_tables_bytes = f.get_or("PageTables", 0);
  return info;
}

std::vector<facts::Zone> parse_zoneinfo(std::string_view text) {
  std::vector<facts::Zone> zones;
  for_each_line(text, [&](std::string_view line) {
    auto words = split_words(line);
    if (words.empty()) return;
    // "Node 0, zone   Normal"
    if (words[0] == "Node" && words.size() >= 4 && words[2] == "zone") {
      facts::Zone zone;
      std::string_view node = words[1];
      if (!node.empty() && node.back() == ',') node.remove_suffix(1);
      zone.node = static_cast<int>(need_u64(node, "zoneinfo node"));
      zone.name = std::string(words[3]);
      zones.push_back(std::move(zone));
      return;
    }
    if (zones.empty()) return;
    facts::Zone& zone = zones.back();
    if (words[0] == "pages" && words.size() == 3 && words[1] == "free") {
      zone.free_pages = need_u64(words[2], "zoneinfo pages free");
    } else if (words[0] == "protection:") {
      zone.protection.clear();
      for (size_t i = 1; i < words.size(); ++i) {
        std::string_view w = words[i];
        while (!w.empty() && (w.front() == '(')) w.remove_prefix(1);
        while (!w.empty() && (w.back() == ',' || w.back() == ')')) w.remove_suffix(1);
        if (!w.empty()) zone.protection.push_back(need_u64(w, "zoneinfo protection"));
      }
    } else if (words.size() == 2) {
      auto value = to_u64(words[1]);
      if (!value) return;
      std::string_view key = words[0];
      if (key == "min")
        zone.min_pages = *value;
      else if (key == "low")
        zone.low_pages = *value;
      else if (key == "high")
        zone.high_pages = *value;
      else if (key == "promo")
        zone.promo_pages = *value;
      else if (key == "boost")
        zone.boost_pages = *value;
      else if (key == "spanned")
        zone.spanned_pages = *value;
      else if (key == "present")
        zone.present_pages = *value;
      else if (key == "managed")
        zone.managed_pages = *value;
    }
  });
  return zones;
}

std::vector<facts::BuddyZone> parse_buddyinfo(std::string_view text) {
  std::vector<facts::BuddyZone> zones;
  for_each_line(text, [&](std::string_view line) {
    auto words = split_words(line);
    // "Node 0, zone   Normal  2424 892 …"
    if (words.size() < 4 || words[0] != "Node" || words[2] != "zone") return;
    facts::BuddyZone zone;
    std::string_view node = words[1];
    if (!node.empty() && node.back() == ',') node.remove_suffix(1);
    zone.node = static_cast<int>(need_u64(node, "buddyinfo node"));
    zone.zone = std::string(words[3]);
    for (size_t i = 4; i < words.size(); ++i)
      zone.free_blocks.push_back(need_u64(words[i], "buddyinfo"));
    zones.push_back(std::move(zone));
  });
  return zones;
}

facts::Psi parse_psi(std::string_view text) {
  facts::Psi psi;
  bool saw_some = false;
  for_each_line(text, [&](std::string_view line) {
    auto words = split_words(line);
    if (words.empty() || (words[0] != "some" && words[0] != "full")) return;
    facts::PsiLine parsed;
    for (size_t i = 1; i < words.size(); ++i) {
      size_t eq = words[i].find('=');
      if (eq == std::string_view::npos) continue;
      std::string_view key = words[i].substr(0, eq), value = words[i].substr(eq + 1);
      if (key == "avg10")
        parsed.avg10 = need_double(value, "psi avg10");
      else if (key == "avg60")
        parsed.avg60 = need_double(value, "psi avg60");
      else if (key == "avg300")
        parsed.avg300 = need_double(value, "psi avg300");
      else if (key == "total")
        parsed.total_us = need_u64(value, "psi total");
    }
    if (words[0] == "some") {
      psi.some = parsed;
      saw_some = true;
    } else {
      psi.full = parsed;
    }
  });
  if (!saw_some) fail(ErrorKind::internal, "pressure file has no \"some\" line");
  return psi;
}

std::vector<facts::SwapDevice> parse_swaps(std::string_view text) {
  std::vector<facts::SwapDevice> devices;
  bool header = true;
  for_each_line(text, [&](std::string_view line) {
    if (header) {  // "Filename Type Size Used Priority"
      header = false;
      return;
    }
    auto words = split_words(line);
    if (words.size() < 5) return;
    facts::SwapDevice device;
    device.filename = std::string(words[0]);
    device.type = std::string(words[1]);
    device.size_bytes = need_u64(words[2], "swaps size") * facts::kKiB;
    device.used_bytes = need_u64(words[3], "swaps used") * facts::kKiB;
    std::string_view priority = words[4];
    bool negative = !priority.empty() && priority.front() == '-';
    if (negative) priority.remove_prefix(1);
    device.priority = static_cast<int>(need_u64(priority, "swaps priority")) * (negative ? -1 : 1);
    devices.push_back(std::move(device));
  });
  return devices;
}

std::string parse_bracketed_choice(std::string_view text) {
  size_t open = text.find('[');
  size_t close = text.find(']', open == std::string_view::npos ? 0 : open);
  if (open == std::string_view::npos || close == std::string_view::npos)
    return std::string(trim(text));
  return std::string(text.substr(open + 1, close - open - 1));
}

std::vector<int> parse_cpulist(std::string_view text) {
  std::vector<int> ids;
  text = trim(text);
  while (!text.empty()) {
    size_t comma = text.find(',');
    std::string_view range = text.substr(0, comma);
    size_t dash = range.find('-');
    uint64_t first = need_u64(range.substr(0, dash), "cpu list");
    uint64_t last =
        dash == std::string_view::npos ? first : need_u64(range.substr(dash + 1), "cpu list");
    if (last < first || last > 65535)
      fail(ErrorKind::internal, "cpu list: bad range \"{}\"", range);
    for (uint64_t id = first; id <= last; ++id) ids.push_back(static_cast<int>(id));
    if (comma == std::string_view::npos) break;
    text.remove_prefix(comma + 1);
  }
  return ids;
}

facts::KernelInfo parse_kernel_release(std::string_view release) {
  facts::KernelInfo info;
  info.release = std::string(trim(release));
  int* parts[] = {&info.major, &info.minor, &info.patch};
  std::string_view rest = info.release;
  for (int* part : parts) {
    size_t digits = 0;
    while (digits < rest.size() && rest[digits] >= '0' && rest[digits] <= '9') ++digits;
    if (digits == 0) break;
    *part = static_cast<int>(need_u64(rest.substr(0, digits), "kernel release"));
    rest.remove_prefix(digits);
    if (rest.empty() || rest.front() != '.') break;
    rest.remove_prefix(1);
  }
  return info;
}

std::map<int, uint64_t> parse_numa_maps(std::string_view text) {
  std::map<int, uint64_t> pages;
  for_each_line(text, [&](std::string_view line) {
    for (std::string_view word : split_words(line)) {
      if (word.size() < 4 || word[0] != 'N') continue;
      size_t eq = word.find('=');
      if (eq == std::string_view::npos) continue;
      auto node = to_u64(word.substr(1, eq - 1));
      auto count = to_u64(word.substr(eq + 1));
      if (node && count) pages[static_cast<int>(*node)] += *count;
    }
  });
  return pages;
}

std::optional<CgroupMount> parse_cgroup_mount(std::string_view mountinfo, int version) {
  std::optional<CgroupMount> found;
  for_each_line(mountinfo, [&](std::string_view line) {
    // "35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory"
    if (found) return;
    size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) return;
    auto left = split_words(line.substr(0, dash));
    auto right = split_words(line.substr(dash + 3));
    if (left.size() < 5 || right.size() < 3) return;
    std::string_view fstype = right[0];
    std::string options = "," + std::string(right[2]) + ",";
    bool match = version == 2 ? fstype == "cgroup2"
                              : fstype == "cgroup" && options.find(",memory,") != std::string::npos;
    if (!match) return;
    std::string_view point = left[4];
    while (!point.empty() && point.front() == '/') point.remove_prefix(1);
    found = CgroupMount{std::string(point), std::string(left[3])};
  });
  return found;
}

facts::Counters parse_device_keys(std::string_view text) {
  facts::Counters counters;
  for_each_line(text, [&](std::string_view line) {
    auto words = split_words(line);
    if (words.size() < 2) return;
    for (size_t i = 1; i < words.size(); ++i) {
      size_t eq = words[i].find('=');
      if (eq == std::string_view::npos) continue;
      if (auto value = to_u64(words[i].substr(eq + 1))) {
        counters.values[fmt::format("{}.{}", words[0], words[i].substr(0, eq))] = *value;
      }
    }
  });
  return counters;
}

}  // namespace mmtune::probes
