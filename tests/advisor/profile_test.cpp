// Every shipped profile loads and names only workloads, parameters, knobs and sources that exist;
// a profile with mistakes gets one line for each, naming its file, line and field.
#include "advisor/profile.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>
#include <sstream>

#include "advisor/sources.hpp"
#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "workloads/registry.hpp"

namespace mmtune::advisor {
namespace {

const std::filesystem::path kProfiles = std::filesystem::path(MMTUNE_SOURCE_DIR) / "profiles";

std::vector<std::filesystem::path> shipped() {
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(kProfiles)) {
    if (entry.path().extension() == ".json") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

TEST(Profiles, TheClassesTheIssueAsksForAreShipped) {
  std::set<std::string> names;
  for (const auto& file : shipped()) names.insert(file.stem().string());
  for (const char* name : {"general", "database", "database-fork-backup", "cache-fork-snapshot",
                           "mongodb8", "streaming-log", "jvm-large-heap", "batch-analytics",
                           "latency-sensitive", "virtualization-host", "ci-smoke"}) {
    EXPECT_TRUE(names.contains(name)) << name;
  }
}

TEST(Profiles, EveryShippedProfileLoadsAndNamesOnlyWhatExists) {
  const auto files = shipped();
  ASSERT_GE(files.size(), 10u);
  for (const auto& file : files) {
    SCOPED_TRACE(file.string());
    Profile p = load_profile(file.string());
    EXPECT_EQ(p.name, file.stem().string());
    ASSERT_NE(p.scenario("quick"), nullptr);
    // `mmtune tune` runs quick on a 2-core machine: ≤ 60 s and ≤ 25 % of MemAvailable.
    EXPECT_LE(p.scenario("quick")->time_budget_s, 60);
    EXPECT_LE(p.scenario("quick")->memory_fraction, 0.25);
    for (const auto& [name, scenario] : p.scenarios) {
      for (const ScenarioStep& step : scenario.steps) {
        const workloads::Workload* w = workloads::find_workload(step.workload);
        ASSERT_NE(w, nullptr) << step.workload;
        for (const ParamSpec& spec : step.params) {
          EXPECT_TRUE(std::any_of(w->params.begin(), w->params.end(),
                                  [&](const workloads::Param& q) { return q.name == spec.name; }))
              << step.workload << " --" << spec.name;
        }
      }
      for (const CiMetric& m : scenario.metrics) {
        EXPECT_TRUE(std::any_of(scenario.steps.begin(), scenario.steps.end(),
                                [&](const ScenarioStep& s) { return s.id == m.step; }))
            << m.step;
      }
    }
    for (const VendorPin& pin : p.vendor) {
      auto knob = facts::find_knob(pin.knob);
      ASSERT_TRUE(knob) << pin.knob;
      EXPECT_FALSE(facts::invalid_knob_value(*knob, pin.value)) << pin.knob << "=" << pin.value;
      EXPECT_TRUE(find_source(pin.source)) << pin.source;
    }
    for (const auto& [goal, ids] : p.goals.sources) {
      for (const std::string& id : ids) EXPECT_TRUE(find_source(id)) << goal << ": " << id;
    }
    if (p.goals.dirty_fallback) {
      EXPECT_TRUE(find_source(p.goals.dirty_fallback->source));
    }
  }
}

TEST(Profiles, FoundByName) {
  Profile p = load_profile("mongodb8");
  EXPECT_EQ(p.file, "profiles/mongodb8.json");
  EXPECT_EQ(p.goals.thp, ThpGoal::always);
  ASSERT_EQ(p.vendor.size(), 3u);
  EXPECT_EQ(p.vendor[1].knob, "thp.defrag");
  EXPECT_EQ(p.vendor[1].value, "defer+madvise");
  const ParamSpec& size = p.scenario("quick")->steps[0].params[0];
  EXPECT_EQ(size.name, "size");
  EXPECT_DOUBLE_EQ(size.fraction_of_available, 0.05);
  EXPECT_EQ(size.multiple_bytes, 2u << 20);
}

TEST(Profiles, UnknownNameSuggestsTheNearest) {
  try {
    load_profile("databse");
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("did you mean \"database\""), std::string::npos)
        << e.what();
  }
}

// A small valid profile; each test below breaks one thing in it.
constexpr const char* kValid = R"({
  "schema": "mmtune.profile/1",
  "name": "t",
  "summary": "test",
  "goals": {
    "swap": "avoid",
    "thp": "madvise",
    "writes": "mixed",
    "write_stall_budget_ms": 100
  },
  "vendor": [
    {"knob": "thp.defrag", "value": "defer+madvise", "source": "mongodb-8-tcmalloc", "why": "w"}
  ],
  "scenarios": {
    "quick": {
      "summary": "s",
      "time_budget_s": 30,
      "memory_fraction": 0.25,
      "steps": [
        {"workload": "demand-paging", "time_limit_s": 10,
         "params": {"size": {"fraction_of_available": 0.05, "max": "1GiB"}, "threads": "1"}}
      ]
    }
  }
})";

