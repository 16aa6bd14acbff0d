// Choosing a store by URL (the global --store option and $QUARRY_STORE):
//   dir:PATH                                   a DirStore (the default: dir:$QUARRY_HOME)
//   etcd://HOST:PORT[,HOST:PORT...][/PREFIX][?cacert=F&cert=F&key=F&timeout=MS]
// and the Leadership that goes with a store. Called from cli/ (the
// composition root) only.
#pragma once

#include <chrono>
#include <functional>
#include <memory>

#include "store/leadership.h"
#include "store/store.h"

namespace quarry {

// A bad URL is a Usage error saying what is wrong and what is accepted.
Result<std::unique_ptr<Store>> open_store(std::string_view url);

// The default lease of a leader: a dead leader is replaced within about this.
inline constexpr std::chrono::seconds kDefaultLeaderTtl{3};

// Leadership over `store` (a DirStore or an EtcdStore); `now` gives unix
// seconds. Usage error for other stores.
Result<std::unique_ptr<Leadership>> make_leadership(Store& store, std::chrono::seconds ttl,
                                                    std::function<std::int64_t()> now);

}  // namespace quarry
