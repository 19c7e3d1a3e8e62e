// The sysctl.d and tuned renderings: a comment before every setting, only what changes, and the
// keys tuned reads.
#include <gtest/gtest.h>

#include <map>
#include <sstream>

#include "advisor/advice_json.hpp"
#include "advisor/sysctl_files.hpp"
#include "facts/knobs.hpp"
#include "facts/units.hpp"
#include "report/advice_render.hpp"

namespace mmtune::advisor {
namespace {

Advice sample_advice() {
  Advice a;
  a.profile = "database";
  a.host.kernel = "6.1.0";
  a.host.mem_total_bytes = 16ull << 30;
  auto add = [&](std::string knob, std::string now, std::string then, std::string summary) {
    Recommendation r;
    r.knob = std::move(knob);
    r.current = now;
    r.recommended = then;
    r.change = now != then;
    r.summary = std::move(summary);
    r.rationale = {"because"};
    r.sources = {"kernel-vm-rst"};
    a.recommendations.push_back(r);
  };
  add("vm.swappiness", "60", "1", "60 → 1: avoid swapping anon");
  add("vm.dirty_bytes", "0", "536870912", "0 → 536870912: hard limit 512 MiB");
  add("vm.min_free_kbytes", "67584", "67584", "keep");
  add("thp.enabled", "always", "never", "always → never: fork COW copies 2 MiB");
  add("thp.khugepaged.max_ptes_none", "511", "0", "511 → 0: no bloat");
  return a;
}

std::vector<std::string> lines(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) out.push_back(line);
  return out;
}

TEST(RenderSysctl, OnlySysctlChangesEachAfterItsComment) {
  const std::vector<std::string> l = lines(render_sysctl(sample_advice()));
  std::map<std::string, std::string> settings;
  for (size_t i = 0; i < l.size(); ++i) {
    if (l[i].empty() || l[i][0] == '#') continue;
    size_t eq = l[i].find(" = ");
    ASSERT_NE(eq, std::string::npos) << l[i];
    const std::string knob = l[i].substr(0, eq);
    settings[knob] = l[i].substr(eq + 3);
    ASSERT_GT(i, 0u);
    // The line before is a comment about this knob (or the dirty-pair note right after it).
    const std::string& before = l[i - 1].starts_with("# (writing") ? l[i - 2] : l[i - 1];
    EXPECT_EQ(before.rfind("# " + knob + " [", 0), 0u) << before;
    EXPECT_NE(before.find("]: was "), std::string::npos) << before;
  }
  EXPECT_EQ(settings, (std::map<std::string, std::string>{{"vm.swappiness", "1"},
                                                          {"vm.dirty_bytes", "536870912"}}));
  const std::string text = render_sysctl(sample_advice());
  EXPECT_NE(text.find("# not a sysctl: /sys/kernel/mm/transparent_hugepage/enabled ← never"),
            std::string::npos);
  EXPECT_EQ(text.find("min_free_kbytes ="), std::string::npos);
}

// A minimal INI reader: the way tuned (configobj) reads tuned.conf.
std::map<std::string, std::map<std::string, std::string>> parse_ini(const std::string& text) {
  std::map<std::string, std::map<std::string, std::string>> out;
  std::string section;
  for (const std::string& line : lines(text)) {
    if (line.empty() || line[0] == '#' || line[0] == ';') continue;
    if (line.front() == '[') {
      EXPECT_EQ(line.back(), ']') << line;
      section = line.substr(1, line.size() - 2);
      EXPECT_FALSE(out.contains(section)) << "section twice: " << section;
      out[section];
      continue;
    }
    size_t eq = line.find('=');
    EXPECT_NE(eq, std::string::npos) << line;
    EXPECT_FALSE(section.empty()) << "key outside a section: " << line;
    out[section][line.substr(0, eq)] = line.substr(eq + 1);
  }
  return out;
}

TEST(RenderTuned, ParsesAsIniWithTheKeysTunedReads) {
  auto ini = parse_ini(render_tuned(sample_advice()));
  ASSERT_TRUE(ini.contains("main"));
  EXPECT_FALSE(ini["main"]["summary"].empty());
  EXPECT_EQ(ini["sysctl"], (std::map<std::string, std::string>{{"vm.swappiness", "1"},
                                                               {"vm.dirty_bytes", "536870912"}}));
  EXPECT_EQ(ini["vm"], (std::map<std::string, std::string>{{"transparent_hugepages", "never"}}));
  EXPECT_EQ(ini["sysfs"],
            (std::map<std::string, std::string>{
                {"/sys/kernel/mm/transparent_hugepage/khugepaged/max_ptes_none", "0"}}));
  for (const auto& [key, value] : ini["sysctl"]) {
    auto knob = facts::find_knob(key);
    ASSERT_TRUE(knob) << key;
    EXPECT_FALSE(facts::invalid_knob_value(*knob, value));
  }
}

TEST(RenderTuned, NothingToChangeStillParses) {
  Advice a = sample_advice();
  for (Recommendation& r : a.recommendations) r.change = false;
  auto ini = parse_ini(render_tuned(a));
  EXPECT_EQ(ini.size(), 1u);
  EXPECT_TRUE(ini.contains("main"));
  EXPECT_NE(render_sysctl(a).find("no sysctl changes"), std::string::npos);
}

TEST(AdviceJson, SchemaActionsAndSources) {
  nlohmann::json j = advice_to_json(sample_advice());
  EXPECT_EQ(j["schema"], "mmtune.advice/1");
  EXPECT_EQ(j["recommendations"][0]["action"], "set");
  EXPECT_EQ(j["recommendations"][2]["action"], "keep");
  EXPECT_EQ(j["recommendations"][0]["sources"][0]["kind"], "kernel");
  EXPECT_TRUE(j["recommendations"][0]["evidence_missing"].is_null());
}

TEST(RenderText, TableAndChanges) {
  const std::string text = report::render_text(sample_advice());
  EXPECT_NE(text.find("vm.swappiness"), std::string::npos);
  EXPECT_NE(text.find("vm.swappiness: 60 → 1"), std::string::npos);
  EXPECT_EQ(text.find("vm.min_free_kbytes: 67584 →"), std::string::npos);
}

}  // namespace
}  // namespace mmtune::advisor
