#include "store/hq_status.h"

#include <sstream>

namespace quarry {

Result<std::vector<HqMember>> load_hq_members(Store& store) {
  auto names = store.list(kMembersPrefix);
  if (!names) return std::unexpected(names.error());
  std::vector<HqMember> out;
  for (const auto& name : *names) {
    auto key = std::string(kMembersPrefix) + "/" + name;
    auto text = store.get(key);
    if (!text) return std::unexpected(text.error());
    if (!*text) continue;
    auto j = nlohmann::json::parse(**text, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("id") || !j["id"].is_string())
      return fail(store.locate(key) + ": corrupt HQ record; remove it, the HQ rewrites it on its next pass");
    out.push_back({j["id"].get<std::string>(), j.value("address", ""), j.value("since", std::int64_t{0}),
                   j.value("seen", std::int64_t{0})});
  }
  return out;
}

nlohmann::json to_json(const HqStatus& s) {
  nlohmann::json j;
  j["leader"] = s.leader ? s.leader->hq_id : "";
  j["term"] = s.leader ? s.leader->term : 0;
  j["since"] = s.leader ? s.leader->since : 0;
  j["store"] = s.store;
  j["hqs"] = nlohmann::json::array();
  for (const auto& h : s.hqs) {
    j["hqs"].push_back({{"id", h.id},
                        {"address", h.address},
                        {"since", h.since},
                        {"seen", h.seen},
                        {"leader", s.leader && s.leader->hq_id == h.id}});
  }
  for (const auto& [id, git] : s.peers) j["peers"].push_back({{"id", id}, {"git", git}});
  if (s.etcd) {
    j["etcd"] = nlohmann::json::array();
    for (const auto& m : *s.etcd) {
      j["etcd"].push_back({{"name", m.name},
                           {"id", m.id},
                           {"endpoints", m.client_urls},
                           {"healthy", m.healthy},
                           {"leader", m.leader},
                           {"error", m.error}});
    }
  }
  return j;
}

std::string render_hq_status(const HqStatus& s, std::int64_t now) {
  std::ostringstream out;
  out << "store: " << s.store << "\n";
  if (s.leader) {
    out << "leader: " << s.leader->hq_id << " (term " << s.leader->term << ", since " << now - s.leader->since
        << "s ago)\n";
  } else {
    out << "leader: none\n";
  }
  out << "HQs:";
  if (s.hqs.empty()) out << " none recorded";
  out << "\n";
  for (const auto& h : s.hqs) {
    out << "  " << h.id << (s.leader && s.leader->hq_id == h.id ? " (leader)" : "") << "  " << h.address
        << "  up " << now - h.since << "s, seen " << now - h.seen << "s ago\n";
  }
  if (!s.peers.empty()) {
    out << "pushes are copied to every HQ of:\n";
    for (const auto& [id, git] : s.peers) out << "  " << id << "  " << git << "\n";
  }
  if (s.etcd) {
    out << "etcd members:\n";
    for (const auto& m : *s.etcd) {
      out << "  " << m.name << "  " << (m.client_urls.empty() ? "-" : m.client_urls.front()) << "  "
          << (m.healthy ? "healthy" : "unhealthy: " + m.error) << (m.leader ? " (raft leader)" : "") << "\n";
    }
  }
  return out.str();
}

}  // namespace quarry
