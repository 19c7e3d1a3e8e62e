#include "matrix/modules.hpp"

#include <algorithm>
#include <functional>

#include "matrix/process.hpp"

namespace mmtune::matrix {
namespace {

std::vector<std::string_view> split_words(std::string_view text) {
  std::vector<std::string_view> words;
  size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && (text[i] == ' ' || text[i] == '\t')) ++i;
    size_t start = i;
    while (i < text.size() && text[i] != ' ' && text[i] != '\t') ++i;
    if (i > start) words.push_back(text.substr(start, i - start));
  }
  return words;
}

bool is_module_path(std::string_view word) {
  for (std::string_view suffix : {".ko", ".ko.xz", ".ko.zst", ".ko.gz"}) {
    if (word.ends_with(suffix)) return true;
  }
  return false;
}

}  // namespace

std::string module_name(std::string_view path) {
  size_t slash = path.find_last_of('/');
  if (slash != std::string_view::npos) path.remove_prefix(slash + 1);
  size_t dot = path.find(".ko");
  if (dot != std::string_view::npos) path = path.substr(0, dot);
  std::string name(path);
  std::replace(name.begin(), name.end(), '-', '_');
  return name;
}

ModuleIndex parse_module_index(std::string_view depmod_output, std::string_view modules_builtin) {
  ModuleIndex index;
  for (std::string_view line : trimmed_lines(depmod_output)) {
    if (line.empty() || line.starts_with('#')) continue;
    if (line.starts_with("softdep ")) {
      std::vector<std::string_view> words = split_words(line);
      if (words.size() < 2) continue;
      std::string name = module_name(words[1]);
      bool in_pre = false;
      for (size_t i = 2; i < words.size(); ++i) {
        if (words[i] == "pre:")
          in_pre = true;
        else if (words[i] == "post:")
          in_pre = false;
        else if (in_pre)
          index.softdep_pre[name].push_back(module_name(words[i]));
      }
      continue;
    }
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || !is_module_path(line.substr(0, colon))) continue;
    std::string path(line.substr(0, colon));
    std::string name = module_name(path);
    index.path_of[name] = path;
    std::vector<std::string>& deps = index.depends[name];
    for (std::string_view dep : split_words(line.substr(colon + 1)))
      deps.push_back(module_name(dep));
  }
  for (std::string_view line : trimmed_lines(modules_builtin)) {
    if (!line.empty()) index.builtin.insert(module_name(line));
  }
  return index;
}

ModulePlan plan_module_loads(const ModuleIndex& index, const std::vector<std::string>& wanted) {
  ModulePlan plan;
  std::set<std::string, std::less<>> visited;
  std::function<void(const std::string&, bool)> visit = [&](const std::string& name,
                                                            bool required) {
    if (!visited.insert(name).second) return;
    if (index.builtin.contains(name)) {
      if (required) plan.builtin.push_back(name);
      return;
    }
    auto path = index.path_of.find(name);
    if (path == index.path_of.end()) {
      if (required) plan.missing.push_back(name);
      return;
    }
    if (auto soft = index.softdep_pre.find(name); soft != index.softdep_pre.end()) {
      for (const std::string& pre : soft->second) visit(pre, false);
    }
    if (auto deps = index.depends.find(name); deps != index.depends.end()) {
      // modules.dep lists the whole closure with the deepest dependency last; modprobe loads
      // from the end. Recursing keeps that right even when the list is not in that order.
      for (auto dep = deps->second.rbegin(); dep != deps->second.rend(); ++dep) visit(*dep, true);
    }
    plan.load_paths.push_back(path->second);
  };
  for (const std::string& name : wanted) visit(module_name(name), true);
  return plan;
}

}  // namespace mmtune::matrix
