#pragma once
// JSON that remembers where each value was written, so a data file with a mistake gets an error
// naming its file, line and field ("profiles/db.json:14: goals.swap: …").
//
// nlohmann's SAX parser reports no positions, so the text is fed through an iterator that counts
// the newlines it hands to the lexer: when the parser reports a key, the lexer has just read the
// key's closing quote, so the count is the key's line. Array elements get the line of their first
// character (a number is reported after one character of look-ahead; that character is not counted
// when it was the newline).
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace mmtune::advisor {

// clang-tidy's bugprone-exception-escape reports the implicit special members, which only copy or
// move a json and a std::map; nothing here throws on its own.
// NOLINTNEXTLINE(bugprone-exception-escape)
struct LocatedJson {
  nlohmann::json value;
  // JSON pointer ("/goals/swap", "/scenarios/quick/steps/0") → 1-based line of its key or element.
  std::map<std::string, int, std::less<>> lines;

  // The line of pointer, or of its nearest ancestor that has one (1 for the document).
  int line_of(std::string_view pointer) const;
};

// Parses text. Throws Error{bad_input} "LABEL:LINE: …" for a syntax error or a key that appears
// twice in one object (nlohmann would silently keep the last).
LocatedJson parse_located(std::string_view text, std::string_view label);

// "/scenarios/quick/steps/0/workload" → "scenarios.quick.steps[0].workload", for messages.
std::string field_name(std::string_view pointer);

}  // namespace mmtune::advisor
