// The NUMA model: placement by policy and the penalty from the distance table.
#include "model/numa.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"

namespace mmtune::model {
namespace {

std::vector<facts::NumaNode> two_nodes() {
  facts::NumaNode a, b;
  a.id = 0;
  a.cpus = {0, 1};
  a.distances = {10, 21};
  b.id = 1;
  b.cpus = {2, 3};
  b.distances = {21, 10};
  return {a, b};
}

TEST(Numa, PenaltyFromDistances) {
  EXPECT_DOUBLE_EQ(remote_penalty(two_nodes(), 0, 1), 2.1);
  EXPECT_DOUBLE_EQ(remote_penalty(two_nodes(), 1, 1), 1.0);
  EXPECT_EQ(node_of_cpu(two_nodes(), 3), 1);
  EXPECT_THROW(node_of_cpu(two_nodes(), 9), Error);
  EXPECT_THROW(remote_penalty(two_nodes(), 0, 5), Error);
}

TEST(Numa, BindToTheOtherNodeIsAllRemote) {
  NumaPlacement p = predict_numa_placement(
      {.policy = MemPolicy::bind, .nodes = {1}, .cpu = 0, .bytes = 64 * kMiB}, two_nodes());
  EXPECT_EQ(p.bytes_per_node.at(1), 64 * kMiB);
  EXPECT_DOUBLE_EQ(p.remote_fraction.value, 1.0);
  EXPECT_DOUBLE_EQ(p.penalty.value, 2.1);
  EXPECT_FALSE(p.balancing_may_migrate);  // an explicit policy is never migrated by balancing
}

TEST(Numa, BindToBothPicksTheNearest) {
  NumaPlacement p = predict_numa_placement(
      {.policy = MemPolicy::bind, .nodes = {0, 1}, .cpu = 2, .bytes = 64 * kMiB}, two_nodes());
  EXPECT_EQ(p.bytes_per_node.size(), 1u);
  EXPECT_EQ(p.bytes_per_node.at(1), 64 * kMiB);
}

TEST(Numa, InterleaveSplitsPages) {
  NumaPlacement p = predict_numa_placement(
      {.policy = MemPolicy::interleave, .nodes = {0, 1}, .cpu = 0, .bytes = 64 * kMiB},
      two_nodes());
  EXPECT_EQ(p.bytes_per_node.at(0), 32 * kMiB);
  EXPECT_EQ(p.bytes_per_node.at(1), 32 * kMiB);
  EXPECT_DOUBLE_EQ(p.penalty.value, 1.55);
}

TEST(Numa, LocalFirstTouchThenMoveAndBalancing) {
  NumaPlacement p = predict_numa_placement(
      {.cpu = 2, .access_cpu = 0, .bytes = 64 * kMiB, .numa_balancing = true}, two_nodes());
  EXPECT_EQ(p.alloc_node, 1);
  EXPECT_EQ(p.access_node, 0);
  EXPECT_DOUBLE_EQ(p.remote_fraction.value, 1.0);
  EXPECT_TRUE(p.balancing_may_migrate);
}

TEST(Numa, LocalSpillsWhenTheNodeIsFull) {
  auto nodes = two_nodes();
  nodes[0].mem_free_bytes = 16 * kMiB;
  NumaPlacement p = predict_numa_placement({.cpu = 0, .bytes = 64 * kMiB}, nodes);
  EXPECT_EQ(p.bytes_per_node.at(0), 16 * kMiB);
  EXPECT_EQ(p.bytes_per_node.at(1), 48 * kMiB);
  EXPECT_THROW(predict_numa_placement({.policy = MemPolicy::bind, .cpu = 0, .bytes = 1}, nodes),
               Error);
  EXPECT_THROW(predict_numa_placement({.policy = MemPolicy::bind, .nodes = {4}, .bytes = 1}, nodes),
               Error);
}

}  // namespace
}  // namespace mmtune::model
