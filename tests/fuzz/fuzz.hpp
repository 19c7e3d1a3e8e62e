#pragma once
// What every fuzz target shares: the input as text, the one rule for what a parser may do with
// text it cannot read, and a recorded-host tree built from the input for the readers.
//
// The rule: a parser of outside text either returns or throws mmtune::Error of the kind its header
// promises (bad_input for documents a user hands mmtune; internal or bad_input for kernel files,
// as probes/parsers.hpp says). Anything else — another exception (nlohmann's type_error reaches
// the user as "internal error", exit 4), a sanitizer report, a hang — is a finding.
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <initializer_list>
#include <string>
#include <string_view>
#include <vector>

#include "facts/error.hpp"

namespace mmtune::fuzz {

inline std::string_view as_text(const uint8_t* data, size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

template <typename F>
void refused_cleanly(std::initializer_list<ErrorKind> allowed, F&& parse) {
  try {
    parse();
  } catch (const Error& e) {
    for (ErrorKind kind : allowed)
      if (e.kind() == kind) return;
    std::fprintf(stderr, "refused with the wrong kind of error (%d): %s\n",
                 static_cast<int>(e.kind()), e.what());
    std::abort();
  }
}

// Splits text at every `separator` byte: parts for targets that take several texts.
std::vector<std::string_view> split(std::string_view text, char separator);

// A recorded host in a directory of its own, made from the input: records "PATH\x02CONTENT",
// separated by \x01 (tests/fuzz/seeds.cmake writes every recorded host under tests/data/hosts
// this way). A path is kept only when it is relative, under proc/ or sys/, without "..", and of
// plain characters, so no input can write outside the tree. proc/1 links to proc/self, so the
// readers of a process find the recorded one.
class HostTree {
 public:
  HostTree();
  ~HostTree();
  HostTree(const HostTree&) = delete;
  HostTree& operator=(const HostTree&) = delete;

  // Empties the tree and writes the records of text.
  void reset(std::string_view text);
  // Writes the records of text over what is there (files it does not name stay).
  void overwrite(std::string_view text);
  const std::filesystem::path& root() const { return root_; }

 private:
  std::filesystem::path root_;
};

}  // namespace mmtune::fuzz