std::string replaced(std::string_view from, std::string_view to) {
  std::string text(kValid);
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  return text.replace(at, from.size(), to);
}

std::string error_of(const std::string& text) {
  try {
    parse_profile(text, "t.json");
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    return e.what();
  }
  return "(no error)";
}

TEST(ProfileErrors, TheValidOneParses) {
  Profile p = parse_profile(kValid, "t.json");
  EXPECT_EQ(p.goals.swap, SwapGoal::avoid);
  EXPECT_EQ(p.goals.write_stall_budget_ms, 100);
  EXPECT_EQ(p.scenario("quick")->steps[0].id, "demand-paging");
  EXPECT_EQ(p.scenario("quick")->steps[0].line, 20);
}

TEST(ProfileErrors, AScenarioNameWithATildeOrSlashIsReadAsAnyOther) {
  // Found by fuzz_profile: the name went into a JSON Pointer unescaped and nlohmann threw.
  const std::string error = error_of(replaced(R"("quick": {)", R"("odd~/name": 7, "quick": {)"));
  EXPECT_NE(error.find("odd~/name"), std::string::npos) << error;
}

TEST(ProfileErrors, NameFileLineAndField) {
  EXPECT_EQ(error_of(replaced(R"("swap": "avoid")", R"("swap": "sometimes")")),
            "t.json:6: goals.swap: \"sometimes\" must be one of avoid|low|keep|compressed");
  EXPECT_EQ(error_of(replaced(R"("thp": "madvise",)", R"("thp": "madvise", "swappy": 1,)")),
            "t.json:7: goals.swappy: unknown field; did you mean \"swap\"?");
  EXPECT_EQ(error_of(replaced(R"("workload": "demand-paging")", R"("workload": "demand-pagin")")),
            "t.json:20: scenarios.quick.steps[0].workload: unknown workload \"demand-pagin\"; did "
            "you mean "
            "\"demand-paging\"?");
  EXPECT_EQ(error_of(replaced(R"("knob": "thp.defrag")", R"("knob": "thp.defrg")")),
            "t.json:12: vendor[0].knob: unknown knob \"thp.defrg\"; did you mean \"thp.defrag\"?");
  EXPECT_EQ(error_of(replaced(R"("value": "defer+madvise")", R"("value": "sometimes")")),
            "t.json:12: vendor[0].value: thp.defrag: \"sometimes\" must be one of "
            "always|defer|defer+madvise|madvise|never");
  EXPECT_EQ(error_of(replaced(R"("source": "mongodb-8-tcmalloc")", R"("source": "blog")"))
                .rfind("t.json:12: vendor[0].source: unknown source \"blog\"", 0),
            0u);
  EXPECT_EQ(error_of(replaced(R"("threads": "1")", R"("threads": "lots")"))
                .rfind("t.json:21: scenarios.quick.steps[0].params.threads: ", 0),
            0u);
  EXPECT_EQ(
      error_of(replaced(R"("threads": "1")", R"("thread": "1")"))
          .rfind(
              "t.json:21: scenarios.quick.steps[0].params.thread: demand-paging has no parameter",
              0),
      0u);
  EXPECT_EQ(error_of(replaced(R"("time_budget_s": 30)", R"("time_budget_s": 5)")),
            "t.json:17: scenarios.quick.time_budget_s: the steps' time limits add up to 10 s, more "
            "than the "
            "budget of 5 s");
  EXPECT_EQ(error_of(replaced(R"("name": "t")", R"("name": "other")")),
            "t.json:3: name: \"other\" differs from the file name t.json");
  EXPECT_EQ(error_of(replaced(R"("memory_fraction": 0.25)", R"("memory_fraction": "a quarter")")),
            "t.json:18: scenarios.quick.memory_fraction: must be a number, not string");
  EXPECT_EQ(error_of(replaced(R"("writes": "mixed",)", "")),
            "t.json:9: goals.write_stall_budget_ms: a write-stall budget needs writes: mixed or "
            "streaming");
}

