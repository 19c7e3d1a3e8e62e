// NUMA placement and the remote-access penalty.
//
// Distances: /sys/devices/system/node/nodeN/distance is the firmware's SLIT row, 10 = local; by
// convention distance/10 approximates the latency ratio (21 → ≈2.1× a local access). Firmware
// writes these numbers, nothing measures them: the numa-misplacement workload measures the real
// ratio.
//
// Placement (mm/mempolicy.c, alloc_pages_mpol → policy_nodemask, interleave_nid):
//   local (default / MPOL_LOCAL)  the node of the CPU that touches the page first; when that node
//   is
//                                 short of memory, the next nodes in distance order (zonelist)
//   preferred                     the preferred node first, then the fallback order of that node
//   bind                          the allowed node nearest to the faulting CPU, never outside the
//                                 mask: when the mask is full, reclaim and then OOM
//   interleave                    page i of the VMA goes to the (i mod n)-th node: bytes / n each
// Penalty for a thread on node A: Σ over nodes of share(node) · distance(A, node) / distance(A, A).
//
// NUMA balancing (kernel.numa_balancing = 1, task_numa_work → do_numa_page): scans the task's
// memory, takes hinting faults (numa_hint_faults) and migrates pages towards the node that uses
// them (numa_pages_migrated) — for the default policy only (MPOL_F_MOF); an explicit bind,
// preferred or interleave policy keeps pages where the policy put them.
//
// Assumptions: free memory on a node is not modelled unless mem_free_bytes is known (then local
// and preferred spill to the nearest node with room); each CPU belongs to one node.
//
// Worked example: 2 nodes, distances [10 21; 21 10], memory bound to node 1, thread on node 0 →
// 100 % remote, penalty 2.1; interleave over both → 50 % remote, penalty (10 + 21) / 2 / 10 = 1.55.
#include "model/numa.hpp"

#include <fmt/format.h>

#include <algorithm>

#include "facts/error.hpp"
#include "facts/units.hpp"

namespace mmtune::model {
namespace {

size_t index_of(const std::vector<facts::NumaNode>& nodes, int id) {
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (nodes[i].id == id) return i;
  }
  fail(ErrorKind::bad_input, "NUMA node {} does not exist on this host", id);
}

int distance(const std::vector<facts::NumaNode>& nodes, int from, int to) {
  const facts::NumaNode& row = nodes[index_of(nodes, from)];
  size_t column = index_of(nodes, to);
  if (column >= row.distances.size())
    return from == to ? 10 : 20;  // no SLIT: the kernel's defaults
  return row.distances[column];
}

// Nodes in fallback order from `from`: nearest first, ties by id (build_zonelists).
std::vector<int> fallback_order(const std::vector<facts::NumaNode>& nodes, int from) {
  std::vector<int> order;
  for (const facts::NumaNode& node : nodes) order.push_back(node.id);
  std::stable_sort(order.begin(), order.end(), [&](int a, int b) {
    return distance(nodes, from, a) < distance(nodes, from, b);
  });
  return order;
}

// Fills nodes in order, each up to its free memory when known.
void fill(std::map<int, uint64_t>& out, const std::vector<facts::NumaNode>& nodes,
          const std::vector<int>& order, uint64_t bytes) {
  for (size_t i = 0; i < order.size() && bytes > 0; ++i) {
    const auto& free = nodes[index_of(nodes, order[i])].mem_free_bytes;
    uint64_t take = (free && i + 1 < order.size()) ? std::min(bytes, *free) : bytes;
    if (take > 0) out[order[i]] += take;
    bytes -= take;
  }
}

}  // namespace

std::string_view to_string(MemPolicy policy) {
  switch (policy) {
    case MemPolicy::local:
      return "local";
    case MemPolicy::preferred:
      return "preferred";
    case MemPolicy::bind:
      return "bind";
    case MemPolicy::interleave:
      return "interleave";
  }
  return "?";
}

double remote_penalty(const std::vector<facts::NumaNode>& nodes, int from, int to) {
  return double(distance(nodes, from, to)) / double(distance(nodes, from, from));
}

