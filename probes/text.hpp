#pragma once
// Splitting the text of /proc, /sys and /etc files: views into the text, no copies.
#include <string_view>
#include <vector>

namespace mmtune::probes {

// The words of a line, split on spaces and tabs.
std::vector<std::string_view> split_words(std::string_view line);
// The lines of a text, without their '\n'; a last line without one counts too.
std::vector<std::string_view> split_lines(std::string_view text);

}  // namespace mmtune::probes
