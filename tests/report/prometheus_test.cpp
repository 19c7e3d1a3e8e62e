// The Prometheus textfile export: the exposition text (HELP, TYPE, escaping), metric names and
// units, the model's thresholds and counters of recorded hosts, and which document wins.
#include "report/prometheus.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <set>
#include <sstream>

#include "advisor/advice_json.hpp"
#include "facts/error.hpp"
#include "facts/units.hpp"
#include "model/host_model.hpp"
#include "probes/readers.hpp"
#include "tests/support/test_support.hpp"

namespace mmtune::report {
namespace {

std::string slurp(const std::filesystem::path& path) {
  std::ifstream in(path);
  std::stringstream text;
  text << in.rdbuf();
  return text.str();
}

facts::HostFacts recorded(const std::string& host) {
  return probes::read_host_facts(probes::HostFs(test::test_data("hosts/" + host)));
}

const MetricFamily* find(const std::vector<MetricFamily>& families, std::string_view name) {
  for (const MetricFamily& family : families)
    if (family.name == name) return &family;
  return nullptr;
}

// The value of the sample of `name` whose labels include `labels`; NaN when there is none.
double sample(const std::vector<MetricFamily>& families, std::string_view name,
              const std::map<std::string, std::string>& labels = {}) {
  const MetricFamily* family = find(families, name);
  if (!family) return std::nan("");
  for (const MetricSample& s : family->samples) {
    size_t matching = 0;
    for (const auto& [key, value] : s.labels)
      matching += labels.contains(key) && labels.at(key) == value;
    if (matching == labels.size()) return s.value;
  }
  return std::nan("");
}

TEST(PrometheusText, HelpTypeAndEscapedLabels) {
  const std::vector<MetricFamily> families = {
      {"mmtune_a_bytes",
       MetricType::gauge,
       "A line with a \\ and\na newline",
       {{{{"k", "q\"b\\n\nx"}}, 1.5}}},
      {"mmtune_empty", MetricType::gauge, "no samples: not written", {}},
      {"mmtune_b_total",
       MetricType::counter,
       "counted",
       {{{}, 1073741824}, {{{"x", "y"}}, std::nan("")}}},
  };
  EXPECT_EQ(render_prometheus(families),
            "# HELP mmtune_a_bytes A line with a \\\\ and\\na newline\n"
            "# TYPE mmtune_a_bytes gauge\n"
            "mmtune_a_bytes{k=\"q\\\"b\\\\n\\nx\"} 1.5\n"
            "# HELP mmtune_b_total counted\n"
            "# TYPE mmtune_b_total counter\n"
            "mmtune_b_total 1073741824\n"
            "mmtune_b_total{x=\"y\"} NaN\n");
}

TEST(PrometheusText, UnitsBecomeBaseUnits) {
  EXPECT_EQ(base_unit("ns").suffix, "seconds");
  EXPECT_DOUBLE_EQ(base_unit("ns").scale, 1e-9);
  EXPECT_DOUBLE_EQ(base_unit("ms").scale, 1e-3);
  EXPECT_EQ(base_unit("bytes").suffix, "bytes");
  EXPECT_EQ(base_unit("GiB/s").suffix, "bytes_per_second");
  EXPECT_DOUBLE_EQ(base_unit("GiB/s").scale, 1073741824.0);
  EXPECT_EQ(base_unit("faults/s").suffix, "faults_per_second");
  EXPECT_EQ(base_unit("%").suffix, "ratio");
  EXPECT_DOUBLE_EQ(base_unit("%").scale, 0.01);
  EXPECT_EQ(base_unit("x").suffix, "ratio");
  EXPECT_EQ(base_unit("faults").suffix, "faults");
  EXPECT_EQ(base_unit("CPUs").suffix, "cpus");
  EXPECT_EQ(base_unit("").suffix, "");
}

// Names, types and labels follow Prometheus' rules on every recorded host, and counters end in
// _total: what promtool and node_exporter would otherwise reject or warn about.
TEST(PrometheusFamilies, NamesTypesAndLabelsAreValidOnEveryRecordedHost) {
  const std::regex metric_name("mmtune_[a-z0-9_]+");
  const std::regex label_name("[a-z_][a-z0-9_]*");
  for (const char* host : {"local-6.18", "numa2-5.15", "old-4.19", "container-v2-6.1"}) {
    ExportInput input;
    input.version = "test";
    input.host = recorded(host);
    const std::vector<MetricFamily> families = prometheus_families(input);
    std::set<std::string> names;
    for (const MetricFamily& family : families) {
      EXPECT_TRUE(std::regex_match(family.name, metric_name)) << family.name;
      EXPECT_TRUE(names.insert(family.name).second) << "twice: " << family.name;
      EXPECT_FALSE(family.help.empty()) << family.name;
      EXPECT_EQ(family.type == MetricType::counter, family.name.ends_with("_total")) << family.name;
      for (const MetricSample& s : family.samples)
        for (const auto& [key, value] : s.labels)
          EXPECT_TRUE(std::regex_match(key, label_name)) << family.name << " " << key;
    }
    EXPECT_GT(families.size(), 20u) << host;
  }
}

TEST(PrometheusFamilies, ModelThresholdsAreTheModelsOwn) {
  const facts::HostFacts host = recorded("numa2-5.15");
  const model::HostModel m = model::model_host(host);
  ExportInput input;
  input.host = host;
  const std::vector<MetricFamily> families = prometheus_families(input);
  ASSERT_EQ(m.zones.size(), m.bands.size());
  std::set<int> nodes;
  for (size_t i = 0; i < m.zones.size(); ++i) {
    const std::map<std::string, std::string> zone = {{"node", std::to_string(m.zones[i].node)},
                                                     {"zone", m.zones[i].zone}};
    nodes.insert(m.zones[i].node);
    EXPECT_EQ(sample(families, "mmtune_model_zone_low_bytes", zone),
              double(m.bands[i].kswapd_wakes_below_bytes));
    EXPECT_EQ(sample(families, "mmtune_model_zone_min_bytes", zone),
              double(m.bands[i].direct_reclaim_below_bytes));
  }
  EXPECT_EQ(nodes.size(), 2u);
  EXPECT_EQ(sample(families, "mmtune_model_dirty_freerun_ceiling_bytes"),
            double(m.dirty.freerun_pages * facts::kPageSize));
  EXPECT_EQ(sample(families, "mmtune_model_dirty_limit_bytes"),
            double(m.dirty.threshold_pages * facts::kPageSize));
  EXPECT_EQ(sample(families, "mmtune_reclaim_scanned_bytes_total", {{"by", "kswapd"}}),
            double(host.vmstat.get("pgscan_kswapd").value() * facts::kPageSize));
  EXPECT_EQ(sample(families, "mmtune_compaction_stalls_total"),
            double(host.vmstat.get("compact_stall").value()));
  // What node_exporter exports by default is not repeated.
  for (const MetricFamily& family : families) {
    EXPECT_EQ(family.name.find("pgfault"), std::string::npos) << family.name;
    EXPECT_EQ(family.name.find("oom_kill"), std::string::npos) << family.name;
  }
}

// Before 5.9 the kernel counted only file refaults, as workingset_refault.
TEST(PrometheusFamilies, OldKernelsRefaultsAreFileRefaults) {
  const facts::HostFacts host = recorded("old-4.19");
  ASSERT_TRUE(host.vmstat.get("workingset_refault"));
  ExportInput input;
  input.host = host;
  const std::vector<MetricFamily> families = prometheus_families(input);
  EXPECT_EQ(sample(families, "mmtune_workingset_refaults_total", {{"lru", "file"}}),
            double(*host.vmstat.get("workingset_refault")));
}

TEST(PrometheusFamilies, RecommendationsAreOneInfoSeriesEach) {
  const nlohmann::json golden =
      nlohmann::json::parse(slurp(test::test_data("golden/numa2-5.15/advise-database.json")));
  ReportInput document = read_report_input(golden.dump());
  ExportInput input;
  add_document(input, document);
  const std::vector<MetricFamily> families = prometheus_families(input);
  const MetricFamily* info = find(families, "mmtune_recommendation_info");
  ASSERT_NE(info, nullptr);
  ASSERT_EQ(info->samples.size(), golden["recommendations"].size());
  double changes = 0;
  for (size_t i = 0; i < info->samples.size(); ++i) {
    const nlohmann::json& r = golden["recommendations"][i];
    const std::map<std::string, std::string> labels(info->samples[i].labels.begin(),
                                                    info->samples[i].labels.end());
    EXPECT_EQ(labels.at("knob"), r["knob"]);
    EXPECT_EQ(labels.at("recommended"), r["recommended"]);
    EXPECT_EQ(labels.at("action"), r["action"]);
    EXPECT_EQ(labels.at("confidence"), r["confidence"]);
    changes += r["action"] == "set";
  }
  EXPECT_EQ(sample(families, "mmtune_recommendation_changes"), changes);
  EXPECT_GT(changes, 0);
}

TEST(PrometheusFamilies, CheckVerdictsAndWhenItRan) {
  const std::string text = slurp(test::test_data("reports/check-ci-smoke.json"));
  const nlohmann::json check = nlohmann::json::parse(text);
  ExportInput input;
  add_document(input, read_report_input(text));
  const std::vector<MetricFamily> families = prometheus_families(input);
  EXPECT_EQ(sample(families, "mmtune_check_passed"), 0);
  const MetricFamily* failed = find(families, "mmtune_check_test_failed");
  ASSERT_NE(failed, nullptr);
  EXPECT_EQ(failed->samples.size(), size_t(check["counts"]["failed"]));
  EXPECT_EQ(sample(families, "mmtune_check_tests", {{"suite", "drift"}, {"status", "fail"}}), 2);
  const double started = double(std::chrono::system_clock::to_time_t(
      *facts::parse_utc(check["started_at"].get<std::string>())));
  EXPECT_DOUBLE_EQ(sample(families, "mmtune_last_run_timestamp_seconds", {{"command", "check"}}),
                   started + check["wall_s"].get<double>());
}

// Documents come oldest first; a newer one replaces what an older one gave for the same part.
TEST(PrometheusFamilies, NewerDocumentsReplaceOlderOnes) {
  ExportInput input;
  const std::string general = slurp(test::test_data("golden/local-6.18/advise-general.json"));
  const std::string database = slurp(test::test_data("golden/local-6.18/advise-database.json"));
  add_document(input, read_report_input(general));
  add_document(input, read_report_input(database));
  EXPECT_EQ(input.advice->profile, "database");
  EXPECT_TRUE(input.runs.empty()) << "advice has no time of its own";
  EXPECT_EQ(exported_command("mmtune.tune/1"), "tune");
  EXPECT_EQ(exported_command("mmtune.result/1"), "run");
  EXPECT_FALSE(exported_command("mmtune.host/1"));
  const std::string host = slurp(test::test_data("golden/local-6.18/host.json"));
  EXPECT_THROW(add_document(input, read_report_input(host)), Error);
}

}  // namespace
}  // namespace mmtune::report
