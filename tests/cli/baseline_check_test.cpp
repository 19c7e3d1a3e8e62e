// `mmtune baseline` and `mmtune check` end to end on this host, as CI runs them: a baseline then
// five passing checks, drift and regressions that fail naming their cause, noise that does not,
// and bad baselines (exit 2). TAP on stdout, JUnit and JSON files.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <sstream>
#include <stdexcept>

#include "tests/cli/dirty_settings.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

// A minimal XML reader, enough to check that a file is well-formed and to walk its elements.
struct XmlElement {
  std::string name;
  std::map<std::string, std::string> attributes;
  std::vector<XmlElement> children;
};

class XmlReader {
 public:
  explicit XmlReader(std::string text) : text_(std::move(text)) {}
  XmlElement document() {
    skip_space();
    if (text_.compare(pos_, 5, "<?xml") == 0) pos_ = text_.find("?>", pos_) + 2;
    skip_space();
    XmlElement root = element();
    skip_space();
    if (pos_ != text_.size()) throw std::runtime_error("text after the root element");
    return root;
  }

 private:
  void skip_space() {
    while (pos_ < text_.size() && std::isspace(static_cast<unsigned char>(text_[pos_]))) ++pos_;
  }
  std::string name() {
    size_t start = pos_;
    while (pos_ < text_.size() && (std::isalnum(static_cast<unsigned char>(text_[pos_])) ||
                                   text_[pos_] == '-' || text_[pos_] == '_' || text_[pos_] == ':'))
      ++pos_;
    if (start == pos_) throw std::runtime_error("a name expected at " + std::to_string(pos_));
    return text_.substr(start, pos_ - start);
  }
  // Character data up to stop, checking every '&' starts a known entity and no '<' appears.
  void character_data(char stop) {
    static const std::regex entity("^&(amp|lt|gt|quot|apos|#[0-9]+|#x[0-9a-fA-F]+);");
    while (pos_ < text_.size() && text_[pos_] != stop) {
      if (text_[pos_] == '<') throw std::runtime_error("'<' in character data");
      if (text_[pos_] == '&' && !std::regex_search(text_.substr(pos_, 12), entity))
        throw std::runtime_error("a bare '&' at " + std::to_string(pos_));
      ++pos_;
    }
  }
  XmlElement element() {
    if (text_[pos_] != '<') throw std::runtime_error("'<' expected at " + std::to_string(pos_));
    ++pos_;
    XmlElement e;
    e.name = name();
    for (;;) {
      skip_space();
      if (text_.compare(pos_, 2, "/>") == 0) {
        pos_ += 2;
        return e;
      }
      if (text_[pos_] == '>') {
        ++pos_;
        break;
      }
      std::string key = name();
      if (text_[pos_] != '=' || text_[pos_ + 1] != '"')
        throw std::runtime_error("attribute " + key);
      pos_ += 2;
      size_t start = pos_;
      character_data('"');
      if (e.attributes.contains(key)) throw std::runtime_error("attribute twice: " + key);
      e.attributes[key] = text_.substr(start, pos_ - start);
      ++pos_;
    }
    for (;;) {
      character_data('<');
      if (pos_ >= text_.size()) throw std::runtime_error("unclosed <" + e.name + ">");
      if (text_.compare(pos_, 2, "</") == 0) {
        pos_ += 2;
        if (name() != e.name) throw std::runtime_error("mismatched </…> for <" + e.name + ">");
        skip_space();
        if (text_[pos_++] != '>') throw std::runtime_error("'>' expected");
        return e;
      }
      e.children.push_back(element());
    }
  }
  std::string text_;
  size_t pos_ = 0;
};

int count_attribute(const XmlElement& e, const std::string& key) {
  if (!e.attributes.contains(key)) return -1;
  return std::stoi(e.attributes.at(key));
}

