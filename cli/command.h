// The command table. Each command file defines a `register_*` function that
// adds its subcommands to the CLI11 app; the action it installs returns a
// Status, which app.cc turns into a message and an exit code:
//   0 ok, 1 user error, 2 usage, 3 remote or infrastructure failure.
#pragma once

#include <CLI/CLI.hpp>
#include <functional>
#include <memory>

#include "cli/context.h"
#include "core/error.h"

namespace quarry {

using Action = std::function<Status(Context&)>;

// Hands actions to app.cc, which runs the one the command line selected.
class Registry {
 public:
  explicit Registry(CLI::App& app, GlobalOptions& options) : app_(app), options_(options) {}
  // Adds a subcommand (or a nested one under `parent`) whose action runs
  // when it is chosen.
  CLI::App* add(CLI::App& parent, const std::string& name, const std::string& help, Action action);
  CLI::App& app() { return app_; }
  GlobalOptions& options() { return options_; }
  // Adds --json to a listing command.
  void json_flag(CLI::App* cmd) { cmd->add_flag("--json", options_.json, "Print JSON for scripts"); }
  const Action* chosen() const { return chosen_; }

 private:
  CLI::App& app_;
  GlobalOptions& options_;
  std::vector<std::unique_ptr<Action>> actions_;
  const Action* chosen_ = nullptr;
};

// One line per group of commands; see the files cli/cmd_*.cc.
void register_manifest_commands(Registry& r);   // init, check, build, plan
void register_state_commands(Registry& r);      // ps, servers, grid
void register_server_commands(Registry& r);     // servers add|rm|trust, grid, cluster down
void register_deploy_commands(Registry& r);     // deploy, scale, releases, rollback, promote
void register_ops_commands(Registry& r);        // logs, env
void register_locknet_commands(Registry& r);    // locknet
void register_config_commands(Registry& r);     // config put|rm|ls
void register_hq_commands(Registry& r);         // hq init|receive|add-key|keys|remove-key
void register_run_commands(Registry& r);        // run, stop (the stack on this machine)
void register_router_commands(Registry& r);     // router tls
void register_store_commands(Registry& r);      // store migrate, hq status (after hq)
void register_images_commands(Registry& r);     // images load|ls (the HQ build engine)
void register_control_commands(Registry& r);    // hq serve, events, cluster fault (after hq and servers)

}  // namespace quarry
