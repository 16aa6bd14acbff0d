// The HQ's own settings, written by `quarry hq init` to etc/hq.json and read
// by every other `quarry hq` command: which account serves git, which
// quarry binary its forced command and hooks run, its name among the HQs.
// They describe one machine, so they stay in the HQ home's directory even
// when the state is in etcd (each HQ has its own).
#pragma once

#include <string>

#include "store/store.h"

namespace quarry {

struct HqConfig {
  std::string user;             // the git account ("quarry")
  std::string binary;           // absolute path of the quarry executable
  std::string authorized_keys;  // the account's ~/.ssh/authorized_keys
  std::string id;               // its name among the HQs (hq_peers.h); empty: not a peer
};

inline constexpr const char* kHqConfigKey = "etc/hq.json";

// The stored settings; a User error telling to run `quarry hq init` when
// this home was never set up as an HQ.
Result<HqConfig> load_hq_config(Store& store);
Status save_hq_config(Store& store, const HqConfig& config);

// The branch pushes to `stack` deploy from: "branch" in
// stacks/STACK/settings.json, else "main". A stored branch that is not a
// plain branch name is an error naming the file.
Result<std::string> deploy_branch(Store& store, const std::string& stack);

// A plain branch name: [A-Za-z0-9._/-], no "..", no leading '-' or '/',
// no trailing '/' or ".lock".
bool is_branch_name(const std::string& name);

}  // namespace quarry