// Well-formed, and the JUnit structure CI servers read: counts that agree with the test cases,
// names on every case, at most one outcome element per case. Then the schema, where xmllint is.
void expect_valid_junit(const fs::path& file, int tests, int failures, int skipped) {
  const std::string text = slurp(file);
  XmlElement root;
  try {
    root = XmlReader(text).document();
  } catch (const std::exception& e) {
    FAIL() << file << " is not well-formed XML: " << e.what();
  }
  EXPECT_EQ(root.name, "testsuites");
  int all_tests = 0, all_failures = 0, all_skipped = 0;
  for (const XmlElement& suite : root.children) {
    ASSERT_EQ(suite.name, "testsuite");
    EXPECT_TRUE(suite.attributes.contains("name"));
    int suite_tests = 0, suite_failures = 0, suite_skipped = 0;
    for (const XmlElement& c : suite.children) {
      if (c.name == "properties") continue;
      ASSERT_EQ(c.name, "testcase");
      EXPECT_FALSE(c.attributes.at("name").empty());
      EXPECT_FALSE(c.attributes.at("classname").empty());
      ++suite_tests;
      int outcomes = 0;
      for (const XmlElement& o : c.children) {
        EXPECT_TRUE(o.name == "failure" || o.name == "skipped" || o.name == "error" ||
                    o.name == "system-out" || o.name == "system-err")
            << o.name;
        outcomes += o.name == "failure" || o.name == "skipped" || o.name == "error";
        suite_failures += o.name == "failure";
        suite_skipped += o.name == "skipped";
      }
      EXPECT_LE(outcomes, 1);
    }
    EXPECT_EQ(count_attribute(suite, "tests"), suite_tests);
    EXPECT_EQ(count_attribute(suite, "failures"), suite_failures);
    EXPECT_EQ(count_attribute(suite, "skipped"), suite_skipped);
    all_tests += suite_tests;
    all_failures += suite_failures;
    all_skipped += suite_skipped;
  }
  EXPECT_EQ(count_attribute(root, "tests"), all_tests);
  EXPECT_EQ(count_attribute(root, "failures"), all_failures);
  EXPECT_EQ(count_attribute(root, "skipped"), all_skipped);
  EXPECT_EQ(all_tests, tests);
  EXPECT_EQ(all_failures, failures);
  EXPECT_EQ(all_skipped, skipped);
  if (::access("/usr/bin/xmllint", X_OK) == 0) {
    const std::string command = "/usr/bin/xmllint --noout --schema " +
                                test_data("junit/junit.xsd").string() + " " + file.string() +
                                " > /dev/null 2>&1";
    EXPECT_EQ(std::system(command.c_str()), 0) << "xmllint rejects " << file;
  }
}

struct Counts {
  int passed = -1, failed = -1, skipped = -1;
};

// The closing "N passed, N failed, N skipped" line, which must be the last line.
Counts closing_counts(const std::string& tap) {
  static const std::regex closing("\n([0-9]+) passed, ([0-9]+) failed, ([0-9]+) skipped\n$");
  std::smatch m;
  Counts c;
  if (std::regex_search(tap, m, closing)) {
    c.passed = std::stoi(m[1]);
    c.failed = std::stoi(m[2]);
    c.skipped = std::stoi(m[3]);
  }
  return c;
}

