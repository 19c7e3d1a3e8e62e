#pragma once
// Where each rule comes from: kernel documentation and source, tuned's profiles and vendors'
// guidance (summed up in docs/advice.md). Rules and profiles cite sources by
// id, so a recommendation always says on whose word it stands, and the profile test checks every
// id a profile names.
#include <optional>
#include <span>
#include <string_view>

namespace mmtune::advisor {

enum class SourceKind { kernel, tuned, vendor };

struct Source {
  std::string_view id;  // "kernel-vm-rst"
  SourceKind kind;
  std::string_view title;  // "Linux: Documentation/admin-guide/sysctl/vm.rst"
  std::string_view where;  // a URL or repository path
  bool primary;            // the vendor's or kernel's own text (false: a secondary page)
};

std::span<const Source> all_sources();
// nullopt for an unknown id.
std::optional<Source> find_source(std::string_view id);
std::string_view source_kind_name(SourceKind kind);

}  // namespace mmtune::advisor
