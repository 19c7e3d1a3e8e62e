#pragma once
// A fake host tree for code that reads and writes the host through HostFs (the journal, apply,
// restore) and for the mmtune binary pointed at it with --root: a few /proc/sys and /sys files
// with their usual values, and a state directory for journals. Nothing here touches the real host.
#include <string>
#include <vector>

#include "probes/host_fs.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::test {

struct FakeHost {
  TempDir root, state;

  // proc/meminfo, proc/sys/vm/{swappiness 60, dirty_ratio 20, dirty_bytes 0}, THP enabled
  // "always [madvise] never", and an empty memory cgroup directory.
  FakeHost();
  probes::HostFs fs() const { return probes::HostFs(root.path()); }
  // A file of the tree as it is, newline included ("60\n").
  std::string at(const std::string& rel) const;
  // The same without trailing newlines and spaces ("60"), as mmtune prints values.
  std::string value(const std::string& rel) const;
  // Journal files in the state directory.
  size_t journals() const;
  // mmtune arguments that point it at this tree: --root ROOT REST... --state-dir STATE.
  std::vector<std::string> args(std::vector<std::string> rest) const;
};

}  // namespace mmtune::test
