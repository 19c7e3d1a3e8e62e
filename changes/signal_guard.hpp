#pragma once
// SIGINT/SIGTERM for commands that run many workloads or change settings in several steps (sweep,
// baseline, check, apply). While an InterruptGuard lives, the signals only set a flag that the
// command checks between steps; it then stops, lets its journal undo everything, and the CLI
// exits 130. (workloads::execute() installs its own handlers while a workload runs and reports an
// interruption in the result's verdict; it puts these back when it returns.)
namespace mmtune::changes {

class InterruptGuard {
 public:
  InterruptGuard();
  ~InterruptGuard();
  InterruptGuard(const InterruptGuard&) = delete;
  InterruptGuard& operator=(const InterruptGuard&) = delete;

  // The signal that arrived since the guard was made (0: none).
  static int signal_received();
};

}  // namespace mmtune::changes
