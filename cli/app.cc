#include "cli/app.h"

#include <CLI/CLI.hpp>

namespace quarry::cli {
int main(int argc, char** argv) {
  CLI::App app{"quarry: a declarative cluster orchestrator"};
  app.require_subcommand(1);
  CLI11_PARSE(app, argc, argv);
  return 0;
}
}  // namespace quarry::cli
