#include "launcher/container_ops.h"

#include <ctime>

#include "compiler/stop_settings.h"
#include "core/text.h"

namespace quarry {

Endpoint endpoint_of(const ServerRecord& server) {
  return Endpoint{server.id, server.ip, server.ssh_port, server.ssh_user};
}

void add_link_env(std::map<std::string, std::string>& env, const std::string& service, const std::string& host,
                  int port) {
  std::string prefix;
  for (char c : service) prefix += c == '-' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  env[prefix + "_HOST"] = host;
  env[prefix + "_PORT"] = std::to_string(port);
  env[prefix + "_ADDR"] = host + ":" + std::to_string(port);
}

namespace {

bool port_taken(const ProcessResult& r) {
  return r.err.find("port is already allocated") != std::string::npos ||
         r.err.find("address already in use") != std::string::npos;
}

Status upload_env(RemoteShell& shell, const Endpoint& ep, const std::string& path,
                  const std::map<std::string, std::string>& env) {
  auto content = render_env_file(env);
  if (!content) return std::unexpected(content.error());
  Command c;
  c.argv = write_private_file(path);
  c.stdin_data = *content;
  c.timeout = std::chrono::seconds(30);
  auto r = run_ok(shell, ep, c);
  if (!r) return std::unexpected(r.error());
  return {};
}

}  // namespace

Result<ContainerRecord> start_container(RemoteShell& shell, const StartRequest& req, const LaunchOptions& options,
                                        const std::function<int(const std::string& server)>& next_port) {
  const Instruction& in = *req.instruction;
  ContainerPlacement p;
  p.release = req.release;
  p.index = req.index;
  p.memory_mb = in.process.memory_mb;
  p.cpu = in.process.cpu;
  p.image = req.image.tag;
  p.bind_address = options.bind_address;
  p.network = options.network;
  std::string name = container_name(in, p);
  p.env_file = options.env_dir + "/" + name + ".env";
  if (!options.network.empty()) p.network_aliases = {in.process.name};
  if (auto s = upload_env(shell, req.endpoint, p.env_file, req.env); !s) {
    return std::unexpected(s.error().context(name));
  }
  // A container of that name left from an interrupted run is replaced.
  (void)shell.run(req.endpoint, Command{docker_rm(name, true), {}, {}, std::chrono::seconds(30), {}});
  Result<ProcessResult> ran = fail_remote("not started");
  for (int attempt = 0; attempt < 8; ++attempt) {
    p.host_port = in.process.port > 0 ? next_port(req.server.id) : 0;
    auto argv = docker_run(in, p);
    if (!argv) return std::unexpected(argv.error().context(name));
    ran = shell.run(req.endpoint, Command{*argv, {}, {}, std::chrono::minutes(2), {}});
    if (!ran || ran->ok() || !port_taken(*ran)) break;
    (void)shell.run(req.endpoint, Command{docker_rm(name, true), {}, {}, std::chrono::seconds(30), {}});
  }
  (void)shell.run(req.endpoint, Command{{"rm", "-f", p.env_file}, {}, {}, std::chrono::seconds(30), {}});
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