int node_of_cpu(const std::vector<facts::NumaNode>& nodes, int cpu) {
  for (const facts::NumaNode& node : nodes) {
    if (std::find(node.cpus.begin(), node.cpus.end(), cpu) != node.cpus.end()) return node.id;
  }
  fail(ErrorKind::bad_input, "CPU {} belongs to no NUMA node on this host", cpu);
}

NumaPlacement predict_numa_placement(const NumaShape& shape,
                                     const std::vector<facts::NumaNode>& nodes) {
  if (nodes.empty()) fail(ErrorKind::bad_input, "NUMA placement: this host reports no NUMA nodes");
  if (shape.policy != MemPolicy::local && shape.nodes.empty()) {
    fail(ErrorKind::bad_input, "NUMA placement: policy {} needs at least one node",
         to_string(shape.policy));
  }
  for (int node : shape.nodes) index_of(nodes, node);

  NumaPlacement out;
  out.alloc_node = node_of_cpu(nodes, shape.cpu);
  out.access_node = node_of_cpu(nodes, shape.access_cpu < 0 ? shape.cpu : shape.access_cpu);
  std::string rule;
  switch (shape.policy) {
    case MemPolicy::local:
      fill(out.bytes_per_node, nodes, fallback_order(nodes, out.alloc_node), shape.bytes);
      rule = fmt::format("local: first touch on CPU {} → node {}, spilling by distance", shape.cpu,
                         out.alloc_node);
      break;
    case MemPolicy::preferred:
      fill(out.bytes_per_node, nodes, fallback_order(nodes, shape.nodes.front()), shape.bytes);
      rule = fmt::format("preferred: node {} first, then by distance", shape.nodes.front());
      break;
    case MemPolicy::bind: {
      std::vector<int> allowed;
      for (int node : fallback_order(nodes, out.alloc_node)) {
        if (std::find(shape.nodes.begin(), shape.nodes.end(), node) != shape.nodes.end())
          allowed.push_back(node);
      }
      out.bytes_per_node[allowed.front()] = shape.bytes;
      rule = fmt::format(
          "bind: the allowed node nearest to CPU {}'s node {} → node {} (full: reclaim, OOM)",
          shape.cpu, out.alloc_node, allowed.front());
      break;
    }
    case MemPolicy::interleave: {
      const uint64_t pages = div_round_up(shape.bytes, kPageSize), n = shape.nodes.size();
      for (size_t i = 0; i < n; ++i) {
        uint64_t share = pages / n + (i < pages % n ? 1 : 0);
        if (share) out.bytes_per_node[shape.nodes[i]] += share * kPageSize;
      }
      rule = fmt::format("interleave: page i → node (i mod {})", n);
      break;
    }
  }

  uint64_t remote = 0;
  double weighted = 0;
  std::string terms;
  for (const auto& [node, bytes] : out.bytes_per_node) {
    if (node != out.access_node) remote += bytes;
    double share = shape.bytes ? double(bytes) / double(shape.bytes) : 0;
    double p = remote_penalty(nodes, out.access_node, node);
    weighted += share * p;
    terms += fmt::format("{}{:.3f}·{:.2f}", terms.empty() ? "" : " + ", share, p);
  }
  out.balancing_may_migrate =
      shape.numa_balancing && shape.policy == MemPolicy::local && remote > 0;
  const double fraction = shape.bytes ? double(remote) / double(shape.bytes) : 0;
  out.why = {
      rule, "alloc_pages_mpol / policy_nodemask / interleave_nid (mm/mempolicy.c)",
      fmt::format("access from node {}; {} remote{}", out.access_node, facts::format_bytes(remote),
                  out.balancing_may_migrate ? "; NUMA balancing would migrate it" : "")};
  out.remote_fraction = {"remote_fraction",
                         fraction,
                         "ratio",
                         {"remote = bytes not on the accessing CPU's node", out.why.kernel_function,
                          fmt::format("= {} / {} = {:.3f}", facts::format_bytes(remote),
                                      facts::format_bytes(shape.bytes), fraction)}};
  out.penalty = {"penalty",
                 weighted,
                 "x",
                 {"penalty = Σ share · distance(access, node) / distance(access, access)",
                  "SLIT distances (/sys/devices/system/node/node*/distance)", "= " + terms}};
  return out;
}

}  // namespace mmtune::model
