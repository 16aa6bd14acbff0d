#include "control/link_refresh.h"

#include <algorithm>
#include <set>
#include <tuple>

namespace quarry {

namespace {

bool up(const StackState& st, const std::string& server) {
  auto it = st.health.find(server);
  return it == st.health.end() || it->second.state == Health::Up;
}

std::string text(const StaleLink& s) {
  return s.service + " is at " + s.current + "; it was given " + s.given;
}

}  // namespace

std::string service_address(const StackState& st, const std::string& service) {
  const ContainerRecord* found = nullptr;
  for (const auto& r : st.books) {
    if (!r.service || r.node != service || r.host_port <= 0) continue;
    if (!found || r.release > found->release) found = &r;
  }
  if (!found || !up(st, found->server)) return "";
  auto ip = st.addresses.find(found->server);
  if (ip == st.addresses.end() || ip->second.empty()) return "";
  return ip->second + ":" + std::to_string(found->host_port);
}

std::vector<StaleLink> stale_links(const StackState& st) {
  std::vector<StaleLink> out;
  if (st.desired.empty()) return out;
  const DesiredRelease& live = st.desired.front();
  for (const auto& r : st.books) {
    if (r.service || r.release != live.number || r.links.empty() || !up(st, r.server)) continue;
    const Instruction* in = live.find(r.node);
    if (!in) continue;
    for (const auto& service : in->links) {
      auto given = r.links.find(service);
      if (given == r.links.end()) continue;
      auto now = service_address(st, service);
      if (now.empty() || now == given->second) continue;
      out.push_back(StaleLink{r.node, r.index, r.server, service, given->second, now});
    }
  }
  std::sort(out.begin(), out.end(), [](const StaleLink& a, const StaleLink& b) {
    return std::tie(a.node, a.index, a.service) < std::tie(b.node, b.index, b.service);
  });
  return out;
}

void plan_refresh(const StackState& st, const PlannerSettings& settings, ControlPlan& plan) {
  auto stale = stale_links(st);
  auto backoff = st.restarts.find(kRefreshKey);
  if (stale.empty()) {
    if (backoff != st.restarts.end() && st.now_ms - backoff->second.last_ms >= settings.backoff_base_ms)
      plan.stable.push_back(kRefreshKey);
    return;
  }
  std::string hold;
  if (st.desired.size() > 1) {
    hold = "a canary is live; its dependents are refreshed once it is promoted or dropped";
  } else if (backoff != st.restarts.end() && st.now_ms < backoff->second.next_ms) {
    hold = "the last refresh failed; next try in " +
           std::to_string((backoff->second.next_ms - st.now_ms + 999) / 1000) + "s";
  }
  for (const auto& s : stale) {
    ControlAction a;
    a.kind = hold.empty() ? ActionKind::Refresh : ActionKind::Hold;
    a.process = s.node;
    a.index = s.index;
    a.release = st.desired.front().number;
    a.server = s.server;
    a.reason = text(s) + (hold.empty() ? "" : "; " + hold);
    plan.actions.push_back(std::move(a));
  }
}

std::vector<std::string> refresh_nodes(const ControlPlan& plan) {
  std::set<std::string> nodes;
  for (const auto& a : plan.actions) {
    if (a.kind == ActionKind::Refresh) nodes.insert(a.process);
  }
  return {nodes.begin(), nodes.end()};
}

}  // namespace quarry
