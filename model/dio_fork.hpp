#pragma once
// O_DIRECT + fork(): whether a read in flight into a private buffer loses its data when the parent
// writes to the same page after fork(), on this kernel, and which workarounds are safe.
// See the essay in dio_fork.cpp.
#include <string>
#include <string_view>
#include <vector>

#include "model/prediction.hpp"

namespace mmtune::model {

enum class DioBuffer {
  private_anon,           // MAP_PRIVATE | MAP_ANONYMOUS (malloc): the racy case
  private_anon_dontfork,  // the same with MADV_DONTFORK
  shared,                 // MAP_SHARED
  registered,             // io_uring fixed (registered) buffer: FOLL_PIN | FOLL_LONGTERM
};
std::string_view to_string(DioBuffer buffer);

struct DioForkShape {
  DioBuffer buffer = DioBuffer::private_anon;
  bool parent_writes_same_page =
      true;                  // the parent writes into the page while the read is in flight
  bool child_alive = true;   // the child still exists when the parent writes
  bool block_device = true;  // the file is on a block-device filesystem (not NFS/FUSE/CIFS)
};

enum class DioVerdict { safe, data_loss_expected, unknown };
std::string_view to_string(DioVerdict verdict);

struct Workaround {
  DioBuffer buffer = DioBuffer::private_anon_dontfork;
  bool safe = false;
  std::string why;
};

struct DioForkPrediction {
  bool kernel_affected = false;  // block O_DIRECT still takes plain references (FOLL_GET) here
  DioVerdict verdict = DioVerdict::unknown;
  Explanation why;
  std::vector<Workaround> workarounds;  // MADV_DONTFORK, MAP_SHARED, registered buffers
};

DioForkPrediction predict_dio_fork(const DioForkShape& shape, const facts::KernelInfo& kernel);

}  // namespace mmtune::model