std::vector<std::string> not_ok_lines(const std::string& tap) {
  std::vector<std::string> lines;
  std::istringstream in(tap);
  std::string line;
  while (std::getline(in, line)) {
    if (line.starts_with("not ok ")) lines.push_back(line);
  }
  return lines;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

// The test profile: a 32 MiB demand-paging pass and a short dio-fork-race (race variants only),
// under a second per repeat, with one deterministic metric (minor faults, 2 %) and one timing
// (system CPU ns per fault, 50 %: CPU time, because wall time per fault on this shared 2-vCPU
// host follows the load of the moment, 2-3x between a baseline and a check a minute later).
struct CiRun {
  TempDir dir, state;
  fs::path base() const { return dir.path() / "base.json"; }
  CliResult baseline() const {
    return run_mmtune({"baseline", "-o", base().string(), "--profile",
                       test_data("profiles/ci-tiny.json").string(), "--state-dir",
                       state.path().string()});
  }
  CliResult check(const fs::path& baseline_file, const std::string& tag) const {
    return run_mmtune({"check", "--baseline", baseline_file.string(), "--junit",
                       (dir.path() / (tag + ".xml")).string(), "--json",
                       (dir.path() / (tag + ".json")).string(), "--state-dir",
                       state.path().string()});
  }
  fs::path edited(const std::string& metric,
                  const std::function<double(double, double)>& edit) const {
    json j = json::parse(slurp(base()));
    for (json& m : j["metrics"]) {
      if (m["metric"] != metric) continue;
      std::vector<double> samples = m["samples"];
      const double spread = m["max"].get<double>() - m["min"].get<double>();
      for (double& x : samples) x = edit(x, spread);
      m["samples"] = samples;
      // The samples are what the check compares; the summary beside them must agree.
      std::sort(samples.begin(), samples.end());
      m["median"] = samples[samples.size() / 2];
      m["min"] = samples.front();
      m["max"] = samples.back();
    }
    fs::path file = dir.path() / ("edited-" + metric + ".json");
    std::ofstream(file) << j.dump(2);
    return file;
  }
};

TEST(CiGates, BaselineThenCheckPassesFiveTimesInARow) {
  HostSettingsLock lock;  // nobody changes a setting under the comparison
  CiRun ci;
  auto start = std::chrono::steady_clock::now();
  CliResult b = ci.baseline();
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;
  const double baseline_s = seconds_since(start);
  json base = json::parse(slurp(ci.base()));
  EXPECT_EQ(base["schema"], "mmtune.baseline/1");
  EXPECT_EQ(base["repeats"], 5);
  for (const json& m : base["metrics"]) {
    EXPECT_EQ(m["n"], 5) << m["name"];
    EXPECT_TRUE(m.contains("median") && m.contains("min") && m.contains("max") &&
                m.contains("unit"));
    EXPECT_EQ(m["direction"], "lower");
  }
  for (const char* group : {"kernel", "sysctl", "thp", "swap", "numa", "mglru", "cgroup", "config"})
    EXPECT_TRUE(base["fingerprint"].contains(group)) << group;
  EXPECT_TRUE(base["fingerprint"]["sysctl"].contains("vm.dirty_ratio"));
  EXPECT_TRUE(base["fingerprint"]["kernel"].contains("cmdline"));

  std::vector<double> check_s;
  for (int i = 0; i < 5; ++i) {
    SCOPED_TRACE("check " + std::to_string(i + 1));
    start = std::chrono::steady_clock::now();
    const std::string tag = "check-" + std::to_string(i + 1);
    CliResult c = ci.check(ci.base(), tag);
    check_s.push_back(seconds_since(start));
    EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
    EXPECT_TRUE(c.out.starts_with("TAP version 13\n1..")) << c.out;
    EXPECT_TRUE(not_ok_lines(c.out).empty()) << c.out;
    Counts counts = closing_counts(c.out);
    EXPECT_GT(counts.passed, 0) << c.out;
    EXPECT_EQ(counts.failed, 0) << c.out;
    EXPECT_NE(c.out.find("ok 1 - drift: "), std::string::npos) << c.out;
    EXPECT_NE(c.out.find("performance: demand-paging/minor_faults: "), std::string::npos) << c.out;
    expect_valid_junit(ci.dir.path() / (tag + ".xml"),
                       counts.passed + counts.failed + counts.skipped, counts.failed,
                       counts.skipped);
    json report = json::parse(slurp(ci.dir.path() / (tag + ".json")));
    EXPECT_EQ(report["schema"], "mmtune.check/1");
    EXPECT_EQ(report["exit_code"], 0);
  }
  std::cout << "[ ci ] baseline " << baseline_s << " s; checks";
  for (double s : check_s) std::cout << " " << s;
  std::cout << " s\n";
}

TEST(CiGates, DriftAndRegressionsFailNamingTheirCauseAndNoiseDoesNot) {
  if (!is_root()) GTEST_SKIP() << "changing vm.dirty_ratio needs root";
  HostSettingsLock lock;
  DirtySettingsGuard guard;
  CiRun ci;
  CliResult b = ci.baseline();
  ASSERT_EQ(b.exit_code, 0) << b.out << b.err;

  {
    SCOPED_TRACE("vm.dirty_ratio changed");
    const std::string original = guard.original().at("dirty_ratio");
    ASSERT_NE(original, "0") << "this host uses vm.dirty_bytes; the drift test writes the ratio";
    const std::string changed = std::to_string(std::stoi(original) == 25 ? 30 : 25);
    std::ofstream("/proc/sys/vm/dirty_ratio") << changed;
    CliResult c = ci.check(ci.base(), "drift");
    std::ofstream("/proc/sys/vm/dirty_ratio") << original;
    EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
    std::vector<std::string> failures = not_ok_lines(c.out);
    ASSERT_EQ(failures.size(), 1u) << c.out;
    EXPECT_NE(failures[0].find("drift: vm.dirty_ratio: " + original + " in the baseline, " +
                               changed + " now"),
              std::string::npos)
        << failures[0];
    Counts counts = closing_counts(c.out);
    EXPECT_EQ(counts.failed, 1);
    expect_valid_junit(ci.dir.path() / "drift.xml", counts.passed + counts.failed + counts.skipped,
                       counts.failed, counts.skipped);
  }
  EXPECT_EQ(dirty_settings(), guard.original());
  {
    SCOPED_TRACE("baseline 30 % better than this host");
    // Lower is better: a baseline 30 % better holds 0.7 × what this host measures.
    const fs::path better = ci.edited("minor_faults", [](double x, double) { return x * 0.7; });
    CliResult c = ci.check(better, "better");
    EXPECT_EQ(c.exit_code, 1) << c.out << c.err;
    std::vector<std::string> failures = not_ok_lines(c.out);
    ASSERT_EQ(failures.size(), 1u) << c.out;
    EXPECT_NE(failures[0].find("performance: demand-paging/minor_faults"), std::string::npos)
        << failures[0];
    EXPECT_NE(failures[0].find("REGRESSED"), std::string::npos) << failures[0];
  }
  {
    SCOPED_TRACE("baseline better by half its own spread");
    const fs::path within =
        ci.edited("system_ns_per_fault", [](double x, double spread) { return x - spread / 2; });
    CliResult c = ci.check(within, "within");
    EXPECT_EQ(c.exit_code, 0) << c.out << c.err;
    EXPECT_TRUE(not_ok_lines(c.out).empty()) << c.out;
  }
}

TEST(CiGates, BadBaselinesExit2) {
  TempDir dir;
  EXPECT_EQ(run_mmtune({"check", "--baseline", (dir.path() / "missing.json").string()}).exit_code,
            2);
  write_text(dir.path() / "not.json", "{\"schema\": \"mmtune.result/1\"}");
  CliResult wrong = run_mmtune({"check", "--baseline", (dir.path() / "not.json").string()});
  EXPECT_EQ(wrong.exit_code, 2);
  EXPECT_NE(wrong.err.find("not a mmtune.baseline/1 document"), std::string::npos) << wrong.err;
  EXPECT_EQ(
      run_mmtune({"baseline", "-o", (dir.path() / "b.json").string(), "--repeat", "3"}).exit_code,
      2);
  EXPECT_EQ(run_mmtune({"baseline", "-o", (dir.path() / "b.json").string(), "--profile", "general",
                        "--scenario", "quick"})
                .exit_code,
            2)
      << "a scenario without CI metrics";
  EXPECT_FALSE(fs::exists(dir.path() / "b.json"));
}

}  // namespace
}  // namespace mmtune::test
