#include "matrix/report.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>

#include "matrix/guest.hpp"

namespace mmtune::matrix {
namespace {

constexpr size_t kCellWidth = 40;
constexpr size_t kCellLines = 4;

std::string format_number(double value) {
  if (std::isfinite(value) && value == std::floor(value) && std::fabs(value) < 1e15)
    return fmt::format("{:.0f}", value);
  return fmt::format("{:.4g}", value);
}

std::string scalar_text(const nlohmann::json& value) {
  if (value.is_string()) return value.get<std::string>();
  if (value.is_boolean()) return value.get<bool>() ? "yes" : "no";
  if (value.is_number()) return format_number(value.get<double>());
  if (value.is_null()) return "—";
  return value.dump();
}

std::string with_unit(const nlohmann::json& entry) {
  std::string unit = entry.value("unit", "");
  const nlohmann::json value = entry.value("value", nlohmann::json());
  if (unit == "bool" && value.is_number()) return value.get<double>() != 0 ? "yes" : "no";
  std::string text = scalar_text(value);
  return unit.empty() ? text : text + " " + unit;
}

void add_result_rows(const nlohmann::json& result, const std::string& prefix,
                     std::vector<std::pair<std::string, std::string>>& rows) {
  if (result.contains("verdict") && result["verdict"].is_object()) {
    const nlohmann::json& verdict = result["verdict"];
    std::string text = verdict.value("status", "?");
    if (std::string reason = verdict.value("reason", ""); !reason.empty()) text += ": " + reason;
    rows.emplace_back(prefix + "verdict", text);
  }
  // A workload states its conclusion in an explanation line that starts "finding: ".
  if (result.contains("explanation") && result["explanation"].is_array()) {
    for (const nlohmann::json& line : result["explanation"]) {
      std::string text = line.is_string() ? line.get<std::string>() : "";
      if (text.starts_with("finding: ")) rows.emplace_back(prefix + "finding", text.substr(9));
    }
  }
  // A measurement the model predicted carries the model's value and whether they agree in its own
  // cell, so the column reads as one verdict per kernel; other predictions get "model:" rows.
  std::map<std::string, const nlohmann::json*> compared;
  if (result.contains("comparisons") && result["comparisons"].is_array()) {
    for (const nlohmann::json& c : result["comparisons"]) compared[c.value("metric", "")] = &c;
  }
  std::map<std::string, const nlohmann::json*> predicted;
  if (result.contains("predictions")) {
    for (const nlohmann::json& p : result["predictions"]) {
      if (std::string metric = p.value("metric", ""); compared.contains(metric))
        predicted[metric] = &p;
    }
  }
  if (result.contains("measurements")) {
    for (const nlohmann::json& m : result["measurements"]) {
      std::string name = m.value("name", "?");
      std::string text = with_unit(m);
      auto c = compared.find(name);
      auto p = predicted.find(name);
      if (c != compared.end() && p != predicted.end()) {
        const nlohmann::json within = c->second->value("within", nlohmann::json());
        text += fmt::format(
            " (model: {}{})", with_unit(*p->second),
            within.is_boolean() ? (within.get<bool>() ? ", agrees" : ", DISAGREES") : "");
      }
      rows.emplace_back(prefix + name, text);
    }
  }
  if (result.contains("predictions")) {
    for (const nlohmann::json& p : result["predictions"]) {
      std::string name = p.value("metric", "");
      if (!name.empty() && predicted.contains(name)) continue;
      if (name.empty()) name = p.value("name", "?");
      rows.emplace_back(prefix + "model: " + name, with_unit(p));
    }
  }
}

size_t display_width(std::string_view text);

// A cell's text in lines of at most kCellWidth characters, broken at spaces; at most kCellLines
// lines (the JSON has everything).
std::vector<std::string> wrap(std::string text) {
  std::replace(text.begin(), text.end(), '\n', ' ');
  std::vector<std::string> lines;
  std::string line;
  size_t start = 0;
  while (start <= text.size()) {
    size_t end = text.find(' ', start);
    if (end == std::string::npos) end = text.size();
    std::string word = text.substr(start, end - start);
    start = end + 1;
    if (!line.empty() && display_width(line) + 1 + display_width(word) > kCellWidth) {
      lines.push_back(line);
      line.clear();
    }
    line += (line.empty() ? "" : " ") + word;
  }
  if (!line.empty() || lines.empty()) lines.push_back(line);
  if (lines.size() > kCellLines) {
    lines.resize(kCellLines);
    lines.back() += " …";
  }
  return lines;
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for (char c : text) width += (uint8_t(c) & 0xC0) != 0x80;
  return width;
}

std::string pad(const std::string& text, size_t width) {
  size_t shown = display_width(text);
  return text + std::string(width > shown ? width - shown : 0, ' ');
}

std::string seconds(const std::optional<double>& value) {
  return value ? fmt::format("{:.1f} s", *value) : std::string("—");
}

}  // namespace

std::string emulation_note(const MatrixOptions& options) {
  std::string note =
      "Guests run under full emulation (QEMU TCG): timings are several times slower than on "
      "hardware and are "
      "not tuning evidence; data loss, placement and policy results are.";
  if (options.numa_nodes >= 2) {
    note += fmt::format(
        " The {} NUMA nodes are emulated: remote memory costs the same as local (distance {} is "
        "only a table "
        "entry), so NUMA penalties measured here are not tuning evidence.",
        options.numa_nodes, options.numa_distance);
  }
  return note;
}

std::vector<std::pair<std::string, std::string>> result_rows(const nlohmann::json& result) {
  std::vector<std::pair<std::string, std::string>> rows;
  if (!result.is_object()) return rows;
  if (result.contains("results") && result["results"].is_array()) {
    for (const nlohmann::json& one : result["results"]) {
      add_result_rows(one, one.value("workload", "?") + ": ", rows);
    }
  } else if (result.contains("verdict") || result.contains("measurements")) {
    add_result_rows(result, "", rows);
  }
  if (rows.empty()) {
    for (const auto& [key, value] : result.items()) {
      if (value.is_primitive()) rows.emplace_back(key, scalar_text(value));
    }
  }
  return rows;
}

nlohmann::json matrix_json(const MatrixResult& result) {
  const MatrixOptions& options = result.options;
  nlohmann::json out;
  out["schema"] = kMatrixSchema;
  out["command"] = options.command;
  out["emulation"] = {
      {"accelerator", "tcg"},
      {"qemu", result.qemu_version},
      {"cpus", options.cpus},
      {"memory_mib", options.memory_mib},
      {"numa_nodes", std::max(1, options.numa_nodes)},
      {"numa_nodes_emulated", options.numa_nodes >= 2},
      {"numa_distance",
       options.numa_nodes >= 2 ? nlohmann::json(options.numa_distance) : nlohmann::json()},
      {"timeout_s", options.timeout.count()},
      {"note", emulation_note(options)}};
  out["kernels"] = nlohmann::json::array();
  for (const KernelRun& run : result.runs) {
    nlohmann::json k{{"label", run.label}, {"status", run_status_name(run.status)}};
    if (!run.problem.empty()) k["problem"] = run.problem;
    if (run.kernel) {
      k["release"] = run.kernel->release;
      k["vmlinuz"] = run.kernel->vmlinuz.string();
      if (!run.kernel->package.empty()) {
        k["package"] = run.kernel->package;
        k["package_version"] = run.kernel->package_version;
      }
    }
    if (run.status != RunStatus::skipped || !run.image.modules_loaded.empty()) {
      k["modules_loaded"] = run.image.modules_loaded;
      k["modules_builtin"] = run.image.modules_builtin;
      k["initramfs_bytes"] = run.image.bytes;
      k["guest_cmdline"] = run.guest_cmdline;
      k["disk"] = {{"device", "/dev/vda"},
                   {"filesystem", "ext4"},
                   {"host_cache", run.disk_cache_none ? "none" : "writeback"}};
      k["boot_s"] = run.boot_s ? nlohmann::json(*run.boot_s) : nlohmann::json();
      k["command_s"] = run.command_s ? nlohmann::json(*run.command_s) : nlohmann::json();
      k["wall_s"] = run.wall_s;
      k["exit_code"] = run.exit_code;
      k["stdout"] = run.out;
      k["stderr"] = run.err;
      k["result"] = run.result ? *run.result : nlohmann::json();
      k["kernel_warnings"] = run.kernel_warnings;
      k["leftovers"] = run.leftovers ? nlohmann::json(*run.leftovers) : nlohmann::json();
      if (!run.restore_out.empty()) k["restore"] = run.restore_out;
      if (!run.console_tail.empty()) k["console_tail"] = run.console_tail;
      if (!run.panic_before_init.empty()) k["panic_before_init"] = run.panic_before_init;
    }
    out["kernels"].push_back(std::move(k));
  }
  out["exit_code"] = matrix_exit_code(result);
  return out;
}

std::string render_table(const MatrixResult& result) {
  // Rows in first-seen order; a cell (possibly several lines) per kernel.
  std::vector<std::string> row_names;
  std::map<std::string, std::vector<std::vector<std::string>>> cells;
  size_t columns = result.runs.size();
  auto set = [&](const std::string& row, size_t column, std::string value) {
    auto [it, added] = cells.try_emplace(row, std::vector<std::vector<std::string>>(columns, {""}));
    if (added) row_names.push_back(row);
    it->second[column] = wrap(std::move(value));
  };
  for (size_t c = 0; c < columns; ++c) {
    const KernelRun& run = result.runs[c];
    set("kernel", c, run.kernel ? run.kernel->release : "—");
    std::string status(run_status_name(run.status));
    if (run.status == RunStatus::ran) status += fmt::format(" (exit {})", run.exit_code);
    set("status", c, status);
    if (run.status == RunStatus::skipped) continue;
    set("boot to /init", c, seconds(run.boot_s));
    set("command time", c, seconds(run.command_s));
    set("kernel warnings", c, std::to_string(run.kernel_warnings.size()));
    if (run.leftovers) {
      set("left behind", c,
          run.leftovers->empty() ? "nothing" : fmt::format("{}", fmt::join(*run.leftovers, "; ")));
    }
    if (run.result) {
      for (auto& [name, value] : result_rows(*run.result)) set(name, c, value);
    } else if (run.status == RunStatus::ran) {
      std::string first_line = run.out.substr(0, run.out.find('\n'));
      set("output", c, first_line.empty() ? "(no output)" : first_line);
    }
  }
  std::vector<size_t> widths(columns + 1, 0);
  widths[0] = 6;
  for (const std::string& row : row_names) widths[0] = std::max(widths[0], display_width(row));
  for (size_t c = 0; c < columns; ++c) {
    widths[c + 1] = display_width(result.runs[c].label);
    for (const std::string& row : row_names) {
      for (const std::string& line : cells[row][c])
        widths[c + 1] = std::max(widths[c + 1], display_width(line));
    }
  }
  std::string table = pad("", widths[0]);
  for (size_t c = 0; c < columns; ++c) table += "  " + pad(result.runs[c].label, widths[c + 1]);
  while (table.ends_with(' ')) table.pop_back();
  table += "\n";
  for (const std::string& row : row_names) {
    size_t lines = 1;
    for (size_t c = 0; c < columns; ++c) lines = std::max(lines, cells[row][c].size());
    for (size_t l = 0; l < lines; ++l) {
      std::string line = pad(l == 0 ? row : "", widths[0]);
      for (size_t c = 0; c < columns; ++c) {
        const std::vector<std::string>& cell = cells[row][c];
        line += "  " + pad(l < cell.size() ? cell[l] : "", widths[c + 1]);
      }
      while (line.ends_with(' ')) line.pop_back();
      table += line + "\n";
    }
  }
  for (const KernelRun& run : result.runs) {
    if (!run.problem.empty()) table += fmt::format("\n{}: {}\n", run.label, run.problem);
    if (!run.console_tail.empty())
      table += fmt::format("console tail of {}:\n{}\n", run.label, run.console_tail);
    if (run.status == RunStatus::ran && run.exit_code != 0 && !run.err.empty()) {
      table += fmt::format("\n{} stderr:\n{}", run.label, run.err);
    }
    for (const std::string& warning : run.kernel_warnings)
      table += fmt::format("{} dmesg: {}\n", run.label, warning);
    if (!run.restore_out.empty())
      table += fmt::format("\n{} mmtune restore:\n{}", run.label, run.restore_out);
  }
  table += "\nNote: " + emulation_note(result.options) + "\n";
  return table;
}

}  // namespace mmtune::matrix
