#pragma once
// Many hosts' documents at once (`mmtune fleet`, docs/fleet.md): the tune, advice, scenario,
// result, baseline and check JSON that each host wrote, grouped by the identity every document
// carries (facts/identity.hpp), never by file names.
//
//   Fleet fleet = read_fleet({"results/"});       // files, or directories searched for *.json
//   FleetAnalysis analysis = analyse(fleet);
//   render_fleet_html(analysis) / render_fleet_markdown(analysis) / fleet_to_json(analysis)
//
// A host's documents are merged by its machine id (the hostname when a document has none). What a
// host's documents say:
//   settings         knob → value: the host facts of a tune/scenario/result, the fingerprint's
//                    sysctl and thp groups of a baseline/check, the "current" of each
//                    recommendation
//   recommendations  knob, current, recommended, whether to change, confidence, stable id
//   findings         the advice's stable ids: each finding, and each recommendation to change
//   metrics          step/measurement → value: what the scenario's runs measured (model
//                    predictions are not metrics), a baseline's medians, a check's medians now
//   checks           each test of a check: suite, name, status, verdict
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <unordered_map>
#include <vector>

#include "facts/identity.hpp"

namespace mmtune::fleet {

struct Recommendation {
  std::string id;  // the advice's stable id; the knob when the advice names none
  std::string knob, current, recommended, confidence;
  bool change = false;
};

struct Metric {
  std::string name, unit;
  double value = 0;
};

struct CheckTest {
  std::string suite, name, status, verdict;
};

struct HostRecord {
  facts::HostIdentity identity;
  std::string key;                 // machine id, else hostname
  std::vector<std::string> kinds;  // the schemas read for it ("mmtune.tune/1", …)
  std::map<std::string, std::string, std::less<>> settings;
  std::vector<Recommendation> recommendations;
  std::vector<std::string> findings;
  std::vector<Metric> metrics;
  std::vector<CheckTest> checks;

  std::string name() const;  // hostname, else the machine id
};

struct Fleet {
  std::vector<HostRecord> hosts;                            // in the order first seen
  size_t documents = 0;                                     // documents read
  std::map<std::string, std::vector<std::string>> skipped;  // why → the files skipped for it
  std::unordered_map<std::string, size_t> index;            // HostRecord::key → its position
};

// Reads every input (a file, or a directory searched recursively for *.json). Throws
// Error{bad_input} naming an input that does not exist, or when nothing could be read at all.
Fleet read_fleet(const std::vector<std::filesystem::path>& inputs);

// One document's text, for tests and the fuzz target: merged into fleet as read_fleet does.
// label names it in Fleet::skipped. Returns false (and records why) when it is not a document with
// an identity.
bool add_document(Fleet& fleet, std::string_view text, std::string_view label);

// Hosts of the same kernel release, memory size (MemTotal rounded to GiB), NUMA node count and
// profile.
struct Group {
  std::string kernel, profile;
  uint64_t mem_gib = 0;
  int numa_nodes = 0;
  std::vector<size_t> hosts;  // indexes into Fleet::hosts

  std::string label() const;  // "6.1.0-28-amd64 · 64 GiB · 2 nodes · database"
};

// Per knob and group: how many hosts the advice covers and how many it says to change, with the
// most frequent current → recommended pair among those.
struct HeatCell {
  size_t advised = 0, deviating = 0;
  std::string typical;  // "60 → 10 (412 hosts)"
};
struct HeatRow {
  std::string knob;
  size_t deviating = 0;         // over all groups
  std::vector<HeatCell> cells;  // one per group, in FleetAnalysis::groups order
};

struct FindingRow {
  std::string id;
  size_t hosts = 0, groups = 0;
  std::vector<std::string> examples;  // a few host names
};

// A metric across hosts: median and MAD, and the hosts whose modified z-score,
// 0.6745 × (x − median) / MAD, exceeds 3.5 in magnitude (Iglewicz and Hoaglin). When MAD is 0
// (more than half the hosts agree exactly) the mean absolute deviation × 1.2533 stands in for it.
struct MetricOutlier {
  size_t host = 0;
  double value = 0, z = 0;
};
struct MetricRow {
  std::string name, unit;
  size_t hosts = 0;
  double median = 0, mad = 0, min = 0, max = 0;
  std::vector<double> values;           // every host's value, for the plot
  std::vector<MetricOutlier> outliers;  // by |z|, largest first
};

struct CheckRow {
  size_t host = 0;
  size_t regressed = 0, failed = 0, passed = 0, skipped = 0;
  std::vector<std::string> regressions, failures;  // test names
};

// Within a group, a knob whose value is not the same on every host: the most common value and the
// hosts that differ from it.
struct DriftRow {
  size_t group = 0;
  std::string knob, majority;
  size_t majority_hosts = 0;
  std::map<std::string, std::vector<size_t>> others;  // value → hosts
  size_t drifted() const;
};

struct FleetAnalysis {
  const Fleet* fleet = nullptr;
  std::vector<Group> groups;         // largest first
  std::vector<HeatRow> heat;         // most deviating knob first
  std::vector<FindingRow> findings;  // most hosts first
  std::vector<MetricRow> metrics;    // most outliers first
  std::vector<CheckRow> checks;      // regressions first, then failures, then the rest
  std::vector<DriftRow> drift;       // most drifted hosts first
};

FleetAnalysis analyse(const Fleet& fleet);

std::string render_fleet_html(const FleetAnalysis& analysis);
std::string render_fleet_markdown(const FleetAnalysis& analysis);
std::string fleet_to_json(const FleetAnalysis& analysis);

}  // namespace mmtune::fleet
