#include "tests/support/fake_host.hpp"

#include <filesystem>

namespace mmtune::test {

FakeHost::FakeHost() {
  write_text(root.path() / "proc/meminfo", "MemTotal: 1000 kB\n");
  write_text(root.path() / "proc/sys/vm/swappiness", "60\n");
  write_text(root.path() / "proc/sys/vm/dirty_ratio", "20\n");
  write_text(root.path() / "proc/sys/vm/dirty_bytes", "0\n");
  write_text(root.path() / "sys/kernel/mm/transparent_hugepage/enabled",
             "always [madvise] never\n");
  std::filesystem::create_directories(root.path() / "sys/fs/cgroup/memory");
}

std::string FakeHost::at(const std::string& rel) const { return slurp(root.path() / rel); }

std::string FakeHost::value(const std::string& rel) const { return trimmed(at(rel)); }

size_t FakeHost::journals() const { return journal_files(state.path()); }

std::vector<std::string> FakeHost::args(std::vector<std::string> rest) const {
  std::vector<std::string> all = {"--root", root.path().string()};
  all.insert(all.end(), rest.begin(), rest.end());
  all.push_back("--state-dir");
  all.push_back(state.path().string());
  return all;
}

}  // namespace mmtune::test
