// Lines of keys and elements in a JSON text, and errors that name them.
#include "advisor/located_json.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"

namespace mmtune::advisor {
namespace {

constexpr const char* kText = R"({
  "name": "x",
  "goals": {
    "swap": "avoid",
    "budget": 200
  },
  "list": [
    1,
    {"a": true},
    "s"
  ]
})";

TEST(LocatedJson, KeysAndElementsHaveTheirLines) {
  LocatedJson doc = parse_located(kText, "t.json");
  EXPECT_EQ(doc.value["goals"]["budget"], 200);
  EXPECT_EQ(doc.line_of("/name"), 2);
  EXPECT_EQ(doc.line_of("/goals"), 3);
  EXPECT_EQ(doc.line_of("/goals/swap"), 4);
  EXPECT_EQ(doc.line_of("/goals/budget"),
            5);  // a number before a newline: the look-ahead is not counted
  EXPECT_EQ(doc.line_of("/list/0"), 8);
  EXPECT_EQ(doc.line_of("/list/1"), 9);
  EXPECT_EQ(doc.line_of("/list/1/a"), 9);
  EXPECT_EQ(doc.line_of("/list/2"), 10);
  // Absent pointers fall back to the nearest ancestor.
  EXPECT_EQ(doc.line_of("/goals/missing"), 3);
  EXPECT_EQ(doc.line_of(""), 1);
}

TEST(LocatedJson, SyntaxErrorNamesTheLine) {
  try {
    parse_located("{\n  \"a\": 1,\n  \"b\" 2\n}", "bad.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_EQ(std::string(e.what()).rfind("bad.json:3: ", 0), 0u) << e.what();
  }
}

TEST(LocatedJson, DuplicateKeyIsAnError) {
  try {
    parse_located("{\n  \"a\": 1,\n  \"a\": 2\n}", "dup.json");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "dup.json:3: a: appears twice in the same object");
  }
}

TEST(LocatedJson, FieldNamesForMessages) {
  EXPECT_EQ(field_name("/scenarios/quick/steps/0/workload"), "scenarios.quick.steps[0].workload");
  EXPECT_EQ(field_name(""), "(document)");
  EXPECT_EQ(field_name("/a~1b"), "a/b");
}

}  // namespace
}  // namespace mmtune::advisor
