#include "cli/cli.hpp"

#include <fmt/format.h>

#include <map>

#include "cli/commands.hpp"
#include "facts/error.hpp"
#include "facts/knobs.hpp"
#include "facts/units.hpp"

namespace mmtune::cli {
namespace {

constexpr const char* kFooter = R"(
Exit codes: 0 success or check passed, 1 check failed (regression, drift, corruption),
2 bad usage or input, 3 not supported on this host, 4 internal error, 130 interrupted.
Run `mmtune COMMAND --help` for a command's options.)";

int exit_code(ErrorKind kind) {
  switch (kind) {
    case ErrorKind::bad_input:
      return 2;
    case ErrorKind::unsupported:
      return 3;
    case ErrorKind::internal:
      return 4;
    case ErrorKind::interrupted:
      return 130;
  }
  return 4;
}

// Suggests the nearest subcommand for an unknown first word.
std::string did_you_mean(std::string_view word) {
  return facts::nearest_name(word, all_commands(), &Command::name);
}

bool is_command(std::string_view word) {
  for (const Command& command : all_commands()) {
    if (command.name == word) return true;
  }
  return false;
}

// The first argument that is neither an option nor the value of --root: the command name.
std::string first_word(int argc, const char* const* argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view arg = argv[i];
    if (arg == "--root") {
      ++i;
      continue;
    }
    if (!arg.starts_with("-")) return std::string(arg);
  }
  return {};
}

}  // namespace

int run(int argc, const char* const* argv, std::FILE* out, std::FILE* err) {
  CLI::App app{"mmtune: memory-manager stress tests and tuning advice", "mmtune"};
  app.footer(kFooter);
  app.set_help_all_flag("--help-all", "Show the help of every command");
  Globals globals;
  for (int i = 1; i < argc; ++i) globals.command_line += (i > 1 ? " " : "") + std::string(argv[i]);
  app.add_option("--root", globals.root,
                 "Read /proc and /sys under DIR (a recorded host) instead of /")
      ->check(CLI::ExistingDirectory.description(""))
      ->type_name("DIR");
  app.require_subcommand(1);
  app.fallthrough();  // global options may also follow the subcommand: `mmtune host --root DIR`

  std::map<const CLI::App*, Action> actions;
  for (const Command& command : all_commands()) {
    CLI::App* sub = app.add_subcommand(std::string(command.name), std::string(command.summary));
    actions[sub] = command.attach(*sub, globals);
  }

  try {
    app.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    CLI::App* shown = &app;
    for (CLI::App* sub : app.get_subcommands()) shown = sub;
    fmt::print(out, "{}", shown->help());
    return 0;
  } catch (const CLI::CallForAllHelp& e) {
    fmt::print(out, "{}", app.help("", CLI::AppFormatMode::All));
    return 0;
  } catch (const CLI::ParseError& e) {
    // CLI11's own codes are 100–127: every usage error is exit 2 here.
    std::string message = e.what();
    if (std::string word = first_word(argc, argv); !word.empty() && !is_command(word)) {
      std::string guess = did_you_mean(word);
      message = guess.empty()
                    ? fmt::format("unknown command \"{}\" (try `mmtune --help`)", word)
                    : fmt::format("unknown command \"{}\"; did you mean \"{}\"?", word, guess);
    } else if (message.find("subcommand is required") != std::string::npos) {
      message = "a command is required (try `mmtune --help`)";
    }
    fmt::print(err, "mmtune: error: {}\n", message);
    return 2;
  }

  try {
    return actions.at(app.get_subcommands().front())(Io{out, err});
  } catch (const Error& e) {
    fmt::print(err, "mmtune: {}: {}\n",
               e.kind() == ErrorKind::interrupted ? "interrupted" : "error", e.what());
    return exit_code(e.kind());
  } catch (const std::exception& e) {
    fmt::print(err, "mmtune: internal error: {}\n", e.what());
    return 4;
  }
}

}  // namespace mmtune::cli
