#include "control/planner.h"

#include <algorithm>
#include <functional>
#include <limits>
#include <set>
#include <string_view>
#include <tuple>

#include "control/link_refresh.h"
#include "launcher/stack_records.h"

namespace quarry {

std::string action_name(ActionKind k) {
  switch (k) {
    case ActionKind::Start: return "start";
    case ActionKind::Restart: return "restart";
    case ActionKind::Replace: return "replace";
    case ActionKind::Move: return "move";
    case ActionKind::Remove: return "remove";
    case ActionKind::Forget: return "forget";
    case ActionKind::Hold: return "hold";
    case ActionKind::Refresh: return "refresh";
    case ActionKind::Free: return "free";
  }
  return "?";
}

bool ControlPlan::empty() const {
  return std::none_of(actions.begin(), actions.end(), [](const ControlAction& a) { return a.kind != ActionKind::Hold; });
}

int ControlPlan::count(ActionKind k) const {
  return static_cast<int>(std::count_if(actions.begin(), actions.end(), [&](const ControlAction& a) { return a.kind == k; }));
}

std::int64_t backoff_delay_ms(int n, const PlannerSettings& s) {
  std::int64_t d = s.backoff_base_ms;
  for (int i = 1; i < n && d < s.backoff_max_ms; ++i) d *= 2;
  return std::min(d, s.backoff_max_ms);
}

std::string replica_key(const std::string& process, int index) { return process + "#" + std::to_string(index); }

namespace {

class Planner {
 public:
  Planner(const StackState& st, const PlannerSettings& s) : st_(st), s_(s), wanted_(st.books.size(), false) {
    plan_.stack = st.stack;
    by_replica_.reserve(st_.books.size());
    for (const auto& r : st_.books) by_replica_.push_back(&r);
    auto order = [](const auto* a, const auto* b) { return std::tie(a->node, a->index) < std::tie(b->node, b->index); };
    // The books are kept sorted by (node, release, index): one release's
    // are in order already.
    if (!std::is_sorted(by_replica_.begin(), by_replica_.end(), order)) {
      std::stable_sort(by_replica_.begin(), by_replica_.end(), order);
    }
    match_observed();
  }

  ControlPlan run() {
    for (const auto& [id, h] : st_.health) {
      if (h.state != Health::Up) plan_.avoid.push_back(id);
    }
    if (!st_.desired.empty()) {
      for (std::size_t i = 0; i < st_.desired.size(); ++i) plan_release(st_.desired[i], i == 0);
      for (std::size_t i = 0; i < st_.books.size(); ++i) {
        if (!wanted_[i]) unwanted(st_.books[i]);
      }
    }
    drift();
    orphan_slices();
    plan_refresh(st_, s_, plan_);
    return std::move(plan_);
  }

 private:
  Health health(const std::string& server) const {
    auto it = st_.health.find(server);
    return it == st_.health.end() ? Health::Up : it->second.state;
  }

  // Each record's container as its server reported it (the first of that
  // name in the server's list), and every reported container some record
  // names (the rest is drift): one hashed lookup per record, no walk of a
  // server's list and no sort of strings.
  void match_observed() {
    struct Seen {
      std::size_t hash;
      const std::string* server;  // the key it was reported under
      const ObservedContainer* container;
    };
    std::vector<Seen> by_name;
    for (const auto& [server, list] : st_.observed) {
      for (const auto& c : list) by_name.push_back({std::hash<std::string_view>{}(c.name), &server, &c});
    }
    // Stable: within one hash, the servers' order and each list's order.
    std::stable_sort(by_name.begin(), by_name.end(), [](const Seen& a, const Seen& b) { return a.hash < b.hash; });
    seen_.assign(st_.books.size(), nullptr);
    for (std::size_t i = 0; i < st_.books.size(); ++i) {
      const auto& r = st_.books[i];
      auto from = std::lower_bound(by_name.begin(), by_name.end(), std::hash<std::string_view>{}(r.name),
                                   [](const Seen& s, std::size_t h) { return s.hash < h; });
      for (auto it = from; it != by_name.end() && it->hash == from->hash; ++it) {
        if (*it->server != r.server || it->container->name != r.name) continue;
        if (!seen_[i]) seen_[i] = it->container;
        known_.push_back(it->container);
      }
    }
    std::sort(known_.begin(), known_.end());
  }
  // Some record names this reported container.
  bool known(const ObservedContainer& c) const { return std::binary_search(known_.begin(), known_.end(), &c); }
  std::size_t place_of(const ContainerRecord& r) const { return static_cast<std::size_t>(&r - st_.books.data()); }

