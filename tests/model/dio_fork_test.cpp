// The O_DIRECT + fork model: verdicts by kernel version, child exit and workaround.
#include "model/dio_fork.hpp"

#include <gtest/gtest.h>

#include "tests/model/kernel_info.hpp"

namespace mmtune::model {
namespace {

using test::kernel;

TEST(DioFork, AffectedBefore65) {
  DioForkPrediction debian12 = predict_dio_fork({}, kernel(6, 1));
  EXPECT_TRUE(debian12.kernel_affected);
  EXPECT_EQ(debian12.verdict, DioVerdict::data_loss_expected);
  DioForkPrediction here = predict_dio_fork({}, kernel(6, 18));
  EXPECT_FALSE(here.kernel_affected);
  EXPECT_EQ(here.verdict, DioVerdict::safe);
}

TEST(DioFork, ChildExitMattersOnlyBefore59) {
  EXPECT_EQ(predict_dio_fork({.child_alive = false}, kernel(5, 4)).verdict, DioVerdict::safe);
  EXPECT_EQ(predict_dio_fork({.child_alive = false}, kernel(5, 10)).verdict,
            DioVerdict::data_loss_expected);
}

TEST(DioFork, Workarounds) {
  for (DioBuffer buffer : {DioBuffer::private_anon_dontfork, DioBuffer::shared}) {
    EXPECT_EQ(predict_dio_fork({.buffer = buffer}, kernel(4, 19)).verdict, DioVerdict::safe);
  }
  EXPECT_EQ(predict_dio_fork({.buffer = DioBuffer::registered}, kernel(6, 1)).verdict,
            DioVerdict::safe);
  EXPECT_EQ(predict_dio_fork({.buffer = DioBuffer::registered}, kernel(5, 4)).verdict,
            DioVerdict::data_loss_expected);
  DioForkPrediction old = predict_dio_fork({}, kernel(5, 4));
  ASSERT_EQ(old.workarounds.size(), 3u);
  EXPECT_TRUE(old.workarounds[0].safe);
  EXPECT_TRUE(old.workarounds[1].safe);
  EXPECT_FALSE(old.workarounds[2].safe);
  EXPECT_EQ(predict_dio_fork({.parent_writes_same_page = false}, kernel(6, 1)).verdict,
            DioVerdict::safe);
  EXPECT_EQ(predict_dio_fork({.block_device = false}, kernel(6, 18)).verdict, DioVerdict::unknown);
}

}  // namespace
}  // namespace mmtune::model
