#include "cli/host_hold.hpp"

#include "changes/signal_guard.hpp"
#include "cli/options.hpp"

namespace mmtune::cli {

void add_host_wait_option(CLI::App& sub, std::optional<std::string>& wait) {
  sub.add_option("--wait", wait,
                 "When another mmtune holds the host: wait for it (--wait) or at most DURATION "
                 "(--wait=30s); without it, exit 3 at once")
      ->expected(0, 1)
      ->default_str("forever")
      ->type_name("[=DURATION]");
}

changes::HostLockWait host_lock_wait(const std::optional<std::string>& wait) {
  if (!wait) return {};
  if (*wait == "forever") return changes::HostLockWait::forever();
  return {duration_option("--wait", *wait, std::chrono::milliseconds(1))};
}

changes::HostLock hold_host(const Globals& globals, changes::HostLockWait wait, const Io& io) {
  changes::SignalGuard guard;  // Ctrl-C while waiting: stop waiting, exit 130
  return changes::HostLock::acquire(globals.command_line, wait, io.err,
                                    [] { return changes::SignalGuard::received() != 0; });
}

}  // namespace mmtune::cli
