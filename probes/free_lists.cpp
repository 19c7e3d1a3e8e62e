#include "probes/free_lists.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <charconv>

#include "facts/error.hpp"
#include "probes/parsers.hpp"
#include "probes/text.hpp"

namespace mmtune::probes {
namespace {

std::string_view without_comma(std::string_view word) {
  if (!word.empty() && word.back() == ',') word.remove_suffix(1);
  return word;
}

uint64_t number(std::string_view word, std::string_view what) {
  uint64_t value = 0;
  auto [ptr, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || ptr != word.data() + word.size())
    fail(ErrorKind::internal, "{}: \"{}\" is not a number", what, word);
  return value;
}

int node_number(std::string_view word, std::string_view what) {
  return static_cast<int>(number(without_comma(word), what));
}

// A free-list count: the kernel stops counting a list at 100000 and prints ">100000", which is
// kept as 100000 (a lower bound; such a list is far from short of blocks).
uint64_t free_count(std::string_view word) {
  if (word.starts_with('>')) word.remove_prefix(1);
  return number(word, "pagetypeinfo");
}

// "Node    0, zone   Normal, type      Movable      0      1 …"
void add_free_line(facts::PageTypeInfo& info, const std::vector<std::string_view>& words) {
  const int node = node_number(words[1], "pagetypeinfo node");
  const std::string zone(without_comma(words[3]));
  std::vector<uint64_t> counts;
  for (size_t i = 6; i < words.size(); ++i) counts.push_back(free_count(words[i]));
  auto found = std::find_if(info.zones.begin(), info.zones.end(),
                            [&](const auto& z) { return z.node == node && z.zone == zone; });
  if (found == info.zones.end()) {
    info.zones.push_back({node, zone, {}, {}});
    found = info.zones.end() - 1;
  }
  found->free_blocks[std::string(words[5])] = std::move(counts);
}

// "Node 0, zone   Normal          193         5671 …" under the "Number of blocks type" header.
void add_blocks_line(facts::PageTypeInfo& info, const std::vector<std::string_view>& words,
                     const std::vector<std::string>& types) {
  const int node = node_number(words[1], "pagetypeinfo node");
  const std::string zone(words[3]);
  auto found = std::find_if(info.zones.begin(), info.zones.end(),
                            [&](const auto& z) { return z.node == node && z.zone == zone; });
  if (found == info.zones.end()) {
    info.zones.push_back({node, zone, {}, {}});
    found = info.zones.end() - 1;
  }
  for (size_t i = 4; i < words.size() && i - 4 < types.size(); ++i)
    found->pageblocks[types[i - 4]] = number(words[i], "pagetypeinfo blocks");
}

// "-1.000" → -1000, " 0.930" → 930: the kernel prints index / 1000 and index % 1000.
int thousandths(std::string_view word) {
  const bool negative = word.starts_with('-');
  if (negative) word.remove_prefix(1);
  const size_t dot = word.find('.');
  if (dot == std::string_view::npos || word.size() - dot != 4)
    fail(ErrorKind::internal, "debugfs index: \"{}\" is not d.ddd", word);
  const auto whole = number(word.substr(0, dot), "debugfs index");
  const auto fraction = number(word.substr(dot + 1), "debugfs index");
  const auto value = static_cast<int>(whole * 1000 + fraction);
  return negative ? -value : value;
}

std::optional<std::string> mount_point_of_type(std::string_view mountinfo, std::string_view type) {
  // "30 23 0:7 / /sys/kernel/debug rw,nosuid,nodev,noexec,relatime shared:11 - debugfs debugfs rw"
  for (std::string_view line : split_lines(mountinfo)) {
    const size_t dash = line.find(" - ");
    if (dash == std::string_view::npos) continue;
    auto after = split_words(line.substr(dash + 3));
    if (after.empty() || after[0] != type) continue;
    auto fields = split_words(line.substr(0, dash));
    if (fields.size() >= 5 && fields[3] == "/") return std::string(fields[4]);
  }
  return std::nullopt;
}

std::optional<uint64_t> read_count(const HostFs& fs, const std::string& rel) {
  auto text = fs.read(rel);
  if (!text) return std::nullopt;
  return number(trim(*text), rel);
}

std::vector<facts::ZoneOrderIndex> read_index(const HostFs& fs, std::string_view debugfs_dir,
                                              std::string_view file) {
  auto text = fs.read(fmt::format("{}/extfrag/{}", debugfs_dir, file));
  return text ? parse_zone_order_index(*text) : std::vector<facts::ZoneOrderIndex>{};
}

std::string pool_dir_name(uint64_t page_bytes) {
  return fmt::format("hugepages-{}kB", page_bytes / facts::kKiB);
}

void read_pool_nodes(const HostFs& fs, facts::HugetlbPool& pool) {
  const std::string name = pool_dir_name(pool.page_bytes);
  for (const std::string& entry : fs.list("sys/devices/system/node")) {
    if (!entry.starts_with("node") || entry.size() < 5) continue;
    int node = 0;
    auto [ptr, ec] = std::from_chars(entry.data() + 4, entry.data() + entry.size(), node);
    if (ec != std::errc() || ptr != entry.data() + entry.size()) continue;
    const std::string dir = fmt::format("sys/devices/system/node/{}/hugepages/{}/", entry, name);
    if (auto total = read_count(fs, dir + "nr_hugepages")) pool.node_total[node] = *total;
    if (auto free = read_count(fs, dir + "free_hugepages")) pool.node_free[node] = *free;
  }
}

}  // namespace

facts::PageTypeInfo parse_pagetypeinfo(std::string_view text) {
  facts::PageTypeInfo info;
  enum class Table { none, free, blocks, other } table = Table::none;
  std::vector<std::string> block_types;
  for (std::string_view line : split_lines(text)) {
    auto words = split_words(line);
    if (words.empty()) continue;
    if (line.starts_with("Page block order:")) {
      info.pageblock_order = static_cast<int>(number(words.back(), "pagetypeinfo block order"));
    } else if (line.starts_with("Free pages count per migrate type")) {
      table = Table::free;
    } else if (line.starts_with("Number of blocks type")) {
      table = Table::blocks;
      block_types.assign(words.begin() + 4, words.end());
    } else if (words[0] != "Node") {
      table = Table::other;  // "Number of mixed blocks", or a table this parser does not know
    } else if (table == Table::free && words.size() >= 6 && words[4] == "type") {
      add_free_line(info, words);
    } else if (table == Table::blocks && words.size() >= 4) {
      add_blocks_line(info, words, block_types);
    }
  }
  return info;
}

std::vector<facts::ZoneOrderIndex> parse_zone_order_index(std::string_view text) {
  std::vector<facts::ZoneOrderIndex> zones;
  for (std::string_view line : split_lines(text)) {
    auto words = split_words(line);
    if (words.size() < 4 || words[0] != "Node" || words[2] != "zone") continue;
    facts::ZoneOrderIndex zone{
        node_number(words[1], "debugfs index node"), std::string(words[3]), {}};
    for (size_t i = 4; i < words.size(); ++i) zone.milli.push_back(thousandths(words[i]));
    zones.push_back(std::move(zone));
  }
  return zones;
}

std::optional<std::string> debugfs_mount_point(std::string_view mountinfo) {
  return mount_point_of_type(mountinfo, "debugfs");
}

std::optional<uint64_t> hugetlb_page_bytes(std::string_view dir_name) {
  if (!dir_name.starts_with("hugepages-") || !dir_name.ends_with("kB")) return std::nullopt;
  std::string_view digits = dir_name.substr(10, dir_name.size() - 12);
  uint64_t kib = 0;
  auto [ptr, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), kib);
  if (ec != std::errc() || ptr != digits.data() + digits.size() || kib == 0) return std::nullopt;
  return kib * facts::kKiB;
}

