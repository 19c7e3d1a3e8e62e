#pragma once
// The subcommand table. Each command file binds its options to a struct in attach() and returns
// the action; actions run after parsing, so parse errors (exit 2) and run errors stay apart.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <functional>
#include <span>
#include <string>
#include <string_view>

#include "probes/host_fs.hpp"

namespace mmtune::cli {

// Options every command understands (given before or after the subcommand name).
struct Globals {
  std::string root = "/";    // --root DIR: read a recorded host instead of /
  std::string command_line;  // the arguments after "mmtune", as given: names a host lock's holder
  probes::HostFs host_fs() const { return probes::HostFs(root); }
};

struct Io {
  std::FILE* out;  // data: tables, --json, CSV, JSONL
  std::FILE* err;  // diagnostics, progress
};

using Action = std::function<int(const Io&)>;  // returns 0 ok, 1 check failed, …

struct Command {
  std::string_view name;
  std::string_view summary;
  Action (*attach)(CLI::App& sub, const Globals& globals);
};

std::span<const Command> all_commands();

// One attach function per command file (cli/<name>.cpp).
Action attach_host(CLI::App& sub, const Globals& globals);
Action attach_probe(CLI::App& sub, const Globals& globals);
Action attach_model(CLI::App& sub, const Globals& globals);
Action attach_matrix(CLI::App& sub, const Globals& globals);
Action attach_list(CLI::App& sub, const Globals& globals);
Action attach_run(CLI::App& sub, const Globals& globals);
Action attach_scenario(CLI::App& sub, const Globals& globals);
Action attach_advise(CLI::App& sub, const Globals& globals);
Action attach_tune(CLI::App& sub, const Globals& globals);
Action attach_report(CLI::App& sub, const Globals& globals);
Action attach_sweep(CLI::App& sub, const Globals& globals);
Action attach_optimize(CLI::App& sub, const Globals& globals);
Action attach_baseline(CLI::App& sub, const Globals& globals);
Action attach_check(CLI::App& sub, const Globals& globals);
Action attach_apply(CLI::App& sub, const Globals& globals);
Action attach_restore(CLI::App& sub, const Globals& globals);
Action attach_export(CLI::App& sub, const Globals& globals);
Action attach_fleet(CLI::App& sub, const Globals& globals);
Action attach_version(CLI::App& sub, const Globals& globals);

}  // namespace mmtune::cli
