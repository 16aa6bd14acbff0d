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
  // What each answering server runs with the stack's label, by id.
  std::map<std::string, std::vector<ContainerInfo>> running;
  std::set<std::string> answered;
  for (std::size_t i = 0; i < servers.size(); ++i) {
    if (!seen[i]) {
      report.unreachable.push_back(errors[i]);
      report.unreachable_ids.push_back(servers[i].id);
      continue;
    }
    answered.insert(servers[i].id);
    running[servers[i].id] = std::move(*seen[i]);
  }
  auto find = [&](const ContainerRecord& r) -> const ContainerInfo* {
    for (const auto& c : running[r.server]) {
      if (r.id.empty() ? c.name == r.name : c.id == r.id) return &c;
    }
    return nullptr;
  };
  auto endpoint = [&](const std::string& id) -> std::optional<Endpoint> {
    for (const auto& s : servers) {
      if (s.id == id) return endpoint_of(s);
    }
    return std::nullopt;
  };
  std::vector<ContainerRecord> kept;
  std::set<std::string> known;  // ids of recorded containers
  for (const auto& r : *records) {
    const ContainerInfo* c = answered.count(r.server) ? find(r) : nullptr;
    if (c) known.insert(c->id);
    if (!answered.count(r.server) || (c && c->running)) {
      if (c && c->image.starts_with("sha256:")) report.images_on[r.server].insert(c->image);
      if (c) {
        for (const auto& [network, address] : c->networks) report.networks_on[r.server].insert(network);
      }
      kept.push_back(r);
      continue;
    }
    report.dropped.push_back(r.name + " on " + r.server);
    (void)placer.release(slice_id_of(r));
    // A stopped service container stays for the ENSURE that follows, which
    // takes over its volumes (container_ops.h) and then removes it.
    if (c && !r.service) {
      if (auto ep = endpoint(r.server)) (void)remove_container(shell, *ep, c->id, 5);
    }
  }
  for (const auto& s : servers) {
    if (!answered.count(s.id)) continue;
    for (const auto& c : running[s.id]) {
      auto kind = c.labels.find(std::string(kLabelKind));
      auto node = c.labels.find(std::string(kLabelNode));
      if (kind != c.labels.end() && kind->second == "service" && node != c.labels.end())
        report.service_containers.insert(node->second);
      if (known.count(c.id)) continue;
      if (c.labels.count(std::string(kLabelKind)) && c.labels.at(std::string(kLabelKind)) == "service" && !c.running)
        continue;  // kept for the next ENSURE, as above
      if (auto st = remove_container(shell, endpoint_of(s), c.id, 5); st) report.removed.push_back(c.name + " on " + s.id);
    }
  }
  // Slices placed for containers that never got recorded (a launch that died
  // between placing and recording) go back to the grid: under the stack's
  // deploy lock, every slice of the stack has a record.
  std::set<std::string> recorded;
  for (const auto& r : kept) recorded.insert(slice_id_of(r));
  auto placed = placer.slices(stack + "/");
  if (!placed) return std::unexpected(placed.error());
  for (const auto& id : *placed) {
    if (recorded.count(id)) continue;
    if (auto st = placer.release(id); st) report.released.push_back(id);
  }
  // The books change only by what was dropped: unchanged, they are not
  // written again (a synced write ahead of every launch).
  if (!report.dropped.empty()) {
    if (auto s = save_containers(store, stack, kept); !s) return std::unexpected(s.error());
  }
  return report;
}

}  // namespace quarry