  void add(ControlAction a) { plan_.actions.push_back(std::move(a)); }

  ControlAction about(const ContainerRecord& r, ActionKind kind, std::string reason) const {
    return ControlAction{kind, r.node, r.service, r.index, r.release, r.server, r.name, std::move(reason), false, false};
  }

  void plan_release(const DesiredRelease& d, bool newest) {
    for (const auto& in : d.instructions.instructions) {
      if (in.op == Op::Deploy) {
        int scale = d.scale.count(in.target) ? d.scale.at(in.target) : in.process.scale;
        auto [at, end] = records_of(in.target);
        for (int i = 1; i <= scale; ++i) plan_replica(in, d.number, i, at, end);
      } else if (in.op == Op::Ensure && newest) {
        auto [at, end] = records_of(in.target);
        plan_replica(in, d.number, 1, at, end);
      }
    }
  }

  using Cursor = std::vector<const ContainerRecord*>::const_iterator;
  // The records of `node`, by index (and within one in the books' order).
  std::pair<Cursor, Cursor> records_of(const std::string& node) const {
    return std::equal_range(by_replica_.cbegin(), by_replica_.cend(), node, NodeOrder{});
  }

  // The book's record of one wanted replica: for a node the one of this
  // release; a service is one container whatever release started it.
  // `at` walks the node's records forward: indices are asked in order.
  const ContainerRecord* record_of(const Instruction& in, int release, int index, Cursor& at, Cursor end) const {
    while (at != end && (*at)->index < index) ++at;
    const ContainerRecord* found = nullptr;
    for (auto it = at; it != end && (*it)->index == index; ++it) {  // in the books' order
      const auto* r = *it;
      if (!in.process.is_service && r->release != release) continue;
      if (!found || r->release > found->release) found = r;
    }
    return found;
  }

  void plan_replica(const Instruction& in, int release, int index, Cursor& at, Cursor end) {
    const auto* r = record_of(in, release, index, at, end);
    if (!r) {
      add(ControlAction{ActionKind::Start, in.target, in.process.is_service, index, release, "", "",
                 "desired replica has no container", false, false});
      return;
    }
    wanted_[place_of(*r)] = true;
    switch (health(r->server)) {
      case Health::Down:
        if (in.process.is_service && !in.process.reschedule) {
          add(about(*r, ActionKind::Hold, "service " + in.target + " is on " + r->server +
                                              ", which is down; services are not moved (they may hold a volume)"));
        } else {
          add(started_from(about(*r, ActionKind::Move, r->server + " is down"), release));
        }
        return;
      case Health::Suspect:
        add(about(*r, ActionKind::Hold, r->server + " is suspect; waiting before acting"));
        return;
      case Health::Up:
        break;
    }
    const auto* c = seen_[place_of(*r)];
    if (!c && !st_.did_answer(r->server)) return;  // not asked this pass
    // Most replicas have no restart history: no key is made for them.
    auto rs = st_.restarts.empty() ? st_.restarts.end() : st_.restarts.find(replica_key(r->node, r->index));
    if (c && c->running) {
      if (rs != st_.restarts.end() && st_.now_ms - rs->second.last_ms >= s_.stable_after_ms) {
        plan_.stable.push_back(rs->first);
      }
      return;
    }
    ActionKind kind = c ? ActionKind::Restart : ActionKind::Replace;
    std::string what = c ? "exited (" + c->status + ")" : "is gone from " + r->server;
    if (c && c->state == "restarting") {
      auto a = about(*r, ActionKind::Hold, "died; docker is restarting it (" + c->status + ")");
      a.died = true;
      a.crashloop = rs != st_.restarts.end() && rs->second.crashloop;
      add(std::move(a));
      return;
    }
    if (rs != st_.restarts.end() && st_.now_ms < rs->second.next_ms) {
      auto a = about(*r, ActionKind::Hold, what + "; backed off after " + std::to_string(rs->second.restarts) +
                                               " restart(s), next in " +
                                               std::to_string((rs->second.next_ms - st_.now_ms + 999) / 1000) + "s");
      a.crashloop = rs->second.crashloop;
      add(std::move(a));
      return;
    }
    add(started_from(about(*r, kind, what), release));
  }

