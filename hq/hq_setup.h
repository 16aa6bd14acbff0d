// `quarry hq init`: turning a machine into an HQ.
#pragma once

#include <string>

#include "store/store.h"

namespace quarry {

struct HqInitOptions {
  std::string home;    // absolute path of the HQ home (the store's root)
  std::string user;    // the git account, "quarry" by default
  std::string binary;  // absolute path of the quarry executable hooks and logins run
  // Among several HQs (hq_peers.h): this HQ's name, where its peers reach its
  // sshd ("HOST[:PORT]"; empty: not a peer, pushes are not copied here) and
  // that sshd's public host key file.
  std::string id;
  std::string address;
  std::string host_key_file = "/etc/ssh/ssh_host_ed25519_key.pub";
};

// Sets the machine up as an HQ, idempotently (re-running repairs):
//   1. the state directories (etc/keys, stacks, keys, run);
//   2. the HQ's own SSH key pair keys/hq_ed25519{,.pub}, which the launcher
//      uses to reach servers (kept when present);
//   3. the git account (git_account.h), whose home is the HQ home;
//   4. etc/hq.json in `local` (the home's directory), this HQ's peer record
//      in `store` when it has an address, and the account's authorized_keys
//      from the registered keys and the HQs' keys;
//   5. the HQ home's state handed to the git account, so pushes can write
//      it (all but the daemons' data, kRootOwnedParts); re-running gives
//      back what root-run commands (servers add) wrote since.
// Needs root. Each step is reported as a progress line.
Status init_hq(Store& store, Store& local, const HqInitOptions& options);

// The absolute path of the running executable (/proc/self/exe).
Result<std::string> current_executable();

}  // namespace quarry
