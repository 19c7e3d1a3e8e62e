#include "workloads/params.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"
#include "facts/units.hpp"

namespace mmtune::workloads {
namespace {

constexpr Param kTable[] = {
    {"size", ParamKind::size, "bytes", "1MiB", "memory", 4096, 1 << 30},
    {"sizes", ParamKind::size_list, "bytes", "1MiB,2MiB", "memories", 4096},
    {"threads", ParamKind::integer, "threads", "1", "threads", 1, 8},
    {"duration", ParamKind::duration, "s", "100ms", "time", 0.01, 10},
    {"pattern", ParamKind::choice, "choice", "seq", "order", 0, 0, "seq|random"},
    {"fractions", ParamKind::fraction_list, "fraction", "0.25,1", "written"},
};

using Given = std::vector<std::pair<std::string, std::string>>;

std::string error_of(const Given& given) {
  try {
    parse_params(kTable, given);
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    return e.what();
  }
  return "";
}

TEST(ParseParams, DefaultsAndGivenValues) {
  ParamValues values = parse_params(kTable, Given{{"size", "2MiB"}, {"pattern", "random"}});
  EXPECT_EQ(values.bytes("size"), 2u << 20);
  EXPECT_FALSE(values.at("size").defaulted);
  EXPECT_EQ(values.integer("threads"), 1);
  EXPECT_TRUE(values.at("threads").defaulted);
  EXPECT_EQ(values.choice("pattern"), "random");
  EXPECT_DOUBLE_EQ(values.seconds("duration"), 0.1);
  EXPECT_EQ(values.bytes_list("sizes"), (std::vector<uint64_t>{1u << 20, 2u << 20}));
  EXPECT_EQ(values.fractions("fractions"), (std::vector<double>{0.25, 1.0}));
}

TEST(ParseParams, UnknownNameSuggestsTheNearest) {
  EXPECT_EQ(error_of({{"szie", "1MiB"}}), "--szie: unknown parameter; did you mean --size?");
  EXPECT_EQ(error_of({{"colour", "red"}}), "--colour: unknown parameter");
}

TEST(ParseParams, BadValuesNameTheOption) {
  EXPECT_EQ(error_of({{"size", "lots"}}), "--size: \"lots\" must be a size such as 512MiB or 1GiB");
  EXPECT_EQ(error_of({{"size", "2GiB"}}), "--size: \"2GiB\" must be at most 1GiB");
  EXPECT_EQ(error_of({{"threads", "0"}}), "--threads: \"0\" must be at least 1");
  EXPECT_EQ(error_of({{"pattern", "zigzag"}}), "--pattern: \"zigzag\" must be one of seq|random");
  EXPECT_EQ(error_of({{"sizes", "1MiB,,2MiB"}}),
            "--sizes: \"1MiB,,2MiB\" must be sizes separated by commas, such as 64MiB,1GiB");
  EXPECT_EQ(error_of({{"threads", "1"}, {"threads", "2"}}), "--threads: given twice");
}

TEST(ParseParams, UndeclaredNameIsAProgrammingError) {
  ParamValues values = parse_params(kTable, Given{});
  try {
    values.bytes("nonexistent");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::internal);
  }
}

}  // namespace
}  // namespace mmtune::workloads
