#include "control/server_resize.h"

#include <algorithm>
#include <map>

#include "control/stack_state.h"
#include "core/log.h"
#include "core/text.h"
#include "launcher/launcher.h"
#include "launcher/stack_records.h"

namespace quarry {

struct ServerResizer::Job {
  ContainerRecord old;
  const Instruction* in = nullptr;
  BuiltImage image;
  int spare = 0;  // the index the new replica starts under
};

namespace {

std::string who(const ContainerRecord& r) { return r.stack + " " + r.node + "#" + std::to_string(r.index); }

}  // namespace

Status ServerResizer::check_fits(const std::string& server, const ResizeTarget& target) {
  auto grid = placer_.state();
  if (!grid) return std::unexpected(grid.error());
  Resources services;
  for (const auto& b : grid->blocks)
    if (b.block.id == server)
      for (const auto& s : b.slices)
        if (s.is_service) services += s.size;
  const Resources capacity{target.memory_mb, static_cast<std::int64_t>(target.cpu * 1000 + 0.5)};
  if (services.memory_mb > capacity.memory_mb || services.cpu_millis > capacity.cpu_millis)
    return fail("server " + server + " runs services needing " + std::to_string(services.memory_mb) + " MB and " +
                std::to_string(services.cpu_millis) + " millicores, more than " + target.size + " has (" +
                std::to_string(capacity.memory_mb) + " MB, " + std::to_string(capacity.cpu_millis) +
                " millicores): choose a larger size");
  return {};
}

Result<std::vector<ServerResizer::Job>> ServerResizer::plan_moves(const std::string& server, const std::string& stack) {
  auto st = read_stack_state(*env_.store, stack, {}, {}, env_.clock->now_ms());
  if (!st) return std::unexpected(st.error());
  // Jobs point into the stack state's instructions: kept alive by the caller.
  states_.push_back(std::make_unique<StackState>(std::move(*st)));
  const StackState& state = *states_.back();
  std::map<std::string, int> spare;  // node -> next unused index
  for (const auto& r : state.books) spare[r.node] = std::max(spare[r.node], r.index);
  std::vector<Job> jobs;
  for (const auto& r : state.books) {
    if (r.server != server || r.service) continue;
    const DesiredRelease* d = nullptr;
    for (const auto& rel : state.desired)
      if (rel.number == r.release) d = &rel;
    const Instruction* in = d ? d->find(r.node) : nullptr;
    auto img = d ? d->images.find(r.node) : std::map<std::string, BuiltImage>::const_iterator{};
    if (!in || img == d->images.end())
      return fail(who(r) + " on " + server + " is of release " + std::to_string(r.release) +
                  ", which is not live: deploy " + stack + " (or let the control loop remove it) first");
    jobs.push_back(Job{r, in, img->second, ++spare[r.node]});
  }
  return jobs;
}

Status ServerResizer::move_stack(const std::string& server, const std::string& stack, ResizeReport& report) {
  auto lock = env_.store->lock("stacks/" + stack + "/deploy", "resize of server " + server, std::nullopt,
                               [&](const std::string& holder) { log_info("==> waiting for " + stack + "'s lock, held by: " + holder); });
  if (!lock) return std::unexpected(lock.error());
  auto jobs = plan_moves(server, stack);
  if (!jobs) return std::unexpected(jobs.error());
  if (jobs->empty()) return {};
  LaunchOptions options = options_;
  options.avoid_servers.insert(server);
  std::vector<ContainerRecord> started;
  {
    Launcher launcher(LaunchDeps{env_.store, env_.shell, env_.placer, shipper_, env_.router, env_.prober}, options);
    // Every new replica runs and is healthy before any old one stops.
    for (const auto& j : *jobs) {
      auto rec = launcher.start_replica(*j.in, j.old.release, j.image, j.spare, j.old.weight);
      if (!rec) {
        (void)launcher.remove_containers(started);
        return std::unexpected(rec.error().context("moving " + who(j.old) + " off " + server));
      }
      started.push_back(*rec);
    }
    if (auto s = launcher.sync_router(); !s) {
      (void)launcher.remove_containers(started);
      return std::unexpected(s.error().context("router"));
    }
    if (options.drain_ms > 0) sleep_(options.drain_ms);
    std::vector<ContainerRecord> old;
    for (const auto& j : *jobs) old.push_back(j.old);
    if (auto s = launcher.remove_containers(old); !s) return s;
    for (const auto& p : launcher.problems()) report.problems.push_back(p);
  }
  // The new replicas take the indices of those they replaced.
  auto recs = StackRecords::load(*env_.store, stack);
  if (!recs) return std::unexpected(recs.error());
  for (std::size_t k = 0; k < jobs->size(); ++k) {
    const auto& j = (*jobs)[k];
    const auto& now = started[k];
    auto renamed = now;
    renamed.index = j.old.index;
    if (auto s = placer_.rename_slice(slice_id_of(now), slice_id_of(renamed)); !s) return s;
    auto s = recs->update([&](const ContainerRecord& r) { return r.name == now.name && r.server == now.server; },
                          [&](ContainerRecord& r) { r.index = j.old.index; });
    if (!s) return s;
    report.moved.push_back(who(j.old) + " -> " + now.server);
  }
  if (env_.router)
    if (auto s = env_.router->sync(); !s) report.problems.push_back("router: " + s.error().message);
  return {};
}

Status ServerResizer::check_drained(const std::string& server) {
  auto grid = placer_.state();
  if (!grid) return std::unexpected(grid.error());
  for (const auto& b : grid->blocks) {
    if (b.block.id != server) continue;
    for (const auto& s : b.slices)
      if (!s.is_service)
        return fail("server " + server + " took " + s.id + " while it was drained (a deploy ran meanwhile): " +
                    "run the resize again");
  }
  return {};
}

void ServerResizer::restart_services(const ServerRecord& server, ResizeReport& report) {
  auto stacks = list_stacks(*env_.store);
  if (!stacks) {
    report.problems.push_back(stacks.error().message);
    return;
  }
  Launcher launcher(LaunchDeps{env_.store, env_.shell, env_.placer, nullptr, env_.router, env_.prober}, options_);
  for (const auto& stack : *stacks) {
    auto books = load_containers(*env_.store, stack);
    if (!books) continue;
    for (const auto& r : *books) {
      if (r.server != server.id || !r.service) continue;
      if (auto s = launcher.restart(r); !s)
        report.problems.push_back(who(r) + " did not start again (the control loop retries): " + s.error().message);
      else report.restarted.push_back(who(r));
    }
  }
}

Result<ResizeReport> ServerResizer::resize(const ServerRecord& server, const ResizeTarget& target) {
  if (auto s = check_fits(server.id, target); !s) return std::unexpected(s.error());
  auto stacks = list_stacks(*env_.store);
  if (!stacks) return std::unexpected(stacks.error());
  // Checked for every stack before anything moves.
  for (const auto& stack : *stacks) {
    auto jobs = plan_moves(server.id, stack);
    if (!jobs) return std::unexpected(jobs.error());
  }
  states_.clear();
  ResizeReport report;
  for (const auto& stack : *stacks) {
    Step step("move " + stack + "'s nodes off " + server.id);
    if (auto s = move_stack(server.id, stack, report); !s) {
      step.failed(s.error().message);
      return std::unexpected(s.error());
    }
    step.done();
  }
  if (auto s = check_drained(server.id); !s) return std::unexpected(s.error());
  auto resized = resize_(server, target.size);
  if (!resized) return std::unexpected(resized.error().context("resize of " + server.id + " to " + target.size));
  report.server = *resized;
  report.server.memory_mb = target.memory_mb;
  report.server.cpu = target.cpu;
  if (auto s = save_server(*env_.store, report.server); !s) return std::unexpected(s.error());
  if (auto s = placer_.add_server(report.server); !s) return std::unexpected(s.error());
  restart_services(report.server, report);
  return report;
}

}  // namespace quarry
