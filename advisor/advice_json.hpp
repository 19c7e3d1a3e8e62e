#pragma once
// The JSON form of the advice, schema "mmtune.advice/1". The HTML report and CI read it, so keys
// are stable (new keys may be added within version 1) and the document has no timestamps: the same
// host, profile and evidence give the same bytes (nlohmann sorts object keys).
//
//   { "schema": "mmtune.advice/1",
//     "profile": {"name", "file", "summary"},
//     "host": {"kernel", "cpus", "mem_total_bytes", "mem_available_bytes", "swap_total_bytes",
//              "swap_devices": [], "numa_nodes", "mglru", "cgroup_version", "thp_enabled",
//              "thp_defrag"},
//     "scenario": "quick" | null,          the scenario whose runs are the evidence
//     "runs": [{"step", "workload", "status", "reason", "wall_s"}],
//     "recommendations": [{
//        "knob": "vm.swappiness", "current": "60" | null, "recommended": "1",
//        "action": "set" | "keep", "confidence": "low" | "medium" | "high",
//        "summary": "…", "rationale": ["…"],
//        "numbers": [{"name", "value", "unit", "rule", "kernel_function", "text"}],   model
//        "evidence": [{"run", "workload", "measurement", "value", "unit", "counter"}], measured
//        "evidence_missing": "…" | null,
//        "sources": [{"id", "kind", "title", "where"}] }],
//     "notes": ["…"] }
#include <nlohmann/json.hpp>
#include <string_view>

#include "advisor/advice.hpp"

namespace mmtune::advisor {

inline constexpr std::string_view kAdviceSchema = "mmtune.advice/1";

nlohmann::json advice_to_json(const Advice& advice);
// The inverse, for reports of a saved advice (sources stay ids; their titles come from this
// build's table). Throws Error{bad_input} when j is not a "mmtune.advice/1" document.
Advice advice_from_json(const nlohmann::json& j);

}  // namespace mmtune::advisor
