#pragma once
#include <cstdio>

namespace mmtune::cli {

// Parses argv, runs the subcommand, and returns the process exit code (README.md, Exit codes):
// 0 ok · 1 check failed · 2 bad usage or input · 3 not supported here · 4 internal error ·
// 130 interrupted. Data goes to out, diagnostics to err. Tests call this in-process.
int run(int argc, const char* const* argv, std::FILE* out, std::FILE* err);

}  // namespace mmtune::cli
