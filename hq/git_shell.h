// What the git account's forced command does with one ssh login: serve a
// push or a fetch of a stack's repository, and nothing else.
#pragma once

#include <functional>
#include <string>

#include "hq/hq_config.h"
#include "store/store.h"

namespace quarry {

struct GitLogin {
  std::string home;              // the HQ home
  std::string key_name;          // whose key logged in (from authorized_keys)
  std::string original_command;  // $SSH_ORIGINAL_COMMAND; empty for a login shell
};

// Serves `login` with the real git programs, stdin and stdout passed
// through untouched (they carry git's protocol; messages go to stderr).
// A push (git-receive-pack) takes the stack's push lock for the whole
// session, waiting and saying so if another push holds it, creates the bare
// repository on the first push and runs git-receive-pack with
// QUARRY_PUSHER=KEY and QUARRY_DEPLOY_LOCK_HELD=STACK in its environment,
// for the hook. Holding the lock from before git advertises the refs until
// they are updated is what lets two concurrent pushes both land, one after
// the other: the second one's client sees the first one's commit. A fetch
// (git-upload-pack) of an existing stack runs without the lock. Any other
// command is refused with a User error, and so is a push or a fetch of a
// stack the key is not granted (key_grants.h). Returns git's exit status.
Result<int> serve_git_login(Store& store, const HqConfig& config, const GitLogin& login,
                            const std::function<void(const std::string&)>& say);

// Serves a peer HQ's login (`quarry hq mirror`, the forced command of the
// HQs' keys): a fetch or a push of any stack, the repository created when
// missing (so a new HQ answers a first ls-remote with no refs). A push runs
// git-receive-pack with QUARRY_MIRROR=1, so the hook stores the refs without
// deploying (receive.h). No lock is taken: the peer that pushes holds the
// stack's push lock. Any other command is a User error. Returns git's exit
// status.
Result<int> serve_mirror_login(Store& store, const HqConfig& config, const std::string& home,
                               const std::string& original_command);

}  // namespace quarry
