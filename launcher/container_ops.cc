#include "launcher/container_ops.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <ctime>

#include "compiler/stop_settings.h"
#include "core/text.h"
#include "launcher/docker_parse.h"

namespace quarry {

Endpoint endpoint_of(const ServerRecord& server) {
  return Endpoint{server.id, server.ip, server.ssh_port, server.ssh_user};
}

std::string link_env_prefix(const std::string& service) {
  std::string prefix;
  for (char c : service) prefix += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return prefix;
}

void add_link_env(std::map<std::string, std::string>& env, const std::string& service, const std::string& host,
                  int port) {
  const std::string prefix = link_env_prefix(service);
  env[prefix + "_HOST"] = host;
  env[prefix + "_PORT"] = std::to_string(port);
  env[prefix + "_ADDR"] = host + ":" + std::to_string(port);
}

namespace {

bool port_taken(const ProcessResult& r) {
  return r.err.find("port is already allocated") != std::string::npos ||
         r.err.find("address already in use") != std::string::npos;
}

// A service's earlier containers on this server, found by the stack's
// labels (whatever their names: quarry once joined names with '-'): the
// volumes they mount at the service's paths are kept for the new container,
// then they are removed by id. Only a container carrying exactly this
// stack's and service's labels is ever looked at.
Status adopt_earlier_service(RemoteShell& shell, const Endpoint& ep, const Instruction& in, ContainerPlacement& p) {
  Command ps;
  ps.argv = docker_ps({{std::string(kLabelStack), in.stack},
                       {std::string(kLabelNode), in.process.name},
                       {std::string(kLabelKind), "service"}});
  ps.timeout = std::chrono::seconds(30);
  auto listed = run_ok(shell, ep, ps);
  if (!listed) return std::unexpected(listed.error());
  auto found = parse_docker_ps(listed->out);
  if (!found) return std::unexpected(found.error().context(ep.name + ": docker ps"));
  for (const auto& c : *found) {
    if (c.labels.count(std::string(kLabelStack)) && c.labels.at(std::string(kLabelStack)) != in.stack) continue;
    auto inspected = run_ok(shell, ep, Command{docker_mounts(c.id), {}, {}, std::chrono::seconds(30), {}});
    if (!inspected) return std::unexpected(inspected.error());
    auto mounts = parse_mounts(inspected->out);
    for (const auto& path : in.process.volumes) {
      auto it = mounts.find(path);
      if (it == mounts.end()) continue;
      if (it->second == legacy_volume_name(in.stack, in.process.name, path) ||
          it->second == volume_name(in.stack, in.process.name, path))
        p.volume_names[path] = it->second;
    }
    (void)run_ok(shell, ep, Command{docker_rm(c.id, true), {}, {}, std::chrono::seconds(60), {}});
  }
  return {};
}

bool is_ip_literal(const std::string& s) {
  unsigned char buf[sizeof(in6_addr)];
  return inet_pton(AF_INET, s.c_str(), buf) == 1 || inet_pton(AF_INET6, s.c_str(), buf) == 1;
}

}  // namespace

std::string stack_network(const std::string& stack) { return "quarry-" + stack; }

Status ensure_network(RemoteShell& shell, const Endpoint& ep, const std::string& network, const std::string& stack) {
  Command c;
  c.argv = {"sh", "-c",
            "docker network inspect \"$1\" >/dev/null 2>&1 || docker network create --driver bridge --label "
            "\"quarry.stack=$2\" \"$1\" >/dev/null 2>&1 || docker network inspect \"$1\" >/dev/null",
            "sh", network, stack};
  c.timeout = std::chrono::seconds(60);
  auto r = run_ok(shell, ep, c);
  if (!r) return std::unexpected(r.error().context("network " + network));
  return {};
}

std::string container_ref(const ContainerRecord& record) { return record.id.empty() ? record.name : record.id; }

Result<ContainerRecord> start_container(RemoteShell& shell, const StartRequest& req, const LaunchOptions& options,
                                        const std::function<int(const std::string& server)>& next_port) {
  const Instruction& in = *req.instruction;
  ContainerPlacement p;
  p.release = req.release;
  p.index = req.index;
  p.memory_mb = in.process.memory_mb;
  p.cpu = in.process.cpu;
  // By id: a tag can be moved by a later build; the id is what was tested.
  p.image = req.image.id.empty() ? req.image.tag : req.image.id;
  // Published ports are reachable on the cluster's address only (the one
  // the router and the other servers use), never on every interface.
  p.bind_address = options.bind_address.empty() ? req.server.ip : options.bind_address;
  if (in.process.port > 0 && !is_ip_literal(p.bind_address)) {
    return fail("server " + req.server.id + " is recorded by name (" + p.bind_address +
                "); published ports bind to its cluster address only: record it by IP address");
  }
  p.network = options.network.empty() ? stack_network(in.stack) : options.network;
  std::string name = container_name(in, p);
  p.env_file = options.env_dir + "/" + name + ".env";
  p.network_aliases = {in.process.name};
  if (options.files_root) p.files_mount = options.files_root(req.server);
  if (options.extra_hosts) p.extra_hosts = options.extra_hosts();
  auto env_text = render_env_file(req.env);
  if (!env_text) return std::unexpected(env_text.error().context(name));
  if (in.process.is_service && (!options.earlier_services || options.earlier_services->count(in.process.name))) {
    if (auto s = adopt_earlier_service(shell, req.endpoint, in, p); !s) return std::unexpected(s.error().context(name));
  }
  // One remote command: the env file written, a container of that name left
  // from an interrupted run removed, docker run, the env file removed. A
  // host port docker finds taken is retried with the next one.
  Result<ProcessResult> ran = fail_remote("not started");
  for (int attempt = 0; attempt < 8; ++attempt) {
    p.host_port = in.process.port > 0 ? next_port(req.server.id) : 0;
    auto argv = docker_run(in, p);
    if (!argv) return std::unexpected(argv.error().context(name));
    Command c{start_with_env_file(p.env_file, name, *argv), *env_text, {}, std::chrono::minutes(2), {}};
    ran = shell.run(req.endpoint, c);
    if (!ran || ran->ok() || !port_taken(*ran)) break;
  }
  if (!ran) return std::unexpected(ran.error().context(name));
  if (!ran->ok()) {
    auto detail = trim(ran->err);
    return fail_remote(req.endpoint.name + ": docker run " + name + ": exit " + std::to_string(ran->exit_code) +
                       (detail.empty() ? "" : ": " + detail));
  }
  ContainerRecord rec;
  rec.stack = in.stack;
  rec.node = in.process.name;
  rec.service = in.process.is_service;
  rec.index = req.index;
  rec.release = req.release;
  rec.server = req.server.id;
  rec.name = name;
  rec.id = trim(ran->out).substr(0, 64);
  rec.image = req.image.id;
  rec.host_port = p.host_port;
  rec.container_port = in.process.port;
  rec.weight = req.weight;
  rec.memory_mb = in.process.memory_mb;
  rec.cpu = in.process.cpu;
  rec.state = "running";
  rec.started_at = static_cast<std::int64_t>(std::time(nullptr));
  return rec;
}

Status remove_container(RemoteShell& shell, const Endpoint& endpoint, const std::string& name, int grace_s) {
  int wait_s = grace_s < 0 ? kMaxStopTimeoutS : grace_s;
  auto stop = shell.run(endpoint, Command{docker_stop(name, std::chrono::seconds(grace_s)), {}, {}, std::chrono::seconds(wait_s + 60), {}});
  if (!stop) return std::unexpected(stop.error());
  auto rm = shell.run(endpoint, Command{docker_rm(name, true), {}, {}, std::chrono::seconds(60), {}});
  if (!rm) return std::unexpected(rm.error());
  if (!rm->ok() && rm->err.find("No such container") == std::string::npos) {
    return fail_remote(endpoint.name + ": docker rm " + name + ": " + trim(rm->err));
  }
  return {};
}

std::string log_tail(RemoteShell& shell, const Endpoint& endpoint, const std::string& name, int lines) {
  LogsOptions o;
  o.tail = lines;
  auto r = shell.run(endpoint, Command{docker_logs(name, o), {}, {}, std::chrono::seconds(20), {}});
  if (!r) return "";
  return trim(r->out + r->err);
}

Result<int> engine_restart_count(RemoteShell& shell, const Endpoint& endpoint, const std::string& name) {
  Command c{{"docker", "inspect", "--format", "{{.RestartCount}}", name}, {}, {}, std::chrono::seconds(20), {}};
  auto r = run_ok(shell, endpoint, c);
  if (!r) return std::unexpected(r.error());
  auto text = trim(r->out);
  int n = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || end != text.data() + text.size() || n < 0) {
    return fail("docker inspect of " + name + " on " + endpoint.name + ": not a restart count: '" + text + "'");
  }
  return n;
}

}  // namespace quarry

namespace quarry {
Result<std::string> container_ip(RemoteShell& shell, const Endpoint& endpoint, const std::string& name,
                                 const std::string& network) {
  std::string format = network.empty() ? "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}"
                                        : "{{(index .NetworkSettings.Networks \"" + network + "\").IPAddress}}";
  auto r = run_ok(shell, endpoint, Command{{"docker", "inspect", "--format", format, name}, {}, {}, std::chrono::seconds(30), {}});
  if (!r) return std::unexpected(r.error());
  auto ip = trim(r->out);
  if (ip.empty()) return fail_remote(name + " has no address on network " + network);
  return ip;
}
}  // namespace quarry
