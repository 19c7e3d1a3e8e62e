#include "facts/facts_json.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"
#include "probes/readers.hpp"
#include "tests/support/recorded_hosts.hpp"

namespace mmtune::probes {
namespace {

facts::HostFacts small_facts() {
  facts::HostFacts f;
  f.kernel = {"5.4.0-1", 5, 4, 0, std::nullopt};
  f.cpu = {4, "0-3", 64};
  f.meminfo.total_bytes = 8 * facts::kGiB;
  f.meminfo.fields.values["MemTotal"] = 8 * facts::kGiB;
  f.zones.push_back(facts::Zone{0, "Normal", 10, 1, 2, 3, std::nullopt, 0, 100, 90, 80, {0, 0, 0}});
  f.settings.values["vm.swappiness"] = "60";
  return f;
}

TEST(FactsJson, AbsentOptionalsAreNull) {
  nlohmann::json j = facts::host_facts_to_json(small_facts());
  EXPECT_EQ(j["schema"], "mmtune.host/1");
  EXPECT_TRUE(j["psi"].is_null());
  EXPECT_TRUE(j["mglru"].is_null());
  EXPECT_TRUE(j["kernel"]["cmdline"].is_null());
  EXPECT_TRUE(j["meminfo"]["available_bytes"].is_null());
  EXPECT_TRUE(j["zones"][0]["promo_pages"].is_null());
  EXPECT_EQ(j["zones"][0]["boost_pages"], 0);
  EXPECT_EQ(j["cpu"]["cache_line_bytes"], 64);
}

TEST(FactsJson, RoundTripsHandMadeFacts) {
  facts::HostFacts facts = small_facts();
  facts.psi = facts::Psi{{0.5, 0.25, 0.125, 42}, std::nullopt};
  facts.mglru = 7;
  EXPECT_EQ(facts::host_facts_from_json(facts::host_facts_to_json(facts)), facts);
}

TEST(FactsJson, RejectsAnotherSchema) {
  nlohmann::json j = facts::host_facts_to_json(small_facts());
  j["schema"] = "mmtune.host/2";
  try {
    facts::host_facts_from_json(j);
    FAIL() << "accepted schema mmtune.host/2";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::bad_input);
    EXPECT_NE(std::string(e.what()).find("mmtune.host/1"), std::string::npos) << e.what();
  }
}

TEST(FactsJson, ADocumentFromBeforeTheLaterKeysStillReads) {
  facts::HostFacts facts = small_facts();
  facts.cgroup.version = 2;
  facts.cgroup.path = "/";
  nlohmann::json j = facts::host_facts_to_json(facts);
  for (const char* key : {"uptime_s", "choices", "cgroups", "kubelet", "persisted"}) j.erase(key);
  j["cgroup"].erase("high_bytes");
  j["cgroup"].erase("peak_bytes");
  EXPECT_EQ(facts::host_facts_from_json(j), facts);
}

TEST(FactsJson, NamesAMissingKey) {
  nlohmann::json j = facts::host_facts_to_json(small_facts());
  j.erase("zones");
  try {
    facts::host_facts_from_json(j);
    FAIL() << "accepted a document without zones";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("zones"), std::string::npos) << e.what();
  }
}

// Found by fuzzing result documents: nlohmann converts a float to an integer member unchecked
// (undefined behaviour out of range, reported by UBSan), so such numbers are refused first.
TEST(FactsJson, RefusesANumberNoIntegerMemberCanHold) {
  const nlohmann::json good = facts::host_facts_to_json(small_facts());
  auto refusal = [](const nlohmann::json& j) -> std::string {
    try {
      facts::host_facts_from_json(j);
    } catch (const Error& e) {
      EXPECT_EQ(e.kind(), ErrorKind::bad_input) << e.what();
      return e.what();
    }
    return "accepted";
  };
  nlohmann::json j = good;
  j["meminfo"]["fields"]["MemTotal"] = 1e36;
  EXPECT_EQ(refusal(j), "host facts: the number 1e+36 is out of range");
  j["meminfo"]["fields"]["MemTotal"] = -5;  // an integer: nlohmann would wrap it to 2^64 - 5
  EXPECT_EQ(refusal(j), "counter \"MemTotal\" is -5, not a whole number >= 0");
  j = good;
  j["zones"][0]["free_pages"] = -5.0;
  EXPECT_EQ(refusal(j), "host facts: the number -5.0 is out of range");
  j = good;
  j["cpu"]["online"] = 3e9;
  EXPECT_EQ(refusal(j), "host facts: the number 3000000000.0 is out of range");
  j = good;
  j["uptime_s"] = 12.5;  // a float where the facts have one
  EXPECT_EQ(refusal(j), "accepted");
}

TEST(FactsJsonSnapshot, EveryRecordedHostRoundTrips) {
  for (const std::string& host : test::recorded_hosts()) {
    SCOPED_TRACE(host);
    facts::HostFacts facts = read_host_facts(HostFs(test::test_data("hosts/" + host)));
    nlohmann::json j = facts::host_facts_to_json(facts);
    EXPECT_EQ(facts::host_facts_from_json(j), facts);
    // Stable text: the same facts always serialise to the same bytes.
    EXPECT_EQ(j.dump(2), facts::host_facts_to_json(facts::host_facts_from_json(j)).dump(2));
  }
}

// The golden host.json is `mmtune host --root <host> --json`: the host facts plus what the CLI adds
// (the model's thresholds). Here only the facts part is checked; tests/cli checks the whole file.
TEST(FactsJsonSnapshot, EveryRecordedHostMatchesGolden) {
  auto hosts = test::recorded_hosts();
  ASSERT_GE(hosts.size(), 4u);
  for (const std::string& host : hosts) {
    SCOPED_TRACE(host);
    nlohmann::json facts =
        facts::host_facts_to_json(read_host_facts(HostFs(test::test_data("hosts/" + host))));
    auto path = test::golden_path(host);
    if (test::update_golden()) {
      nlohmann::json golden = std::filesystem::exists(path)
                                  ? nlohmann::json::parse(test::slurp(path))
                                  : nlohmann::json::object();
      for (const auto& [key, value] : facts.items()) golden[key] = value;
      test::write_text(path, golden.dump(2) + "\n");
      continue;
    }
    ASSERT_TRUE(std::filesystem::exists(path))
        << path << " missing: run the tests with MMTUNE_UPDATE_GOLDEN=1";
    nlohmann::json golden = nlohmann::json::parse(test::slurp(path));
    for (const auto& [key, value] : facts.items()) {
      EXPECT_EQ(golden[key], value) << "key \"" << key << "\" differs from " << path;
    }
  }
}

}  // namespace
}  // namespace mmtune::probes
