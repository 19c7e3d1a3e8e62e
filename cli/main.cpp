#include <cstdio>

#include "cli/cli.hpp"

int main(int argc, char** argv) { return mmtune::cli::run(argc, argv, stdout, stderr); }
