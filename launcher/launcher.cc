#include "launcher/launcher.h"

#include <algorithm>
#include <numeric>
#include <thread>

#include "core/log.h"
#include "core/text.h"
#include "launcher/domain_owners.h"
#include "launcher/health.h"
#include "launcher/parallel.h"
#include "store/store_json.h"

namespace quarry {

Slice slice_for(const Instruction& in, int release, int index) {
  Slice s;
  s.id = slice_id_for(in.stack, in.process.name, in.process.is_service, release, index);
  s.size.memory_mb = in.process.memory_mb;
  // A process without a cpu limit still takes a little of a server.
  s.size.cpu_millis = in.process.cpu > 0 ? static_cast<std::int64_t>(in.process.cpu * 1000 + 0.5) : 100;
  s.is_service = in.process.is_service;
  s.required_tags = parse_tags(in.process.requires_tags);
  return s;
}

namespace {

std::string replica(const ContainerRecord& r) { return r.node + "#" + std::to_string(r.index) + " on " + r.server; }

}  // namespace

std::size_t concurrent_run_end(const std::vector<Instruction>& list, std::size_t from) {
  std::set<std::string> started;  // ENSURE/DEPLOY targets in the run so far
  std::size_t i = from;
  for (; i < list.size(); ++i) {
    const auto& in = list[i];
    if (in.op == Op::Kill) return i == from ? i + 1 : i;
    if (in.op != Op::Ensure && in.op != Op::Deploy) continue;
    auto needs_started = [&](const std::vector<std::string>& names) {
      return std::any_of(names.begin(), names.end(), [&](const std::string& n) { return started.count(n) > 0; });
    };
    if (needs_started(in.process.depends_on) || needs_started(in.links)) break;
    started.insert(in.target);
  }
  return std::max(i, from + 1);
}

void Launcher::problem(std::string text) {
  std::lock_guard lock(mu_);
  log_warn(text);
  problems_.push_back(std::move(text));
}

Result<StackRecords*> Launcher::records(const std::string& stack) {
  std::lock_guard lock(mu_);
  auto& slot = stacks_[stack];
  if (!slot) {
    auto loaded =
        StackRecords::load(*deps_.store, stack, options_.batch_records ? RecordWrites::Batched : RecordWrites::Each);
    if (!loaded) return std::unexpected(loaded.error());
    slot = std::make_unique<StackRecords>(std::move(*loaded));
  }
  return slot.get();
}

Status Launcher::flush_records() {
  std::vector<StackRecords*> all;
  {
    std::lock_guard lock(mu_);
    for (auto& [stack, recs] : stacks_) all.push_back(recs.get());
  }
  for (auto* recs : all) {
    if (auto s = recs->flush(); !s) return s;
  }
  return {};
}

Result<ServerRecord> Launcher::server(const std::string& id) {
  {
    std::lock_guard lock(mu_);
    if (auto it = servers_.find(id); it != servers_.end()) return it->second;
  }
  auto loaded = load_server(*deps_.store, id);
  if (!loaded) return std::unexpected(loaded.error());
  if (!*loaded) return fail_remote("server " + id + " is in the grid but not in the store (servers/" + id + ")");
  std::lock_guard lock(mu_);
  servers_[id] = **loaded;
  return **loaded;
}

Result<ContainerRecord> Launcher::start_replica(const Instruction& in, int release, const BuiltImage& image, int index,
                                                int weight) {
  std::vector<std::string> errors;
  auto got = start_replicas(in, release, image, index, index + 1, weight, errors);
  if (got.empty()) return fail_remote(in.process.name + "#" + std::to_string(index) + ": " + join(errors, "; "));
  const auto& r = got.front();
  if (in.process.port > 0) {
    auto srv = server(r.server);
    if (!srv) return std::unexpected(srv.error());
    auto check = in.process.health.value_or(HealthCheck{});
    auto span = timed(deps_.timings, Phase::Health, srv->id);
    auto report = wait_healthy(prober(), srv->ip, r.host_port, check);
    span.end();
    if (!report.healthy) {
      auto logs = log_tail(*deps_.shell, endpoint_of(*srv), r.name);
      (void)remove_records(got);
      return fail_remote(replica(r) + " failed its health check:\n" + report.history() + "last lines of its log:\n" +
                         logs);
    }
  }
  return r;
}

Status Launcher::restart(const ContainerRecord& r) {
  auto srv = server(r.server);
  if (!srv) return std::unexpected(srv.error());
  Command c;
  c.argv = {"docker", "start", r.name};
  c.timeout = std::chrono::seconds(30);
  if (auto s = run_ok(*deps_.shell, endpoint_of(*srv), c); !s) return std::unexpected(s.error());
  auto recs = records(r.stack);
  if (!recs) return std::unexpected(recs.error());
  return (*recs)->update([&](const ContainerRecord& x) { return x.name == r.name; },
                         [](ContainerRecord& x) { x.state = "running"; });
}

Status Launcher::forget(const std::string& stack, const std::vector<ContainerRecord>& list) {
  auto recs = records(stack);
  if (!recs) return std::unexpected(recs.error());
  for (const auto& r : list) {
    if (auto s = (*recs)->remove(r.name); !s) return s;
    (void)deps_.placer->release(slice_id_of(r));
  }
  return {};
}

Status Launcher::remove_records(const std::vector<ContainerRecord>& list) {
  auto recs_failed = std::make_shared<std::vector<std::string>>();
  std::mutex mu;
  parallel_for(list.size(), options_.parallel, [&](std::size_t k) {
    const auto& r = list[k];
    auto srv = server(r.server);
    Status s = srv ? remove_container(*deps_.shell, endpoint_of(*srv), container_ref(r), options_.stop_grace_s)
                   : Status(std::unexpected(srv.error()));
    if (!s) {
      std::lock_guard lock(mu);
      recs_failed->push_back("could not remove " + r.name + " (" + replica(r) + "): " + s.error().message);
      return;
    }
    if (auto recs = records(r.stack)) (void)(*recs)->remove(r.name);
    (void)deps_.placer->release(slice_id_of(r));
  });
  for (auto& f : *recs_failed) problem(f);
  return {};
}

Status Launcher::set_weights(const std::string& process, const std::function<int(const ContainerRecord&)>& weight) {
  std::lock_guard lock(mu_);
  for (auto& [name, recs] : stacks_) {
    auto s = recs->update([&](const ContainerRecord& r) { return r.node == process; },
                          [&](ContainerRecord& r) { r.weight = weight(r); });
    if (!s) return s;
  }
  return {};
}

Status Launcher::sync_router() {
  if (!deps_.router) return {};
  std::lock_guard lock(router_mu_);
  auto span = timed(deps_.timings, Phase::Router);
  return deps_.router->sync();
}

// A service that keeps running into a new release whose image is the one it
// runs gets the new release's tag on its server, so that image retention can
// untag the older release's name there (docker refuses to drop the last name
// of an image a container uses).
Status Launcher::tag_kept(const std::vector<ContainerRecord>& kept, const BuiltImage& image) {
  if (!deps_.shipper) return {};
  for (const auto& r : kept) {
    if (r.image != image.id || r.server == "local") continue;
    auto srv = server(r.server);
    if (!srv) continue;  // a lost server: the control loop deals with it
    auto tagged = deps_.shipper->ensure(endpoint_of(*srv), image);
    if (!tagged) return std::unexpected(tagged.error());
  }
  return {};
}

Status Launcher::ensure_service(const Instruction& in, int release, const BuiltImage& image) {
  auto recs = records(in.stack);
  if (!recs) return std::unexpected(recs.error());
  if (auto kept = (*recs)->of(in.process.name); !kept.empty()) return tag_kept(kept, image);
  std::vector<std::string> errors;
  auto started = start_replicas(in, release, image, 1, 2, 0, errors);
  if (started.empty()) return fail_remote("service " + in.process.name + ": " + join(errors, "; "));
  const auto& r = started.front();
  auto srv = server(r.server);
  if (!srv) return std::unexpected(srv.error());
  // Its dependents reach it at its address on the stack's network (local
  // runs): asked while its health gate runs, so that they find it known.
  // A failure here is left for them to report.
  HealthReport report{true, {}};
  parallel_for(2, 2, [&](std::size_t k) {
    if (k == 0 && in.process.port > 0) {
      HealthCheck check = in.process.health.value_or(HealthCheck{});
      auto span = timed(deps_.timings, Phase::Health, srv->id);
      report = wait_healthy(prober(), srv->ip, r.host_port, check);
    } else if (k == 1 && options_.link_by_container_ip) {
      (void)linked_ip(*srv, container_ref(r));
    }
  });
  if (!report.healthy) {
    auto logs = log_tail(*deps_.shell, endpoint_of(*srv), container_ref(r));
    (void)remove_records(started);
    return fail_remote("service " + in.process.name + " on " + r.server + " did not come up:\n" + report.history() +
                       "last lines of its log:\n" + logs);
  }
  return {};
}

Status Launcher::deploy_node(const Instruction& in, int scale, int release, const BuiltImage& image, int canary) {
  auto recs = records(in.stack);
  if (!recs) return std::unexpected(recs.error());
  const std::string& node = in.process.name;
  if (options_.keep_nodes.count(node) && !(*recs)->of(node).empty()) return {};
  std::vector<ContainerRecord> old;
  for (const auto& r : (*recs)->of(node)) {
    if (r.release != release) old.push_back(r);
  }
  std::vector<ContainerRecord> fresh;
  std::vector<std::string> errors;
  std::set<int> have;
  for (const auto& r : (*recs)->of(node, release)) {
    if (r.index <= scale) have.insert(r.index);
    else old.push_back(r);  // a re-run with a smaller scale
  }
  if (have.empty()) {
    // A fresh release: all replicas start at once.
    fresh = start_replicas(in, release, image, 1, scale + 1, 0, errors);
  } else {
    for (int i = 1; i <= scale; ++i) {
      if (have.count(i)) continue;
      auto got = start_replicas(in, release, image, i, i + 1, 0, errors);
      fresh.insert(fresh.end(), got.begin(), got.end());
    }
  }
  if (scale > 0 && fresh.size() + have.size() < static_cast<std::size_t>(scale)) {
    // Short of the desired scale: the new release does not take traffic and
    // the old one keeps serving at its full scale.
    (void)remove_records(fresh);
    return fail_remote(node + ": only " + std::to_string(fresh.size() + have.size()) + " of " + std::to_string(scale) +
                       " replicas of release " + std::to_string(release) + " could start; the old release keeps serving:\n  " +
                       join(errors, "\n  "));
  }
  // The health gate: every new replica must answer before any traffic moves
  // (a TCP connect when the manifest names no health path).
  if (in.process.port > 0) {
    const HealthCheck check = in.process.health.value_or(HealthCheck{});
    std::vector<std::string> unhealthy(fresh.size());
    parallel_for(fresh.size(), options_.parallel, [&](std::size_t k) {
      auto srv = server(fresh[k].server);
      if (!srv) {
        unhealthy[k] = srv.error().message;
        return;
      }
      auto span = timed(deps_.timings, Phase::Health, srv->id);
      auto report = wait_healthy(prober(), srv->ip, fresh[k].host_port, check);
      span.end();
      if (!report.healthy) {
        unhealthy[k] = replica(fresh[k]) + " failed its health check (" +
                       (check.path.empty() ? "TCP connect" : "GET " + check.path) + ", " +
                       prober().where() + "):\n" +
                       report.history() + "last lines of its log:\n" +
                       log_tail(*deps_.shell, endpoint_of(*srv), container_ref(fresh[k]));
      }
    });
    std::vector<std::string> bad;
    for (auto& u : unhealthy) {
      if (!u.empty()) bad.push_back(u);
    }
    if (!bad.empty()) {
      (void)remove_records(fresh);
      return fail_remote(node + ": the new release is unhealthy; the old one keeps serving.\n" + join(bad, "\n"));
    }
  }
  std::size_t n_new = (*recs)->of(node, release).size(), n_old = old.size();
  int w_new = 1, w_old = 0;
  if (canary > 0 && n_old > 0) {
    w_new = canary * static_cast<int>(n_old);
    w_old = (100 - canary) * static_cast<int>(std::max<std::size_t>(n_new, 1));
    int g = std::gcd(w_new, w_old);
    w_new /= g;
    w_old /= g;
  }
  auto s = set_weights(node, [&](const ContainerRecord& r) { return r.release == release ? w_new : w_old; });
  if (!s) return s;
  if (auto routed = sync_router(); !routed) {
    // The router kept its old config: traffic still goes to the old release.
    (void)set_weights(node, [&](const ContainerRecord& r) { return r.release == release ? 0 : 1; });
    (void)remove_records(fresh);
    return fail_remote(node + ": the router refused the switch; the old release keeps serving: " + routed.error().message);
  }
  if (hold_old_) {
    std::lock_guard lock(mu_);
    switched_.push_back(Switched{node, !in.process.domains.empty(), canary > 0, old, (*recs)->of(node, release)});
    return {};
  }
  if (canary > 0 || old.empty()) return {};
  if (!in.process.domains.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(options_.drain_ms));
  return remove_records(old);
}

Status Launcher::finish_switches(bool ok, int release) {
  auto switched = std::move(switched_);
  switched_.clear();
  hold_old_ = false;
  if (ok) {
    std::vector<ContainerRecord> retire;
    bool drain = false;
    for (const auto& sw : switched) {
      if (sw.canary) continue;  // a canary keeps its old replicas
      retire.insert(retire.end(), sw.old.begin(), sw.old.end());
      drain = drain || sw.routed;
    }
    if (retire.empty()) return {};
    if (drain) std::this_thread::sleep_for(std::chrono::milliseconds(options_.drain_ms));
    return remove_records(retire);
  }
  if (switched.empty()) return {};
  std::vector<ContainerRecord> fresh;
  for (const auto& sw : switched) {
    std::map<std::string, int> was;
    for (const auto& r : sw.old) was[r.name] = r.weight;
    if (auto s = set_weights(sw.node, [&](const ContainerRecord& r) {
          return r.release == release ? 0 : was.count(r.name) ? was[r.name] : r.weight;
        });
        !s) {
      return s;
    }
    fresh.insert(fresh.end(), sw.fresh.begin(), sw.fresh.end());
  }
  // The new replicas go only once the router no longer sends to them.
  if (auto s = sync_router(); !s) return s;
  return remove_records(fresh);
}

Status Launcher::kill_process(const std::string& stack, const std::string& process) {
  auto recs = records(stack);
  if (!recs) return std::unexpected(recs.error());
  auto victims = (*recs)->of(process);
  if (victims.empty()) return {};
  if (auto s = set_weights(process, [](const ContainerRecord&) { return 0; }); !s) return s;
  if (auto s = sync_router(); !s) return s;
  return remove_records(victims);
}

Status Launcher::route(const Instruction& in) {
  auto routes = load_routes(*deps_.store, in.stack);
  if (!routes) return std::unexpected(routes.error());
  std::erase_if(*routes, [&](const auto& r) { return r.second == in.target; });
  for (const auto& d : in.domains) routes->emplace_back(d, in.target);
  std::sort(routes->begin(), routes->end());
  // Refused, changing nothing, when another stack routes one of the
  // domains or the router does not take them.
  if (!deps_.router) return save_routes_checked(*deps_.store, in.stack, *routes);
  std::lock_guard lock(router_mu_);
  auto span = timed(deps_.timings, Phase::Router);
  return deps_.router->set_routes(*deps_.store, in.stack, *routes);
}

Status Launcher::run_one(const Instruction& in, int release, const std::map<std::string, BuiltImage>& images,
                         const std::map<std::string, int>& scale, int canary_percent) {
  auto image_of = [&]() -> Result<BuiltImage> {
    auto it = images.find(in.target);
    if (it == images.end()) return fail("no image was built for " + in.target);
    return it->second;
  };
  Status s;
  switch (in.op) {
    case Op::Ensure: {
      Step step("ensure service " + in.target);
      auto image = image_of();
      s = image ? ensure_service(in, release, *image) : Status(std::unexpected(image.error()));
      if (!s) step.failed(split_lines(s.error().message).front());
      break;
    }
    case Op::Deploy: {
      int n = scale.count(in.target) ? scale.at(in.target) : in.process.scale;
      Step step("deploy " + in.target + " x" + std::to_string(n) +
                (canary_percent > 0 ? " (canary " + std::to_string(canary_percent) + "%)" : ""));
      auto image = image_of();
      s = image ? deploy_node(in, n, release, *image, canary_percent) : Status(std::unexpected(image.error()));
      if (!s) step.failed(split_lines(s.error().message).front());
      break;
    }
    case Op::Route: {
      Step step("route " + in.target + (in.domains.empty() ? " (none)" : " " + join(in.domains, " ")));
      s = route(in);
      if (!s) step.failed(s.error().message);
      break;
    }
    case Op::Kill: {
      Step step("kill " + in.target);
      s = kill_process(in.stack, in.target);
      if (!s) step.failed(s.error().message);
      break;
    }
    case Op::Scale:
      break;
  }
  return s;
}

Status Launcher::execute_runs(const InstructionList& list, int release, const std::map<std::string, BuiltImage>& images,
                              const std::map<std::string, int>& scale, int canary_percent) {
  // Independent services and nodes (no dependency or link between them)
  // start at once; their routes follow in the manifest's order.
  const auto& all = list.instructions;
  for (std::size_t i = 0; i < all.size();) {
    std::size_t end = concurrent_run_end(all, i);
    std::vector<std::size_t> starts;
    for (std::size_t k = i; k < end; ++k)
      if (all[k].op == Op::Ensure || all[k].op == Op::Deploy) starts.push_back(k);
    std::vector<Status> done(starts.size());
    parallel_for(starts.size(), starts.size(), [&](std::size_t j) {
      done[j] = run_one(all[starts[j]], release, images, scale, canary_percent);
    });
    for (auto& s : done)
      if (!s) return s;
    for (std::size_t k = i; k < end; ++k) {
      if (all[k].op == Op::Ensure || all[k].op == Op::Deploy) continue;
      if (auto s = run_one(all[k], release, images, scale, canary_percent); !s) return s;
    }
    i = end;
  }
  return {};
}

Status Launcher::execute(const InstructionList& list, int release, const std::map<std::string, BuiltImage>& images,
                         int canary_percent) {
  std::map<std::string, int> scale;
  for (const auto& in : list.instructions) {
    if (in.op == Op::Scale) scale[in.target] = in.scale;
  }
  hold_old_ = true;
  auto ran = execute_runs(list, release, images, scale, canary_percent);
  if (auto s = finish_switches(ran.has_value(), release); !s) {
    if (!ran) return std::unexpected(ran.error().context("the revert failed too: " + s.error().message));
    return s;
  }
  if (!ran) return ran;
  if (!problems_.empty()) {
    return fail_remote("release " + std::to_string(release) + " deployed with problems:\n  " + join(problems_, "\n  "));
  }
  return {};
}

Status Launcher::scale(const Instruction& deploy, int release, const BuiltImage& image, int count) {
  auto recs = records(deploy.stack);
  if (!recs) return std::unexpected(recs.error());
  auto live = (*recs)->of(deploy.process.name, release);
  std::set<int> have;
  for (const auto& r : live) have.insert(r.index);
  std::vector<std::string> errors;
  for (int i = 1; i <= count; ++i) {
    if (have.count(i)) continue;
    int weight = deploy.process.domains.empty() ? 0 : 1;
    auto got = start_replicas(deploy, release, image, i, i + 1, weight, errors);
    if (!got.empty() && deploy.process.port > 0) {
      auto srv = server(got[0].server);
      auto check = deploy.process.health.value_or(HealthCheck{});
      if (srv && !wait_healthy(prober(), srv->ip, got[0].host_port, check).healthy) {
        (void)remove_records(got);
        errors.push_back(replica(got[0]) + " failed its health check");
      }
    }
  }
  std::vector<ContainerRecord> extra;
  for (const auto& r : live) {
    if (r.index > count) extra.push_back(r);
  }
  if (!extra.empty()) {
    (void)set_weights(deploy.process.name, [&](const ContainerRecord& r) {
      return r.release == release && r.index <= count ? r.weight : 0;
    });
  }
  if (auto s = sync_router(); !s) return s;
  if (!extra.empty()) {
    if (!deploy.process.domains.empty()) std::this_thread::sleep_for(std::chrono::milliseconds(options_.drain_ms));
    (void)remove_records(extra);
  }
  if (!errors.empty()) return fail_remote(deploy.process.name + ": " + join(errors, "; "));
  if (!problems_.empty()) return fail_remote(join(problems_, "\n"));
  return {};
}

Status Launcher::promote(const std::string& stack, int release) {
  auto recs = records(stack);
  if (!recs) return std::unexpected(recs.error());
  std::vector<ContainerRecord> retire;
  std::set<std::string> nodes;
  for (const auto& r : (*recs)->all()) {
    if (r.service) continue;
    nodes.insert(r.node);
    if (r.release != release) retire.push_back(r);
  }
  for (const auto& n : nodes) {
    (void)set_weights(n, [&](const ContainerRecord& r) { return r.release == release ? 1 : 0; });
  }
  if (auto s = sync_router(); !s) return s;
  std::this_thread::sleep_for(std::chrono::milliseconds(options_.drain_ms));
  return remove_records(retire);
}

Status Launcher::drop_release(const std::string& stack, int release) {
  auto recs = records(stack);
  if (!recs) return std::unexpected(recs.error());
  std::vector<ContainerRecord> drop;
  std::set<std::string> nodes;
  for (const auto& r : (*recs)->all()) {
    if (r.service) continue;
    nodes.insert(r.node);
    if (r.release == release) drop.push_back(r);
  }
  for (const auto& n : nodes) {
    (void)set_weights(n, [&](const ContainerRecord& r) { return r.release == release ? 0 : 1; });
  }
  if (auto s = sync_router(); !s) return s;
  std::this_thread::sleep_for(std::chrono::milliseconds(options_.drain_ms));
  return remove_records(drop);
}

Status Launcher::destroy_stack(const std::string& stack) {
  auto recs = records(stack);
  if (!recs) return std::unexpected(recs.error());
  auto all = (*recs)->all();
  if (auto s = save_routes(*deps_.store, stack, {}); !s) return s;
  if (auto s = sync_router(); !s) return s;
  if (auto s = remove_records(all); !s) return s;
  if (!problems_.empty()) return fail_remote(join(problems_, "\n"));
  return {};
}

}  // namespace quarry