TEST(ProfileErrors, FractionsOnlyForSizes) {
  EXPECT_EQ(
      error_of(replaced(R"("threads": "1")", R"("threads": {"fraction_of_available": 0.1})"))
          .rfind("t.json:21: scenarios.quick.steps[0].params.threads: only size parameters", 0),
      0u);
}

TEST(ProfileErrors, SyntaxErrorsNameTheLineToo) {
  EXPECT_EQ(
      error_of(replaced(R"("summary": "test",)", R"("summary": "test")")).rfind("t.json:5: ", 0),
      0u);
}

TEST(ProfileErrors, QuickIsRequired) {
  EXPECT_EQ(error_of(replaced(R"("quick": {)", R"("slow": {)")),
            "t.json:14: scenarios: has no \"quick\" scenario (what `mmtune tune` runs)");
}

// Replaces each `from` with its `to`, in order.
std::string replaced_all(
    std::initializer_list<std::pair<std::string_view, std::string_view>> edits) {
  std::string text(kValid);
  for (const auto& [from, to] : edits) {
    size_t at = text.find(from);
    EXPECT_NE(at, std::string::npos) << from;
    text.replace(at, from.size(), to);
  }
  return text;
}

TEST(ProfileErrors, EveryMistakeOfAProfileIsReportedInOneRunInFileOrder) {
  EXPECT_EQ(
      error_of(replaced_all({{R"("workload": "demand-paging")", R"("workload": "demand-pagin")"},
                             {R"("swap": "avoid")", R"("swap": "sometimes")"},
                             {R"("memory_fraction": 0.25)", R"("memory_fraction": "a quarter")"},
                             {R"("knob": "thp.defrag")", R"("knob": "thp.defrg")"},
                             {R"("source": "mongodb-8-tcmalloc")", R"("source": "blog")"},
                             {R"("thp": "madvise",)", R"("thp": "madvise", "swappy": 1,)"}})),
      "t.json:6: goals.swap: \"sometimes\" must be one of avoid|low|keep|compressed\n"
      "t.json:7: goals.swappy: unknown field; did you mean \"swap\"?\n"
      "t.json:12: vendor[0].knob: unknown knob \"thp.defrg\"; did you mean \"thp.defrag\"?\n"
      "t.json:12: vendor[0].source: unknown source \"blog\" (known: " +
          [] {
            std::string known;
            for (const Source& s : all_sources())
              known += (known.empty() ? "" : ", ") + std::string(s.id);
            return known;
          }() +
          ")\n"
          "t.json:18: scenarios.quick.memory_fraction: must be a number, not string\n"
          "t.json:20: scenarios.quick.steps[0].workload: unknown workload \"demand-pagin\"; "
          "did you mean \"demand-paging\"?");
}

TEST(ProfileErrors, AMissingFieldAndAWrongOneInTheSameStepAreBothReported) {
  EXPECT_EQ(error_of(replaced_all({{R"("workload": "demand-paging", "time_limit_s": 10,)",
                                    R"("workload": "demand-pagin",)"}})),
            "t.json:20: scenarios.quick.steps[0]: the field \"time_limit_s\" is required\n"
            "t.json:20: scenarios.quick.steps[0].workload: unknown workload \"demand-pagin\"; "
            "did you mean \"demand-paging\"?");
}

TEST(ProfileErrors, WhatDependsOnAWrongPartIsNotReportedAgain) {
  // The step's workload is wrong: its parameters are not checked (which one would it have?), a
  // metric naming the step is not reported missing, and a write-stall budget is not held against
  // writes that were themselves wrong.
  const std::string text =
      replaced_all({{R"("workload": "demand-paging")", R"("workload": "demand-pagin")"},
                    {R"("threads": "1")", R"("threads": "lots")"},
                    {R"("memory_fraction": 0.25,)",
                     R"("memory_fraction": 0.25, "metrics": [{"step": "demand-paging",)"
                     R"( "metric": "ns_per_fault", "direction": "lower", "tolerance": 0.5}],)"},
                    {R"("writes": "mixed")", R"("writes": "often")"}});
  EXPECT_EQ(error_of(text),
            "t.json:8: goals.writes: \"often\" must be one of light|mixed|streaming\n"
            "t.json:20: scenarios.quick.steps[0].workload: unknown workload \"demand-pagin\"; "
            "did you mean \"demand-paging\"?");
}

}  // namespace
}  // namespace mmtune::advisor
