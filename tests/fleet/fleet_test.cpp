// `mmtune fleet`'s library: documents merged by the identity they carry, groups, deviations from
// the advice, findings by id, outliers by median and MAD, checks with regressions first, drift
// within a group, and the HTML, Markdown and JSON renderings.
#include "fleet/fleet.hpp"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "tests/support/test_support.hpp"

namespace mmtune::test {
namespace {

using nlohmann::json;
constexpr uint64_t kGiB = uint64_t(1) << 30;

json identity(const std::string& host, const std::string& kernel = "6.1.0-28-amd64",
              uint64_t gib = 64, int nodes = 2, const std::string& profile = "database") {
  return {{"hostname", host},
          {"machine_id", host + "-machine"},
          {"kernel", kernel},
          {"cpu_model", nullptr},
          {"mem_total_bytes", gib * kGiB - 300 * (kGiB >> 10)},
          {"numa_nodes", nodes},
          {"profile", profile}};
}

json recommendation(const std::string& knob, const std::string& current,
                    const std::string& recommended, const std::string& id = "") {
  json r = {{"knob", knob},
            {"current", current},
            {"recommended", recommended},
            {"action", current == recommended ? "keep" : "set"},
            {"confidence", "medium"}};
  if (!id.empty()) r["id"] = id;
  return r;
}

json advice(const json& id, json recommendations, json findings = json::array()) {
  return {{"schema", "mmtune.advice/1"},
          {"identity", id},
          {"recommendations", std::move(recommendations)},
          {"findings", std::move(findings)}};
}

json result(const json& id, double ns_per_fault, const std::string& swappiness = "60") {
  return {
      {"schema", "mmtune.result/1"},
      {"identity", id},
      {"workload", "demand-paging"},
      {"host", {{"settings", {{"vm.swappiness", swappiness}}}}},
      {"measurements",
       {{{"name", "ns_per_fault"}, {"value", ns_per_fault}, {"unit", "ns"}, {"source", "measured"}},
        {{"name", "predicted"}, {"value", 1.0}, {"unit", "ns"}, {"source", "model"}}}}};
}

void add(fleet::Fleet& f, const json& doc, const std::string& label = "doc.json") {
  ASSERT_TRUE(fleet::add_document(f, doc.dump(), label)) << label;
}

TEST(Fleet, MergesAHostsDocumentsAndGroupsByKernelMemoryNumaAndProfile) {
  fleet::Fleet f;
  for (const char* host : {"a", "b", "c"}) add(f, advice(identity(host), json::array()));
  add(f, result(identity("a"), 1000));  // the same host again
  add(f, advice(identity("d", "6.1.0-28-amd64", 128), json::array()));
  add(f, advice(identity("e", "6.12.12-amd64"), json::array()));
  add(f, advice(identity("f", "6.1.0-28-amd64", 64, 1), json::array()));
  add(f, advice(identity("g", "6.1.0-28-amd64", 64, 2, "general"), json::array()));
  ASSERT_EQ(f.hosts.size(), 7u);
  EXPECT_EQ(f.documents, 8u);
  EXPECT_EQ(f.hosts[0].kinds, (std::vector<std::string>{"mmtune.advice/1", "mmtune.result/1"}));
  const fleet::FleetAnalysis a = fleet::analyse(f);
  ASSERT_EQ(a.groups.size(), 5u);
  EXPECT_EQ(a.groups[0].hosts, (std::vector<size_t>{0, 1, 2}));
  EXPECT_EQ(a.groups[0].mem_gib, 64u);
  EXPECT_EQ(a.groups[0].label(), "6.1.0-28-amd64 · 64 GiB · 2 nodes · database");
}

TEST(Fleet, HeatCountsTheHostsTheAdviceTellsToChange) {
  fleet::Fleet f;
  add(f, advice(identity("a"), {recommendation("vm.swappiness", "60", "1")}));
  add(f, advice(identity("b"), {recommendation("vm.swappiness", "60", "1")}));
  add(f, advice(identity("c"), {recommendation("vm.swappiness", "1", "1"),
                                recommendation("thp.enabled", "always", "never")}));
  add(f, advice(identity("d", "6.12.12-amd64"), {recommendation("vm.swappiness", "1", "1")}));
  const fleet::FleetAnalysis a = fleet::analyse(f);
  ASSERT_EQ(a.heat.size(), 2u);
  EXPECT_EQ(a.heat[0].knob, "vm.swappiness");
  EXPECT_EQ(a.heat[0].deviating, 2u);
  EXPECT_EQ(a.heat[0].cells[0].advised, 3u);
  EXPECT_EQ(a.heat[0].cells[0].deviating, 2u);
  EXPECT_EQ(a.heat[0].cells[0].typical, "60 → 1 (2 hosts)");
  EXPECT_EQ(a.heat[0].cells[1].advised, 1u);
  EXPECT_EQ(a.heat[0].cells[1].deviating, 0u);
  EXPECT_EQ(a.heat[1].knob, "thp.enabled");
}

TEST(Fleet, FindingsAreCountedByStableIdAcrossHostsAndGroups) {
  fleet::Fleet f;
  add(f, advice(identity("a"),
                {recommendation("vm.watermark_scale_factor", "10", "200", "wsf-direct-reclaim")},
                {{{"id", "cgroup-at-limit"}}}));
  add(f, advice(identity("b", "6.12.12-amd64"),
                {recommendation("vm.watermark_scale_factor", "10", "150", "wsf-direct-reclaim")}));
  add(f, advice(identity("c"),
                {recommendation("vm.watermark_scale_factor", "200", "200", "wsf-direct-reclaim")}));
  add(f, advice(identity("d"), {recommendation("vm.swappiness", "60", "1")}));  // no id: the knob
  const fleet::FleetAnalysis a = fleet::analyse(f);
  ASSERT_EQ(a.findings.size(), 3u);
  EXPECT_EQ(a.findings[0].id, "wsf-direct-reclaim");
  EXPECT_EQ(a.findings[0].hosts, 2u);
  EXPECT_EQ(a.findings[0].groups, 2u);
  EXPECT_EQ(a.findings[0].examples, (std::vector<std::string>{"a", "b"}));
  EXPECT_EQ(a.findings[1].id, "cgroup-at-limit");
  EXPECT_EQ(a.findings[2].id, "vm.swappiness");
}

TEST(Fleet, OutliersByMedianAndMadFindWhatMeanAndSigmaMiss) {
  // Ten hosts, two of them ten times slower: mean 281 and σ 362 put both within 2.1σ; the median
  // (100.5) and MAD (1.5) do not.
  fleet::Fleet f;
  const double values[] = {98, 99, 100, 100, 101, 102, 99, 101, 1000, 1010};
  for (int i = 0; i < 10; ++i) add(f, result(identity("h" + std::to_string(i)), values[i]));
  const fleet::FleetAnalysis a = fleet::analyse(f);
  ASSERT_EQ(a.metrics.size(), 1u);  // the model's prediction is not a metric
  const fleet::MetricRow& m = a.metrics[0];
  EXPECT_EQ(m.name, "demand-paging/ns_per_fault");
  EXPECT_EQ(m.hosts, 10u);
  EXPECT_DOUBLE_EQ(m.median, 100.5);
  EXPECT_DOUBLE_EQ(m.mad, 1.5);
  ASSERT_EQ(m.outliers.size(), 2u);
  EXPECT_EQ(f.hosts[m.outliers[0].host].name(), "h9");
  EXPECT_EQ(f.hosts[m.outliers[1].host].name(), "h8");
  EXPECT_GT(m.outliers[1].z, 3.5);
}

TEST(Fleet, WhenMostHostsAgreeExactlyTheMeanDeviationStandsInForMad) {
  fleet::Fleet f;
  for (int i = 0; i < 9; ++i) add(f, result(identity("h" + std::to_string(i)), 100));
  add(f, result(identity("slow"), 150));
  const fleet::MetricRow m = fleet::analyse(f).metrics.at(0);
  EXPECT_EQ(m.mad, 0);
  ASSERT_EQ(m.outliers.size(), 1u);
  EXPECT_EQ(f.hosts[m.outliers[0].host].name(), "slow");
}

TEST(Fleet, ChecksListRegressionsFirst) {
  fleet::Fleet f;
  auto check = [](const json& id, const std::string& verdict, const std::string& status) {
    return json{
        {"schema", "mmtune.check/1"},
        {"identity", id},
        {"tests",
         {{{"suite", "drift"}, {"name", "sysctl"}, {"status", "pass"}, {"verdict", "unchanged"}},
          {{"suite", "performance"},
           {"name", "demand-paging/ns_per_fault"},
           {"status", status},
           {"verdict", verdict}}}}};
  };
  add(f, check(identity("ok"), "ok", "pass"));
  add(f, check(identity("broken"), "fail", "fail"));
  add(f, check(identity("slower"), "regressed", "fail"));
  add(f, advice(identity("unchecked"), json::array()));
  const fleet::FleetAnalysis a = fleet::analyse(f);
  ASSERT_EQ(a.checks.size(), 3u);
  EXPECT_EQ(f.hosts[a.checks[0].host].name(), "slower");
  EXPECT_EQ(a.checks[0].regressions, (std::vector<std::string>{"demand-paging/ns_per_fault"}));
  EXPECT_EQ(f.hosts[a.checks[1].host].name(), "broken");
  EXPECT_EQ(a.checks[1].failed, 1u);
  EXPECT_EQ(a.checks[2].passed, 2u);
}

TEST(Fleet, DriftIsWithinAGroupOnly) {
  fleet::Fleet f;
  add(f, result(identity("a"), 100, "60"));
  add(f, result(identity("b"), 100, "60"));
  add(f, result(identity("c"), 100, "10"));
  add(f, result(identity("x", "6.12.12-amd64"), 100, "1"));  // differs from a, b, c: another group
  add(f, result(identity("y", "6.12.12-amd64"), 100, "1"));
  const fleet::FleetAnalysis a = fleet::analyse(f);
  ASSERT_EQ(a.drift.size(), 1u);
  EXPECT_EQ(a.drift[0].group, 0u);
  EXPECT_EQ(a.drift[0].knob, "vm.swappiness");
  EXPECT_EQ(a.drift[0].majority, "60");
  EXPECT_EQ(a.drift[0].majority_hosts, 2u);
  EXPECT_EQ(a.drift[0].others.at("10"), (std::vector<size_t>{2}));
}

TEST(Fleet, SkipsWhatIsNotAnIdentifiedMmtuneDocumentAndSaysWhy) {
  fleet::Fleet f;
  json old = advice(identity("a"), json::array());
  old.erase("identity");
  EXPECT_FALSE(fleet::add_document(f, old.dump(), "old.json"));
  EXPECT_FALSE(fleet::add_document(f, R"({"schema": "something/1"})", "other.json"));
  EXPECT_FALSE(fleet::add_document(f, R"({"schema": "mmtune.advice/1", "identity": )", "cut.json"));
  EXPECT_FALSE(
      fleet::add_document(f, R"({"schema": "mmtune.advice/1", "recommendations": 3)", "bad.json"));
  EXPECT_TRUE(f.hosts.empty());
  size_t files = 0;
  for (const auto& [why, names] : f.skipped) files += names.size();
  EXPECT_EQ(files, 4u);
  EXPECT_EQ(f.skipped.at("not an mmtune document"), (std::vector<std::string>{"other.json"}));
}

TEST(Fleet, ReadsRealScenarioAndCheckDocuments) {
  fleet::Fleet f;
  json scenario = json::parse(slurp(test_data("../fuzz/seeds/scenario-ci-tiny.json")));
  scenario["identity"] = identity("real");
  json check = json::parse(slurp(test_data("reports/check-ci-smoke.json")));
  check["identity"] = identity("real");
  add(f, scenario, "scenario");
  add(f, check, "check");
  ASSERT_EQ(f.hosts.size(), 1u);
  const fleet::HostRecord& host = f.hosts[0];
  EXPECT_GE(host.settings.size(), scenario["host"]["settings"].size());
  EXPECT_EQ(host.settings.at("vm.swappiness"),
            check["fingerprint"]["sysctl"]["vm.swappiness"].get<std::string>());
  EXPECT_EQ(host.checks.size(), check["tests"].size());
  bool measured = false;
  for (const fleet::Metric& m : host.metrics) measured |= m.name == "demand-paging/minor_faults";
  EXPECT_TRUE(measured);
}

TEST(Fleet, RendersHtmlMarkdownAndJson) {
  fleet::Fleet f;
  for (int i = 0; i < 12; ++i) {
    add(f, advice(identity(i == 0 ? "<b>&" : "h" + std::to_string(i)),
                  {recommendation("vm.swappiness", i % 2 ? "60" : "1", "1")}));
    add(f, result(identity(i == 0 ? "<b>&" : "h" + std::to_string(i)), i == 5 ? 900 : 100 + i));
  }
  const fleet::FleetAnalysis a = fleet::analyse(f);
  const std::string html = fleet::render_fleet_html(a);
  EXPECT_NE(html.find("<svg class=\"plot\""), std::string::npos);
  EXPECT_NE(html.find("data-deviating=\"6\" data-advised=\"12\""), std::string::npos);
  EXPECT_NE(html.find("data-host=\"h5\" data-value=\"900\""), std::string::npos);
  EXPECT_EQ(html.find("<b>&"), std::string::npos);
  EXPECT_NE(html.find("&lt;b&gt;&amp;"), std::string::npos);
  EXPECT_EQ(html.find("<script"), std::string::npos);
  const std::string md = fleet::render_fleet_markdown(a);
  EXPECT_NE(md.find("| knob | hosts deviating |"), std::string::npos);
  EXPECT_EQ(md.find("<svg"), std::string::npos);
  const json j = json::parse(fleet::fleet_to_json(a));
  EXPECT_EQ(j["schema"], "mmtune.fleet/1");
  EXPECT_EQ(j["hosts"], 12);
  EXPECT_EQ(j["metrics"][0]["outliers"][0]["host"], "h5");
  EXPECT_EQ(j["knobs"][0]["groups"][0]["deviating"], 6);
}

}  // namespace
}  // namespace mmtune::test
