// The demand-paging model: faults, RSS and page tables of first touches.
#include "model/demand_paging.hpp"

#include <gtest/gtest.h>

#include "facts/error.hpp"

namespace mmtune::model {
namespace {

TEST(DemandPaging, SequentialGigabyteOfSmallPages) {
  DemandPagingPrediction p = predict_demand_paging({.region_bytes = kGiB});
  EXPECT_EQ(p.faults.value, 262144);
  EXPECT_EQ(p.rss_bytes.value, double(kGiB));
  // 512 PTE tables + 1 PMD table + 1 PUD table.
  EXPECT_EQ(p.page_table_bytes.value, 514.0 * 4096);
  EXPECT_NE(describe(p.faults).find("do_anonymous_page"), std::string::npos);
}

TEST(DemandPaging, HugePagesStillDepositOnePteTableEach) {
  DemandPagingPrediction p =
      predict_demand_paging({.region_bytes = kGiB, .page_bytes = kHugePageSize});
  EXPECT_EQ(p.faults.value, 512);
  EXPECT_EQ(p.rss_bytes.value, double(kGiB));
  EXPECT_EQ(p.page_table_bytes.value, 514.0 * 4096);
}

TEST(DemandPaging, StridesAndReads) {
  DemandPagingPrediction strided = predict_demand_paging(
      {.region_bytes = 64 * kMiB, .pattern = AccessPattern::strided, .stride_bytes = 4 * kMiB});
  EXPECT_EQ(strided.faults.value, 16);
  EXPECT_EQ(strided.page_table_bytes.value, (16.0 + 1 + 1) * 4096);  // one PTE table per touch
  DemandPagingPrediction dense = predict_demand_paging(
      {.region_bytes = 64 * kMiB, .pattern = AccessPattern::strided, .stride_bytes = 1024});
  EXPECT_EQ(dense.faults.value, 16384);
  DemandPagingPrediction reads =
      predict_demand_paging({.region_bytes = 64 * kMiB, .writes = false});
  EXPECT_EQ(reads.faults.value, 16384);
  EXPECT_EQ(reads.rss_bytes.value, 0);
}

TEST(DemandPaging, RandomTouchesCountDistinctPages) {
  // 1000 touches over 1000 pages hit 1000·(1 − (1 − 1/1000)^1000) ≈ 632.
  DemandPagingPrediction p = predict_demand_paging(
      {.region_bytes = 1000 * kPageSize, .pattern = AccessPattern::random, .random_touches = 1000});
  EXPECT_EQ(p.faults.value, 632);
}

TEST(DemandPaging, RejectsBadShapes) {
  EXPECT_THROW(predict_demand_paging({}), Error);
  EXPECT_THROW(predict_demand_paging({.region_bytes = kMiB, .page_bytes = 8192}), Error);
}

}  // namespace
}  // namespace mmtune::model