  // A service's container is started again from the live release (the one
  // that ensures it), whatever release started the one it replaces.
  static ControlAction started_from(ControlAction a, int release) {
    if (a.service) a.release = release;
    return a;
  }


  void unwanted(const ContainerRecord& r) {
    if (health(r.server) == Health::Down) {
      add(about(r, ActionKind::Forget, "no live release wants it and " + r.server + " is down"));
    } else if (health(r.server) == Health::Up) {
      add(about(r, ActionKind::Remove, "no live release wants it"));
    }
  }

  void drift() {
    for (const auto& [server, list] : st_.observed) {
      if (health(server) != Health::Up) continue;
      for (const auto& c : list) {
        if (known(c)) continue;
        add(ControlAction{ActionKind::Remove, c.node, false, c.index, c.release, server, c.name,
                   "labelled " + st_.stack + " but no record knows it (stale or drift)", false, false});
      }
    }
  }

  void orphan_slices() {
    if (st_.slices.empty()) return;
    std::set<std::string> held;
    for (const auto& r : st_.books) held.insert(slice_id_of(r));
    for (const auto& id : st_.slices) {
      if (held.count(id)) continue;
      add(ControlAction{ActionKind::Free, "", false, 0, 0, "", id,
                        "grid slice with no container record (a start that died before recording it)", false,
                        false});
    }
  }

  const StackState& st_;
  const PlannerSettings& s_;
  ControlPlan plan_;
  std::vector<bool> wanted_;  // by the record's place in the books
  // The books' records sorted by (node, index), and within one in the
  // books' order: a node's records are found once, then walked by index.
  struct NodeOrder {
    bool operator()(const ContainerRecord* a, const std::string& node) const { return a->node < node; }
    bool operator()(const std::string& node, const ContainerRecord* a) const { return node < a->node; }
  };
  std::vector<const ContainerRecord*> by_replica_;
  std::vector<const ObservedContainer*> seen_;   // by the record's place in the books; null: not reported
  std::vector<const ObservedContainer*> known_;  // reported containers some record names, sorted
};

}  // namespace

ControlPlan plan_stack(const StackState& state, const PlannerSettings& settings) {
  return Planner(state, settings).run();
}

std::int64_t plan_valid_until(const StackState& state, const PlannerSettings& settings) {
  std::int64_t until = std::numeric_limits<std::int64_t>::max();
  for (const auto& [key, rs] : state.restarts) {
    for (std::int64_t t : {rs.next_ms, rs.last_ms + settings.stable_after_ms, rs.last_ms + settings.backoff_base_ms}) {
      if (t > state.now_ms) until = std::min(until, t);
    }
  }
  return until;
}

std::string render_control_plan(const ControlPlan& plan) {
  std::string out;
  for (const auto& a : plan.actions) {
    std::string who = a.process.empty() ? a.container : a.process + "#" + std::to_string(a.index);
    out += "  " + action_name(a.kind) + " " + who + (a.server.empty() ? "" : " on " + a.server) + "  " + a.reason +
           (a.crashloop ? " [crashloop]" : "") + "\n";
  }
  return out;
}

nlohmann::json control_plan_json(const ControlPlan& plan) {
  nlohmann::json list = nlohmann::json::array();
  for (const auto& a : plan.actions) {
    list.push_back({{"action", action_name(a.kind)}, {"process", a.process}, {"service", a.service},
                    {"index", a.index}, {"release", a.release}, {"server", a.server}, {"container", a.container},
                    {"reason", a.reason}, {"crashloop", a.crashloop}, {"died", a.died}});
  }
  return {{"stack", plan.stack}, {"actions", list}, {"avoid", plan.avoid}};
}

}  // namespace quarry
