#pragma once
// NUMA: remote-access penalty from the distance table, where pages land for a memory policy and a
// CPU, and whether automatic NUMA balancing would move them. See the essay in numa.cpp.
#include <cstdint>
#include <map>
#include <string_view>
#include <vector>

#include "model/prediction.hpp"

namespace mmtune::model {

enum class MemPolicy { local, preferred, bind, interleave };
std::string_view to_string(MemPolicy policy);

struct NumaShape {
  MemPolicy policy = MemPolicy::local;
  std::vector<int> nodes = {};  // the policy's nodes (preferred: the first; bind/interleave: all)
  int cpu = 0;                  // CPU that touches the memory first (allocation happens there)
  int access_cpu = -1;          // CPU that uses it afterwards; -1 = the same CPU
  uint64_t bytes = 0;
  bool numa_balancing = false;  // kernel.numa_balancing ≥ 1
};

struct NumaPlacement {
  int alloc_node = -1;                     // node of shape.cpu
  int access_node = -1;                    // node of the accessing CPU
  std::map<int, uint64_t> bytes_per_node;  // where the pages land
  bool balancing_may_migrate = false;      // NUMA balancing would move remote pages to access_node
  Prediction remote_fraction;              // share of the bytes not on access_node
  Prediction penalty;  // Σ share·distance(access, node) / distance(access, access)
  Explanation why;
};

// distance(from, to) / distance(from, from) from the SLIT rows; 1.0 when from == to. Throws
// Error{bad_input} for a node that is not in nodes.
double remote_penalty(const std::vector<facts::NumaNode>& nodes, int from, int to);
// The node whose cpu list holds cpu; throws Error{bad_input} if none does.
int node_of_cpu(const std::vector<facts::NumaNode>& nodes, int cpu);

// Throws Error{bad_input} when a policy node does not exist or bind/interleave/preferred has no
// node.
NumaPlacement predict_numa_placement(const NumaShape& shape,
                                     const std::vector<facts::NumaNode>& nodes);

}  // namespace mmtune::model
