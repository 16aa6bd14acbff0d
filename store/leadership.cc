#include "store/leadership.h"

#include <nlohmann/json.hpp>

namespace quarry {

Result<bool> commit_fenced(Store& store, const LeaderTerm& term, Txn txn) {
  txn.expect(std::string(kLeaderKey), term.fence);
  return store.commit(txn);
}

std::int64_t parse_term(std::string_view text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.remove_suffix(1);
  if (text.empty() || text.size() > 18 || text.find_first_not_of("0123456789") != std::string_view::npos) return 0;
  return std::stoll(std::string(text));
}

std::string leader_document(const LeaderTerm& term) {
  nlohmann::json j{{"hq", term.hq_id}, {"since", term.since}, {"term", term.term}};
  return j.dump() + "\n";
}

Result<std::optional<LeaderTerm>> read_leader_key(Store& store) {
  auto got = store.get_versioned(kLeaderKey);
  if (!got) return std::unexpected(got.error());
  if (!got->value) return std::optional<LeaderTerm>{};
  auto j = nlohmann::json::parse(*got->value, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("hq") || !j["hq"].is_string()) {
    return fail(store.locate(kLeaderKey) + ": corrupt leader record; remove it and the leading HQ rewrites it");
  }
  LeaderTerm t;
  t.hq_id = j["hq"].get<std::string>();
  t.since = j.value("since", std::int64_t{0});
  t.term = j.value("term", std::int64_t{0});
  t.fence = got->revision;
  return std::optional<LeaderTerm>(t);
}

Status announce_member(Store& store, std::string_view hq_id, std::string_view address, std::int64_t now) {
  auto key = std::string(kMembersPrefix) + "/" + std::string(hq_id);
  if (auto s = check_key(key); !s) return s;
  std::int64_t since = now;
  auto old = store.get(key);
  if (!old) return std::unexpected(old.error());
  if (*old) {
    auto j = nlohmann::json::parse(**old, nullptr, false);
    if (j.is_object()) since = j.value("since", now);
  }
  nlohmann::json doc{{"id", hq_id}, {"address", address}, {"since", since}, {"seen", now}};
  return store.put(key, doc.dump() + "\n");
}

}  // namespace quarry
