#pragma once
// The knobs mmtune reads, reasons about and may change: one table, so the reader, the recorder,
// `mmtune model --set`, `sweep --knob`, `apply` and profile validation all agree on names, paths
// and the kernel's own accepted ranges. Names are sysctl names ("vm.swappiness") for /proc/sys, and
// "thp.*" for /sys/kernel/mm/transparent_hugepage.
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

namespace mmtune::facts {

enum class KnobKind { integer, choice };

// A mainline kernel version, for "which kernel first had this knob".
struct KernelVersion {
  int major = 0, minor = 0;
  // NOLINTNEXTLINE(modernize-use-nullptr): clang-tidy 14 misreads the defaulted comparison
  auto operator<=>(const KernelVersion&) const = default;
};

struct Knob {
  std::string name;  // "vm.dirty_ratio", "thp.defrag", "thp.hugepages-64kB.enabled"
  std::string path;  // relative host path: "proc/sys/vm/dirty_ratio"
  KnobKind kind = KnobKind::integer;
  int64_t min = 0,
          max = 0;  // accepted range (integer knobs), as the kernel's sysctl handler checks it
  std::string_view choices;  // "always|madvise|never" (choice knobs)
  std::string_view help;
  KernelVersion since;  // the mainline release that added the file (Documentation, git history)
};

// The static table (without per-size mTHP knobs, which depend on the host).
std::span<const Knob> static_knobs();
// Looks a knob up by name, including "thp.hugepages-<N>kB.enabled"; nullopt if unknown.
std::optional<Knob> find_knob(std::string_view name);
// True when a kernel of that version has the knob (a distribution kernel may have backported a
// newer one: the host's own files decide where they can be read; this decides where they cannot).
bool knob_exists_on(const Knob& knob, KernelVersion kernel);
// The same by name; false for an unknown name.
bool knob_exists_on(std::string_view name, KernelVersion kernel);
// Nearest known knob name, for "did you mean" (empty if nothing is close).
std::string suggest_knob(std::string_view name);
// Checks value against the knob's kernel range or choices; returns the reason it is invalid, or
// nullopt when the kernel would accept it.
std::optional<std::string> invalid_knob_value(const Knob& knob, std::string_view value);

}  // namespace mmtune::facts
