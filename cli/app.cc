#include "cli/app.h"

#include <csignal>
#include <cstdio>
#include <iostream>

#include "cli/command.h"
#include "core/log.h"

namespace quarry {

CLI::App* Registry::add(CLI::App& parent, const std::string& name, const std::string& help, Action action) {
  auto* cmd = parent.add_subcommand(name, help);
  actions_.push_back(std::make_unique<Action>(std::move(action)));
  const Action* a = actions_.back().get();
  // CLI11 runs the deepest subcommand's callback first: it wins.
  cmd->callback([this, a] {
    if (!chosen_) chosen_ = a;
  });
  return cmd;
}

namespace cli {

namespace {
// The table of command groups: adding a command means adding it to a group.
using Group = void (*)(Registry&);
const Group kGroups[] = {
    register_manifest_commands,
    register_state_commands,
    register_server_commands,
    register_deploy_commands,
    register_ops_commands,
    register_locknet_commands,
    register_config_commands,
    register_hq_commands,
    register_store_commands,
    register_run_commands,
    register_router_commands,
    register_images_commands,
    register_control_commands,
};
}  // namespace

int main(int argc, char** argv) {
  // A child that exits before reading all of its stdin, or a reader of
  // quarry's output that goes away, must give a write error with a message,
  // not end quarry silently in the middle of a deploy.
  std::signal(SIGPIPE, SIG_IGN);
  CLI::App app{"quarry: a declarative cluster orchestrator.\n"
               "git push deploys a stack described by quarry.yml onto servers over SSH."};
  app.set_help_all_flag("--help-all", "Show every command's help");
  app.require_subcommand(1);
  app.fallthrough();
  GlobalOptions options;
  options.home = default_home();
  app.add_option("--home", options.home, "State directory (default $QUARRY_HOME, else /home/quarry)");
  options.store = default_store();
  app.add_option("--store", options.store,
                 "State store: dir:PATH or etcd://HOST:PORT[,HOST:PORT...] (default $QUARRY_STORE, else dir:HOME)");
  app.add_flag("-v,--verbose", options.verbose, "Show debug output");
  app.add_flag("-q,--quiet", options.quiet, "Show errors only");
  Registry registry(app, options);
  for (auto group : kGroups) group(registry);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    int code = app.exit(e);
    return code == 0 ? 0 : 2;
  }
  set_log_level(options.quiet ? LogLevel::Quiet : options.verbose ? LogLevel::Verbose : LogLevel::Normal);
  if (!registry.chosen()) {
    std::cerr << app.help();
    return 2;
  }
  auto ctx = Context::open(options);
  auto status = ctx ? (*registry.chosen())(*ctx) : Status(std::unexpected(ctx.error()));
  if (!status) {
    std::fflush(stdout);
    std::cerr << "quarry: error: " << status.error().message << "\n";
    return status.error().exit_code();
  }
  return 0;
}

}  // namespace cli
}  // namespace quarry
