#pragma once
// The kernel's own word on an OOM kill, from /dev/kmsg: which process the OOM killer chose and in
// which memory cgroup. waitpid() says a worker died of SIGKILL; these lines say who sent it and
// why.
#include <sys/types.h>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace mmtune::workloads {

struct OomKillRecord {
  pid_t pid = 0;
  std::string comm;       // "mmtune"
  std::string oom_memcg;  // cgroup path the OOM was in ("/a/mmtune-1-oom1"); empty for a global OOM
  bool memcg = false;     // "Memory cgroup out of memory" (a cgroup limit), not the whole host
};

// Parses kernel log text (/dev/kmsg records "pri,seq,ts,flags;message" or dmesg lines): pairs each
// "oom-kill:constraint=…,oom_memcg=…,pid=N" line with the "… out of memory: Killed process N
// (comm)" line that follows it.
std::vector<OomKillRecord> parse_oom_kills(std::string_view text);

// Reads /dev/kmsg from the moment it is opened on; nullopt from read_new() when the log cannot be
// read (not root, dmesg_restrict, no /dev/kmsg).
class KernelLog {
 public:
  KernelLog();
  ~KernelLog();
  KernelLog(const KernelLog&) = delete;
  KernelLog& operator=(const KernelLog&) = delete;
  bool available() const { return fd_ >= 0; }
  // The records written since the last call (or since opening), as text.
  std::optional<std::string> read_new();

 private:
  int fd_ = -1;
};

}  // namespace mmtune::workloads
