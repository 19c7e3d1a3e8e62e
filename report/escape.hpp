#pragma once
// Text and attribute values for HTML, inline SVG and XML 1.0 (JUnit): & < > " ' as entities (' as
// &#39;, which HTML and XML both read); the control characters XML 1.0 forbids (all below 0x20 but
// tab, newline and carriage return), which HTML reports as parse errors, are dropped.
#include <string>
#include <string_view>

namespace mmtune::report {

std::string escape_markup(std::string_view text);

}  // namespace mmtune::report
