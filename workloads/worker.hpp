#pragma once
// Worker processes of a workload (a bystander, a page-cache reader, an allocator meant to be OOM
// killed): forked from the workload process, dead when it dies (PR_SET_PDEATHSIG), optionally in a
// cgroup before they run a single line of their body, and always reaped.
//
// Fork from a workload process that has no threads yet: the child runs C++ after fork, which is
// only safe when no other thread could hold a lock (malloc's) at that instant. Workers report
// through memory shared with the workload (SharedArray below), so what they measured survives an
// OOM kill.
#include <sys/resource.h>
#include <sys/types.h>

#include <cstddef>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>

namespace mmtune::workloads {

// What the worker does; its return value is its exit status.
using WorkerBody = std::function<int()>;

// Forks a worker. cgroup_procs, when given, is the absolute path of a cgroup.procs file the worker
// writes its own pid to first (it exits with status 125 if that fails). The worker's SIGINT and
// SIGTERM set the session's stop flag like the workload's own. Throws Error{internal} when fork
// fails.
pid_t spawn_worker(const WorkerBody& body,
                   const std::optional<std::string>& cgroup_procs = std::nullopt);

struct WorkerExit {
  pid_t pid = 0;
  bool exited = false;  // normal exit, with code
  int code = 0;
  int signal = 0;      // the signal that ended it (SIGKILL from the OOM killer, …); 0 if none
  int64_t end_ns = 0;  // CLOCK_MONOTONIC when the reap returned
  rusage usage{};
};

// Waits for pid; with timeout_s, returns nullopt when it is still running after that long.
std::optional<WorkerExit> reap_worker(pid_t pid, std::optional<double> timeout_s = std::nullopt);
// Sends SIGKILL and reaps (for workers that run until told otherwise).
WorkerExit kill_worker(pid_t pid);

// Private-to-the-workload shared anonymous memory for a worker's results: count elements of T,
// zeroed, mapped before fork so both sides see the same pages, and touched by the parent so they
// are charged to the parent's memory cgroup, not to a worker's limited one.
class SharedBytes {
 public:
  explicit SharedBytes(size_t bytes);
  ~SharedBytes();
  SharedBytes(const SharedBytes&) = delete;
  SharedBytes& operator=(const SharedBytes&) = delete;
  void* data() const { return data_; }
  size_t size() const { return bytes_; }

 private:
  void* data_ = nullptr;
  size_t bytes_ = 0;
};

template <class T>
class SharedArray {
 public:
  explicit SharedArray(size_t count) : bytes_(count * sizeof(T)), count_(count) {}
  T* data() const { return static_cast<T*>(bytes_.data()); }
  T& operator[](size_t i) const { return data()[i]; }
  size_t size() const { return count_; }

 private:
  SharedBytes bytes_;
  size_t count_;
};

}  // namespace mmtune::workloads
