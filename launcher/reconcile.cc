#include "launcher/reconcile.h"

#include <map>
#include <mutex>
#include <set>

#include "launcher/container_ops.h"
#include "launcher/docker_commands.h"
#include "launcher/docker_parse.h"
#include "launcher/parallel.h"
#include "launcher/stack_records.h"

namespace quarry {

Result<ReconcileReport> reconcile(Store& store, RemoteShell& shell, Placer& placer, const std::string& stack,
                                  const std::vector<ServerRecord>& servers) {
  auto records = load_containers(store, stack);
  if (!records) return std::unexpected(records.error());
  ReconcileReport report;
  std::vector<std::optional<std::vector<ContainerInfo>>> seen(servers.size());
  std::vector<std::string> errors(servers.size());
  parallel_for(servers.size(), 16, [&](std::size_t i) {
    Command c;
    c.argv = docker_ps({{std::string(kLabelStack), stack}});
    c.timeout = std::chrono::seconds(20);
    auto r = run_ok(shell, endpoint_of(servers[i]), c);
    if (!r) {
      errors[i] = r.error().message;
      return;
    }
    auto parsed = parse_docker_ps(r->out);
    if (!parsed) errors[i] = servers[i].id + ": " + parsed.error().message;
    else seen[i] = std::move(*parsed);
  });
  std::map<std::string, std::map<std::string, bool>> running;  // server -> name -> running
  std::set<std::string> answered;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    if (!seen[i]) {
      report.unreachable.push_back(errors[i]);
      report.unreachable_ids.push_back(servers[i].id);
      continue;
    }
    answered.insert(servers[i].id);
    for (const auto& c : *seen[i]) running[servers[i].id][c.name] = c.running;
  }
  std::vector<ContainerRecord> kept;
  std::set<std::string> known;
  for (const auto& r : *records) {
    known.insert(r.server + "/" + r.name);
    bool server_known = answered.count(r.server) > 0;
    bool up = server_known && running[r.server].count(r.name) && running[r.server][r.name];
    if (!server_known || up) {
      kept.push_back(r);
      continue;
    }
    report.dropped.push_back(r.name + " on " + r.server);
    (void)placer.release(slice_id_of(r));
    if (running[r.server].count(r.name)) {
      for (const auto& s : servers) {
        if (s.id == r.server) (void)remove_container(shell, endpoint_of(s), r.name, 5);
      }
    }
  }
  for (const auto& s : servers) {
    if (!answered.count(s.id)) continue;
    for (const auto& [name, up] : running[s.id]) {
      if (known.count(s.id + "/" + name)) continue;
      if (auto st = remove_container(shell, endpoint_of(s), name, 5); st) report.removed.push_back(name + " on " + s.id);
    }
  }
  if (auto s = save_containers(store, stack, kept); !s) return std::unexpected(s.error());
  return report;
}

}  // namespace quarry
