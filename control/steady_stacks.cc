#include "control/steady_stacks.h"

namespace quarry {

Result<StackInputs> read_stack_inputs(Store& store, const std::string& stack, Placer* placer) {
  StackInputs in;
  const std::string dir = "stacks/" + stack;
  auto books = store.revision(dir + "/containers.json");
  if (!books) return std::unexpected(books.error());
  in.books = *books;
  auto restarts = store.revision(dir + "/restarts.json");
  if (!restarts) return std::unexpected(restarts.error());
  in.restarts = *restarts;
  auto names = store.list(dir + "/releases");
  if (!names) return std::unexpected(names.error());
  for (const auto& name : *names) {
    if (!name.ends_with(".json")) continue;  // as load_releases reads them
    auto revision = store.revision(dir + "/releases/" + name);
    if (!revision) return std::unexpected(revision.error());
    in.releases.emplace_back(name, *revision);
  }
  if (placer) {
    auto ids = placer->slices(stack + "/");
    if (!ids) return std::unexpected(ids.error().context("the grid's slices of " + stack));
    in.slices = std::move(*ids);
  }
  return in;
}

void SteadyStacks::saw_servers(const std::vector<ServerRecord>& servers,
                               const std::map<std::string, ServerHealth>& health,
                               const std::unordered_set<std::string>& answered) {
  auto state = [&](const ServerRecord& s) {
    auto h = health.find(s.id);
    return h == health.end() ? Health::Up : h->second.state;
  };
  // Compared in place: a steady fleet copies nothing.
  bool same = seen_.size() == servers.size();
  for (std::size_t i = 0; same && i < servers.size(); ++i) {
    const auto& s = servers[i];
    const auto& was = seen_[i];
    same = was.id == s.id && was.address == s.ip && was.health == state(s) && was.answered == (answered.count(s.id) > 0);
  }
  if (same) return;
  seen_.clear();
  seen_.reserve(servers.size());
  for (const auto& s : servers) seen_.push_back(Seen{s.id, s.ip, state(s), answered.count(s.id) > 0});
  servers_ += 1;
}

const ControlPlan* SteadyStacks::reusable(const std::string& stack, const StackInputs& inputs, bool held,
                                          std::int64_t now_ms) const {
  if (!held || inputs.observation == 0) return nullptr;
  auto it = kept_.find(stack);
  if (it == kept_.end()) return nullptr;
  const auto& k = it->second;
  if (k.servers != servers_ || now_ms >= k.valid_until_ms || k.inputs != inputs) return nullptr;
  return &k.plan;
}

void SteadyStacks::planned(const std::string& stack, StackInputs inputs, const ControlPlan& plan,
                           std::int64_t valid_until_ms) {
  if (!plan.actions.empty() || !plan.stable.empty() || inputs.observation == 0) {
    kept_.erase(stack);
    return;
  }
  kept_[stack] = Kept{std::move(inputs), servers_, valid_until_ms, plan};
}

}  // namespace quarry
