// RefReplicator over the git binary: `git ls-remote` and `git push` to each
// peer HQ's git account over OpenSSH, logging in with this HQ's key
// (keys/hq_ed25519) and trusting only the host keys the peers recorded
// (StrictHostKeyChecking=yes against a known_hosts file rendered from
// hq/peers). The peer's account runs `quarry hq mirror` for that key
// (key_registry.h), which stores the ref without deploying: the accepting
// HQ already deployed it, under the stack's push lock that it still holds.
//
// Inside a pre-receive hook the pushed objects are only in git's quarantine
// directory; `object_dirs` names it, and the git commands run with it as
// their object directory and the repository's objects as an alternate.
// The command lines are built by pure functions below (golden-tested).
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "core/quote.h"
#include "core/subprocess.h"
#include "hq/hq_peers.h"
#include "hq/ref_replicator.h"

namespace quarry {

struct GitReplicaOptions {
  std::string repo_path;                 // the stack's bare repository on this HQ
  std::vector<std::string> object_dirs;  // git's quarantine directory, if any
  std::string key_file;                  // this HQ's private key
  std::string known_hosts_file;          // written from the peers' host keys
  int connect_timeout_s = 5;             // per SSH connection
  std::chrono::seconds timeout{300};     // per git command
  std::function<void(const std::string& line)> say;  // progress for the pusher
};

class GitRefReplicator : public RefReplicator {
 public:
  GitRefReplicator(std::vector<HqPeer> peers, GitReplicaOptions options)
      : peers_(std::move(peers)), options_(std::move(options)) {}

  Status check(const std::string& stack, const std::string& ref, const std::string& commit) override;
  Status push(const std::string& stack, const std::string& ref, const std::string& commit) override;

 private:
  Status write_known_hosts();
  std::map<std::string, std::string> git_env() const;
  // The known hosts written and git's environment and timeout, for each run.
  Result<ProcessOptions> git_options();

  std::vector<HqPeer> peers_;
  GitReplicaOptions options_;
  bool known_hosts_written_ = false;
};

// GIT_SSH_COMMAND's value: ssh with only `key_file`, no agent, no user
// config, host keys checked strictly against `known_hosts` only.
std::string replica_ssh_command(const std::string& key_file, const std::string& known_hosts, int connect_timeout_s);
// git ls-remote URL REF
Argv replica_ls_remote_argv(const HqPeer& peer, const std::string& stack, const std::string& ref);
// git push --atomic --porcelain URL COMMIT:REF (never forced: a peer whose
// ref moved elsewhere refuses)
Argv replica_push_argv(const HqPeer& peer, const std::string& stack, const std::string& commit, const std::string& ref);
// The commit ls-remote printed for `ref` ("ID\tREF" lines); empty when the
// peer has no such ref. An error when the output is not ls-remote's.
Result<std::string> parse_ls_remote(const std::string& out, const std::string& ref);

}  // namespace quarry
