// Applying a RouterConfig to the router host through the RemoteShell seam:
// render, upload to a fresh generation directory (one ustar archive), `nginx -t`, switch the
// `live` symlink, reload (or start), then verify that every domain is served
// by the new generation. Layout and commands: router/nginx_commands.h.
//
// Failure contract:
//  - nginx -t rejects the staged generation: the staged directory is removed,
//    `live` is untouched (the old config keeps serving), and the Error (kind
//    Remote) carries nginx's own message.
//  - reload or start fails, or verification times out: `live` is switched
//    back to the previous generation, which is reloaded, and the Error says
//    so. The previous generation is kept on disk for exactly this.
// Not thread-safe: one apply per router at a time (the deploy holds a lock).
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <vector>

#include "launcher/remote_shell.h"
#include "router/nginx_commands.h"
#include "router/nginx_render.h"
#include "router/route_table.h"

namespace quarry {

class NginxRouter {
 public:
  struct Options {
    std::string prefix = "/var/lib/quarry/router";  // the directory quarry owns on the router
    std::string nginx = "nginx";
    int verify_attempts = 40;                        // probes per domain after a reload
    // The wait before the second probe; each later wait doubles, up to
    // verify_interval. nginx starts the new workers a few milliseconds after
    // a reload, so a fixed long wait would be paid on nearly every switch.
    std::chrono::milliseconds verify_first_wait{5};
    std::chrono::milliseconds verify_interval{250};
    // Waits between probes; tests inject one that returns at once.
    std::function<void(std::chrono::milliseconds)> sleep;
  };

  // Fails when options.prefix is not a safe absolute path.
  static Result<NginxRouter> create(RemoteShell& shell, Endpoint host, Options options);

  // Starts nginx when it is not running. With no generation live yet, first
  // applies `base` (normally a config without routes: the 404 server only).
  Status ensure_running(const RouterConfig& base = {});

  // Makes `config` the serving configuration (see the failure contract above).
  // Applying the generation that is already live only starts nginx if it is
  // down and verifies.
  Status apply(const RouterConfig& config);

  // Stops nginx gracefully (SIGQUIT to the pid in the pid file). Succeeds when
  // nginx is not running.
  Status stop();

  Result<bool> running();
  // The live generation, empty when none was ever applied.
  Result<std::string> live_generation();

  // The commands a first apply of `config` would run, one shell line each,
  // followed by the files it would upload: for `--dry-run`.
  Result<std::vector<std::string>> plan(const RouterConfig& config) const;

 private:
  NginxRouter(RemoteShell& shell, Endpoint host, Options options, NginxCommands commands);

  Result<ProcessResult> run(const Argv& argv, std::string stdin_data = {});
  Result<ProcessResult> run_checked(const Argv& argv, std::string stdin_data = {});
  Result<std::string> prepare();  // the live generation, after making the directories
  Status stage(const RenderedConfig& rendered);
  // Switches and reloads (or starts); the pids of the workers that ran
  // before a reload (none after a start).
  Result<std::vector<std::string>> activate(const std::string& generation);
  Status verify(const RouterConfig& config, const std::string& generation);
  Status roll_back(const std::string& previous, const Error& why);

  RemoteShell* shell_;
  Endpoint host_;
  Options options_;
  NginxCommands commands_;
};

// True when `headers` (an HTTP response head) holds `name: value`; the name
// is matched case-insensitively, the value exactly.
bool has_header(const std::string& headers, const std::string& name, const std::string& value);

}  // namespace quarry
