#pragma once
// SIGINT/SIGTERM while mmtune is in the middle of something it must end cleanly: a workload run, a
// sweep, a baseline, an apply, a QEMU boot, the sampling loop of `mmtune probe`. While a
// SignalGuard lives the two signals only record themselves: the handler stores the signal number,
// sets a flag and makes a wake descriptor readable, nothing else. The code looks at the record
// where it suits it: between its steps (received()), in inner loops that take a flag (flag()), or
// in poll/ppoll (wake_fd(), or sampler_stop() for probes::run_sampling). It then stops, lets its
// journal undo what it changed, and the CLI exits 130.
//
// Guards nest and share one record: a sweep's guard around each run's guard sees the signal that
// stopped a run. The outermost guard clears the record and installs the handler (SA_RESTART, so a
// write to stdout resumes); when it goes, the previous handlers come back. Make guards on one
// thread; any thread may read the record.
//
// A forked process that does work of its own (the workload process, its workers) is made with
// SignalGuard::fork(): the child starts with nothing recorded and the handler installed, and never
// wakes its parent's poll.
#include <sys/types.h>

#include <atomic>

namespace mmtune::probes {
class SamplerStop;
}

namespace mmtune::changes {

class SignalGuard {
 public:
  SignalGuard();
  ~SignalGuard();
  SignalGuard(const SignalGuard&) = delete;
  SignalGuard& operator=(const SignalGuard&) = delete;

  // The signal that arrived since the outermost guard was made (0: none). It stays recorded after
  // the guards are gone, until the next outermost guard.
  static int received();
  // True with received() != 0, as an atomic flag for loops that take one.
  static const std::atomic<bool>& flag();
  // Readable from the moment a signal arrives, and stays readable (a latch: stop polling it once
  // you have acted on it). -1 when no guard lives, which poll() ignores.
  static int wake_fd();
  // The same latch as the stop of a probes::run_sampling() loop.
  probes::SamplerStop& sampler_stop() const;

  // fork() for a child that runs code of its own: SIGINT and SIGTERM are held back across the
  // fork; the child starts with nothing recorded, no wake descriptor (its signals must not wake
  // the parent) and the handler installed for the rest of its life. Returns what fork() returns.
  static pid_t fork();
};

}  // namespace mmtune::changes
