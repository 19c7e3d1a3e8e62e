#include "workloads/params.hpp"

#include <gtest/gtest.h>

#include <chrono>

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

TEST(ParseParams, TypedValuesNeedNoText) {
  using namespace std::chrono_literals;
  const std::vector<ParamInput> given = {{"size", uint64_t{2} << 20},
                                         {"duration", std::chrono::nanoseconds(250ms)},
                                         {"pattern", "random"}};
  ParamValues values = parse_params(kTable, given);
  EXPECT_EQ(values.bytes("size"), 2u << 20);
  EXPECT_FALSE(values.at("size").defaulted);
  EXPECT_EQ(values.at("size").text, "2MiB") << "written out for the record";
  EXPECT_DOUBLE_EQ(values.seconds("duration"), 0.25);
  EXPECT_EQ(values.at("duration").text, "250ms");
  EXPECT_EQ(values.choice("pattern"), "random");
}

TEST(ParseParams, TypedValuesAreRangeCheckedAndKindChecked) {
  const std::vector<ParamInput> small = {{"size", uint64_t{2}}};
  try {
    parse_params(kTable, small);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_STREQ(e.what(), "--size: \"2B\" must be at least 4KiB");
  }
  const std::vector<ParamInput> wrong_kind = {{"threads", 0.5}};
  try {
    parse_params(kTable, wrong_kind);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::internal) << "a program's mistake, not the user's";
  }
}

// A workload's Options struct, each row bound to a member.
enum class Order { seq, random };
struct Bound {
  uint64_t size = 0;
  std::vector<uint64_t> sizes;
  int threads = 0;
  std::chrono::nanoseconds duration{};
  Order pattern{};
  std::vector<double> fractions;
  bool thp = false;
  std::string dir;
};

constexpr Param kBound[] = {
    bind<&Bound::size>({"size", ParamKind::size, "bytes", "1MiB", "memory", 4096, 1 << 30}),
    bind<&Bound::sizes>({"sizes", ParamKind::size_list, "bytes", "1MiB,2MiB", "memories", 4096}),
    bind<&Bound::threads>({"threads", ParamKind::integer, "threads", "1", "threads", 1, 8}),
    bind<&Bound::duration>({"duration", ParamKind::duration, "s", "100ms", "time", 0.01, 10}),
    bind<&Bound::pattern>(
        {"pattern", ParamKind::choice, "choice", "seq", "order", 0, 0, "seq|random"}),
    bind<&Bound::fractions>({"fractions", ParamKind::fraction_list, "fraction", "0.25,1", "f"}),
    bind<&Bound::thp>({"thp", ParamKind::choice, "choice", "off", "huge pages", 0, 0, "off|on"}),
    bind<&Bound::dir>({"dir", ParamKind::path, "path", "/tmp", "where"}),
};

TEST(BoundParams, TheOptionsStructHoldsEveryValue) {
  using namespace std::chrono_literals;
  ParamValues values = parse_params(
      kBound, Given{{"size", "2MiB"}, {"pattern", "random"}, {"thp", "on"}, {"duration", "1.5s"}});
  const Bound o = options_from<Bound>(values);
  EXPECT_EQ(o.size, 2u << 20);
  EXPECT_EQ(o.sizes, (std::vector<uint64_t>{1u << 20, 2u << 20}));
  EXPECT_EQ(o.threads, 1);
  EXPECT_EQ(o.duration, 1500ms);
  EXPECT_EQ(o.pattern, Order::random);
  EXPECT_EQ(o.fractions, (std::vector<double>{0.25, 1.0}));
  EXPECT_TRUE(o.thp);
  EXPECT_EQ(o.dir, "/tmp");
}

TEST(BoundParams, AnotherWorkloadsTableIsAProgrammingError) {
  struct Other {
    uint64_t size = 0;
  };
  try {
    options_from<Other>(parse_params(kBound, Given{}));
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::internal);
  }
  try {
    options_from<Bound>(parse_params(kTable, Given{}));  // rows bound to nothing
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::internal);
  }
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
