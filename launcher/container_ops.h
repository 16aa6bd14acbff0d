// One container's life on one server: its env written as a private file
// and `docker run` (one remote command), and stop-and-remove. The executors compose
// these; nothing here decides where or when.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <set>
#include <string>

#include "compiler/instruction.h"
#include "launcher/docker_commands.h"
#include "launcher/image_builder.h"
#include "launcher/remote_shell.h"
#include "store/records.h"

namespace quarry {

struct LaunchOptions {
  // Where env files go on a server (relative paths are under the SSH user's
  // home). The file is removed once docker has read it.
  std::string env_dir = ".quarry/env";
  std::string network;               // docker network to join; empty: default
  std::string bind_address;          // published ports bind here; empty: all
  int first_host_port = 20000;       // host ports are chosen from here up
  int drain_ms = 2000;               // between the router switch and stopping old containers
  int stop_grace_s = -1;             // -1: each container's own stop_timeout; 0: kill at once
  std::size_t parallel = 16;         // containers started at once
  bool link_by_container_ip = false; // service address = container IP (local runs) instead of server IP
  // Nodes whose running replicas DEPLOY keeps as they are instead of replacing
  // them (local runs: image and config unchanged since the last run). Empty
  // for the cluster, where every deploy replaces every node.
  std::set<std::string> keep_nodes;
  // The cluster's replicated files directory on a server, mounted read-only
  // at /etc/quarry in every container; unset or "": none.
  std::function<std::string(const ServerRecord&)> files_root;
  // The cluster's hosts entries ("NAME:ADDRESS") given to each container as
  // --add-host, so SERVICE.STACK.quarry resolves; unset: none.
  std::function<std::vector<std::string>()> extra_hosts;
  // Servers no container is placed on (not up, as the control loop last saw
  // them); a server that fails a start during the launch joins them.
  std::set<std::string> avoid_servers;
  // When set, the only services whose start looks for earlier containers
  // of theirs to take the volumes of (one `docker ps`): a local run knows
  // them from the books' check just before (ReconcileReport). Unset: every
  // service start looks.
  std::optional<std::set<std::string>> earlier_services;
  // The books' changes held and written by Launcher::flush_records() (the
  // control loop: one write per stack and phase) instead of one write per
  // step (a deploy). See StackRecords.
  bool batch_records = false;
  // What the reconcile saw on each server (by id) in running containers of
  // the stack: image ids and network names. A start there skips the image
  // and network checks for what is listed (it is there: a container uses
  // it); the image gets the release's tag afterwards (tag_deferred()).
  std::map<std::string, std::set<std::string>> images_on;
  std::map<std::string, std::set<std::string>> networks_on;
};

struct StartRequest {
  const Instruction* instruction = nullptr;
  int index = 0;
  int release = 0;
  ServerRecord server;
  Endpoint endpoint;
  BuiltImage image;
  std::map<std::string, std::string> env;  // complete env of the container
  int weight = 0;
};

// The endpoint for a server record.
Endpoint endpoint_of(const ServerRecord& server);

// Starts the container (its image by id) in one remote command: its env
// file written, a container of its name from an interrupted run removed,
// docker run, the env file removed (start_with_env_file). The server must
// already hold the image and, unless options.network is set, the stack's
// network (ensure_network). Picks a free host port (from `taken` upward)
// when the process has a port, retrying the next one (another command)
// when docker finds it taken.
// The returned record says where it runs and how it is reached. A service
// first takes over the volumes of its earlier containers on the server
// (found by their quarry.stack/quarry.node labels, whatever their names),
// which are then removed.
Result<ContainerRecord> start_container(RemoteShell& shell, const StartRequest& request, const LaunchOptions& options,
                                        const std::function<int(const std::string& server)>& next_port);

// The docker network of a stack on each server ("quarry-STACK"): every
// container of the stack joins it (its process name as an alias) and no
// other stack's does.
std::string stack_network(const std::string& stack);

// Makes `network` on the server unless it is there (one remote command).
// Two calls racing on one server can both create it and leave two networks
// of one name, which docker then refuses to join ("ambiguous"): callers
// ensure a network once per server and launch (Launcher does).
Status ensure_network(RemoteShell& shell, const Endpoint& endpoint, const std::string& network,
                      const std::string& stack);

// How docker commands name a recorded container: its id, or its name for a
// record written before ids were kept.
std::string container_ref(const ContainerRecord& record);

// docker stop, then docker rm of `ref` (an id, see container_ref); a
// container already gone succeeds. A negative grace_s waits the
// container's own stop timeout.
Status remove_container(RemoteShell& shell, const Endpoint& endpoint, const std::string& ref, int grace_s);

// The last lines of a container's log, for error messages ("" if unreadable).
std::string log_tail(RemoteShell& shell, const Endpoint& endpoint, const std::string& name, int lines = 10);

// The env prefix of a linked service: "db" gives "DB", "my-db" "MY_DB".
std::string link_env_prefix(const std::string& service);

// How often docker's restart policy restarted the container (RestartCount;
// a `docker start` sets it back to 0).
Result<int> engine_restart_count(RemoteShell& shell, const Endpoint& endpoint, const std::string& name);

// NAME_HOST, NAME_PORT, NAME_ADDR for a linked service ("db" gives DB_HOST).
void add_link_env(std::map<std::string, std::string>& env, const std::string& service, const std::string& host,
                  int port);

}  // namespace quarry

namespace quarry {
// The container's address on `network` (docker inspect), for local runs
// where services are reached on the stack's own network.
Result<std::string> container_ip(RemoteShell& shell, const Endpoint& endpoint, const std::string& name,
                                 const std::string& network);
}  // namespace quarry
