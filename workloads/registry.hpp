#pragma once
// The table of workloads (workloads/registry.cpp holds it).
#include <span>
#include <string>
#include <string_view>

#include "workloads/workload.hpp"

namespace mmtune::workloads {

// Every workload, in the order of `mmtune list`.
std::span<const Workload* const> all_workloads();
// nullptr when there is no workload of that name.
const Workload* find_workload(std::string_view name);
// The nearest workload name, for "did you mean"; empty when nothing is close.
std::string suggest_workload(std::string_view name);

}  // namespace mmtune::workloads
