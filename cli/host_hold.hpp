#pragma once
// The host lock of a command that changes the host (docs/governor.md): `--wait[=DURATION]`, and
// taking the lock before the first change with the waiting line on stderr.
#include <CLI/CLI.hpp>
#include <optional>
#include <string>

#include "changes/host_lock.hpp"
#include "cli/commands.hpp"

namespace mmtune::cli {

// Adds --wait[=DURATION] to sub: absent, do not wait (exit 3 at once when another mmtune holds
// the host); bare, wait as long as it takes; with a duration, at most that long.
void add_host_wait_option(CLI::App& sub, std::optional<std::string>& wait);

// What --wait said. Throws Error{bad_input} naming --wait for a text that is not a duration.
changes::HostLockWait host_lock_wait(const std::optional<std::string>& wait);

// Takes the host lock for this command (its command line names it to whoever waits), waiting as
// `wait` says; Ctrl-C while waiting ends it as interrupted (exit 130).
changes::HostLock hold_host(const Globals& globals, changes::HostLockWait wait, const Io& io);

}  // namespace mmtune::cli
