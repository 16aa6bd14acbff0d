// A local cluster driven through the real quarry binary, for the deploy
// end-to-end tests: its own short home under /tmp (mode 0755: the servers'
// SSH user reads below it), a copy of the example app to deploy and change,
// `servers add` for the workers and a router, and helpers that look at the
// result from outside quarry (each server's docker socket, HTTP through the
// router, the servers' sshd by pid file).
//
// The destructor always runs `quarry cluster down` and removes the home,
// whatever state the cases left. Needs root, sshd, docker, nginx, curl.
#pragma once

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

#include "core/error.h"
#include "core/quote.h"
#include "core/subprocess.h"

namespace quarry::e2e {

struct ServerInfo {
  std::string id;
  std::string ip;
  std::string dir;  // the local provider's files for it: sshd_config, sshd.pid, docker.sock
  std::string netns;
  bool router = false;
};

class TestCluster {
 public:
  TestCluster() = default;
  ~TestCluster();
  TestCluster(const TestCluster&) = delete;
  TestCluster& operator=(const TestCluster&) = delete;

  // Why the cluster cannot run here (not root, no QUARRY_BIN, ...), or empty.
  static std::string missing_prerequisite();

  // Makes the home and the app copy, then a router (unless told not to) and
  // `workers` servers.
  Status start(int workers, int worker_memory_mb, const std::string& grid_settings_json, bool with_router = true);

  // `quarry --home HOME args...`, up to 5 minutes.
  ProcessResult quarry(const Argv& args) const;
  // The same, failing the Status (with both outputs) unless it exits 0.
  Status quarry_ok(const Argv& args) const;

  const std::string& home() const { return home_; }
  const std::string& app_dir() const { return app_; }
  std::string manifest() const { return app_ + "/quarry.yml"; }
  Status write_manifest(const std::string& text) const;

  const std::vector<ServerInfo>& servers() const { return servers_; }
  const ServerInfo* server(const std::string& id) const;
  const ServerInfo& router() const { return servers_.front(); }  // when started with one

  // `quarry ps STACK --json`.
  Result<nlohmann::json> ps(const std::string& stack) const;
  // What the server's own engine runs with the stack label, as
  // "name state" lines (outside quarry's books).
  Result<std::vector<std::string>> engine_containers(const ServerInfo& s, const std::string& stack) const;
  Status engine(const ServerInfo& s, const Argv& docker_args) const;

  // GET http://ROUTER/path with Host: domain; the body, or an error with the status.
  Result<std::string> get(const std::string& domain, const std::string& path) const;

  // The server's sshd: stopped by its pid file, started as the provider
  // starts it, and given a new host key (a rebuilt server).
  Status stop_sshd(const ServerInfo& s) const;
  Status start_sshd(const ServerInfo& s) const;
  Status new_host_key(const ServerInfo& s) const;

 private:
  Status load_servers(bool with_router);

  std::string root_;  // the home's parent: /tmp/qe-XXXXXX
  std::string home_;
  std::string app_;
  std::string bin_;
  std::vector<ServerInfo> servers_;  // the router first
};

// The number of bytes where a and b first differ, as text for messages.
std::string first_difference(const std::string& a, const std::string& b);

// The hello example as one web node behind hello.quarry.test, saying
// `greeting` (its GREETING env), at `scale` replicas.
inline std::string hello_web_manifest(const std::string& greeting, int scale) {
  return "name: hello\n"
         "env:\n"
         "  GREETING: \"" + greeting + "\"\n"
         "nodes:\n"
         "  web:\n"
         "    build: .\n"
         "    command: --port 8080\n"
         "    port: 8080\n"
         "    domains: [hello.quarry.test]\n"
         "    scale: " + std::to_string(scale) + "\n"
         "    memory: 64\n"
         "    health: /up\n";
}

}  // namespace quarry::e2e
