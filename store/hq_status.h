// What `quarry hq status` shows: the HQs that share the store, which one
// leads and since when, and (on etcd) the members of the etcd cluster and
// their health. Gathering reads the store; rendering is pure.
#pragma once

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "store/etcd_store.h"
#include "store/leadership.h"

namespace quarry {

struct HqMember {
  std::string id;
  std::string address;
  std::int64_t since = 0;
  std::int64_t seen = 0;
};

struct HqStatus {
  std::string store;                  // the store's URL
  std::optional<LeaderTerm> leader;   // nullopt: nobody leads
  std::vector<HqMember> hqs;
  std::optional<std::vector<EtcdMember>> etcd;  // only on an etcd store
  // The HQs every push is copied to (hq/peers, recorded by `hq init
  // --address`): id and the git account they are reached at (USER@HOST:PORT).
  std::vector<std::pair<std::string, std::string>> peers;
};

// The HQs recorded under hq/members; a corrupt record is an error naming it.
Result<std::vector<HqMember>> load_hq_members(Store& store);

// {"leader": ID or "", "term", "since", "store", "hqs": [...], "etcd": [...],
//  "peers": [{"id", "git"}] (only when some are recorded)}
nlohmann::json to_json(const HqStatus& status);
// The human form; `now` (unix seconds) gives ages.
std::string render_hq_status(const HqStatus& status, std::int64_t now);

}  // namespace quarry
