#pragma once
// What `mmtune apply FILE` reads: the knob changes an advice document or a sysctl.d file asks for.
//
//   advice JSON   "mmtune.advice/1" (mmtune advise --json), or "mmtune.tune/1" holding one
//                 (mmtune tune): every recommendation whose action is "set", knob = recommended
//   sysctl.d      "name = value" lines (sysctl.d(5)): '#' and ';' start comments, a leading '-'
//                 means "skip it where this host lacks the knob", '/' separators work as '.'
//
// Every name must be a knob of facts/knobs.hpp (mmtune changes the memory manager's knobs, not
// arbitrary sysctls) and every value one the kernel's range accepts; a knob given twice is an
// error. The first problem is an Error{bad_input} naming the file and line (or recommendation).
#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::advisor {

struct RequestedChange {
  std::string knob;       // "vm.swappiness"
  std::string value;      // "10"
  std::string origin;     // "advice.json: recommendations[2]", "90-mmtune.conf:12"
  bool optional = false;  // sysctl.d "-name = value": skipped where the host lacks the knob
};

// label names the input in errors ("advice.json").
std::vector<RequestedChange> parse_change_file(std::string_view text, std::string_view label);
// Reads path (Error{bad_input} when it cannot be read) and parses it.
std::vector<RequestedChange> read_change_file(const std::filesystem::path& path);

}  // namespace mmtune::advisor