std::optional<facts::PageTypeInfo> read_pagetypeinfo(const HostFs& fs) {
  auto text = fs.read("proc/pagetypeinfo");
  if (!text) return std::nullopt;
  return parse_pagetypeinfo(*text);
}

std::vector<facts::ZoneOrderIndex> read_extfrag_index(const HostFs& fs,
                                                      std::string_view debugfs_dir) {
  return read_index(fs, debugfs_dir, "extfrag_index");
}

std::vector<facts::ZoneOrderIndex> read_unusable_index(const HostFs& fs,
                                                       std::string_view debugfs_dir) {
  return read_index(fs, debugfs_dir, "unusable_index");
}

std::string hugetlb_pool_file(uint64_t page_bytes) {
  return fmt::format("sys/kernel/mm/hugepages/{}/nr_hugepages", pool_dir_name(page_bytes));
}

std::optional<facts::HugetlbPool> read_hugetlb_pool(const HostFs& fs, uint64_t page_bytes) {
  const std::string dir = "sys/kernel/mm/hugepages/" + pool_dir_name(page_bytes) + "/";
  auto total = read_count(fs, dir + "nr_hugepages");
  if (!total) return std::nullopt;
  facts::HugetlbPool pool;
  pool.page_bytes = page_bytes;
  pool.total = *total;
  pool.free = read_count(fs, dir + "free_hugepages").value_or(0);
  pool.reserved = read_count(fs, dir + "resv_hugepages").value_or(0);
  pool.surplus = read_count(fs, dir + "surplus_hugepages").value_or(0);
  read_pool_nodes(fs, pool);
  return pool;
}

std::vector<facts::HugetlbPool> read_hugetlb_pools(const HostFs& fs) {
  std::vector<uint64_t> sizes;
  for (const std::string& entry : fs.list("sys/kernel/mm/hugepages")) {
    if (auto bytes = hugetlb_page_bytes(entry)) sizes.push_back(*bytes);
  }
  std::sort(sizes.begin(), sizes.end());
  std::vector<facts::HugetlbPool> pools;
  for (uint64_t bytes : sizes) {
    if (auto pool = read_hugetlb_pool(fs, bytes)) pools.push_back(std::move(*pool));
  }
  return pools;
}

}  // namespace mmtune::probes
