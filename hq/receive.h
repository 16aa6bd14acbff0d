// The receive hook's logic, pure of the command line: what happens between
// git receiving a push and git accepting its refs.
//
// Design: everything runs in the pre-receive hook. For an update of the
// stack's deploy branch it reads quarry.yml from the pushed commit
// (libgit2, through git's quarantine), validates it, exports the tree to
// stacks/STACK/src and deploys; git updates the ref only if all of that
// succeeded. So the push's exit status is the deploy's, a rejected or failed
// push changes no ref, and the deploy branch on the HQ always names the last
// commit that deployed (re-pushing it after a failure deploys again). A
// post-receive hook could not do this: git ignores its exit status.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "hq/deploy_runner.h"
#include "hq/ref_replicator.h"
#include "store/store.h"

namespace quarry {

// One line of a hook's stdin: "OLD NEW REF".
struct RefUpdate {
  std::string old_id;
  std::string new_id;  // kZeroId when the ref is deleted
  std::string ref;     // "refs/heads/main"
};

// Parses the hook's stdin; blank lines are skipped, anything else that is
// not "ID ID REF" is an error.
Result<std::vector<RefUpdate>> parse_ref_updates(std::string_view text);

// Validates a manifest's text for `stack`. On failure the Error's message
// holds one located diagnostic per line ("quarry.yml:3:7: ...").
using ManifestValidator = std::function<Status(const std::string& manifest_text, const std::string& stack)>;

inline constexpr const char* kManifestFile = "quarry.yml";

struct ReceiveOptions {
  std::string stack;
  std::string repo_path;                 // the stack's bare repository
  std::vector<std::string> object_dirs;  // git's quarantine directory, if any
  std::string src_dir;                   // where the deployed tree goes (stacks/STACK/src)
  std::string pusher;                    // key name of who pushed
  std::string log_dir;                   // where deploy logs go (stacks/STACK/deploys)
  // True when the caller (`quarry hq shell`) already holds the stack's
  // push lock for this whole push; the hook must not take it again.
  bool lock_held = false;
  std::optional<std::chrono::milliseconds> lock_timeout;  // forever if unset
  // True when a peer HQ pushes a ref it accepted and deployed (`quarry hq
  // mirror`): the refs are stored as they come, nothing is deployed, and no
  // lock is taken (the peer holds the stack's push lock for the push).
  bool mirror = false;
};

struct ReceiveDeps {
  Store& store;
  ManifestValidator validate;
  DeployRunner& runner;
  // One line for the pusher (git shows it as "remote: LINE").
  std::function<void(const std::string& line)> say;
  // The other HQs, when several share the store; null for a lone HQ.
  RefReplicator* replicator = nullptr;
};

// The lock that serializes pushes of one stack ("stacks/STACK/push"). It is
// not the deployer's own lock ("stacks/STACK/deploy"): the deploy a push runs
// is a child process that takes that one, so a push holding it would wait
// on itself; a `quarry deploy` run by hand still waits for a push's deploy.
std::string push_lock_name(const std::string& stack);

// Decides a push. Updates of other refs than the deploy branch are accepted
// as they are ("stored, not deployed"). Deleting the deploy branch is
// refused. For the deploy branch: quarry.yml must exist at the new commit,
// be a regular file (not a symbolic link) and validate (each diagnostic is
// said on its own line); then, under the stack's push lock (waiting, and
// saying so, if another push holds it), the tree is exported, its
// quarry.yml checked to be exactly the validated bytes, and deployed. Success means the refs may be
// accepted; any error means git must reject the whole push.
// With a replicator, under the lock and before the export, every peer HQ
// must be reachable and hold no history this push lacks (else the push is
// rejected, nothing changed); after the deploy the new commit is pushed to
// every peer, and a peer that does not take it rejects the push (the
// cluster then runs the commit though no HQ's branch names it: pushing it
// again deploys it again). A mirror push (options.mirror) only refuses
// deleting the deploy branch.
Status pre_receive(const std::vector<RefUpdate>& updates, const ReceiveOptions& options, ReceiveDeps& deps);

}  // namespace quarry
