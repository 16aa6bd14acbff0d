#include "hq/git_ref_replicator.h"

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "hq/git_repo.h"

namespace quarry {

namespace {

std::string short_id(const std::string& id) { return id.substr(0, 12); }

std::string where(const HqPeer& p) {
  return "HQ " + p.id + " (" + p.user + "@" + p.host + ":" + std::to_string(p.port) + ")";
}

// The last non-empty line of a command's stderr: what git or ssh said last.
std::string last_words(const ProcessResult& r) {
  auto lines = split_lines(r.err.empty() ? r.out : r.err);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    auto line = trim(*it);
    if (!line.empty()) return line.size() > 300 ? line.substr(0, 300) : line;
  }
  return "exit " + std::to_string(r.exit_code);
}

std::string branch_of(const std::string& ref) { return starts_with(ref, "refs/heads/") ? ref.substr(11) : ref; }

}  // namespace

std::string replica_ssh_command(const std::string& key_file, const std::string& known_hosts, int connect_timeout_s) {
  return shell_join({"ssh", "-F", "/dev/null", "-i", key_file, "-o", "IdentitiesOnly=yes", "-o", "IdentityAgent=none",
                     "-o", "BatchMode=yes", "-o", "StrictHostKeyChecking=yes", "-o",
                     "UserKnownHostsFile=" + known_hosts, "-o", "GlobalKnownHostsFile=/dev/null", "-o",
                     "ConnectTimeout=" + std::to_string(connect_timeout_s), "-o", "LogLevel=ERROR"});
}

Argv replica_ls_remote_argv(const HqPeer& peer, const std::string& stack, const std::string& ref) {
  return {"git", "ls-remote", peer_git_url(peer, stack), ref};
}

Argv replica_push_argv(const HqPeer& peer, const std::string& stack, const std::string& commit,
                       const std::string& ref) {
  return {"git", "push", "--atomic", "--porcelain", "--no-verify", peer_git_url(peer, stack), commit + ":" + ref};
}

Result<std::string> parse_ls_remote(const std::string& out, const std::string& ref) {
  for (const auto& raw : split_lines(out)) {
    auto line = trim(raw);
    if (line.empty()) continue;
    auto tab = line.find('\t');
    if (tab == std::string::npos || !is_object_id(line.substr(0, tab))) {
      return fail("unexpected git ls-remote output: " + line.substr(0, 200));
    }
    if (line.substr(tab + 1) == ref) return line.substr(0, tab);
  }
  return std::string();
}

Status GitRefReplicator::write_known_hosts() {
  if (known_hosts_written_) return {};
  std::string text;
  for (const auto& p : peers_) text += peer_known_hosts_line(p) + "\n";
  if (auto s = write_file_atomic(options_.known_hosts_file, text, 0644); !s) return s;
  known_hosts_written_ = true;
  return {};
}

std::map<std::string, std::string> GitRefReplicator::git_env() const {
  std::map<std::string, std::string> env{
      {"GIT_DIR", options_.repo_path},
      {"GIT_SSH_COMMAND",
       replica_ssh_command(options_.key_file, options_.known_hosts_file, options_.connect_timeout_s)},
      {"GIT_TERMINAL_PROMPT", "0"}};
  if (!options_.object_dirs.empty()) {
    env["GIT_OBJECT_DIRECTORY"] = options_.object_dirs.front();
    env["GIT_ALTERNATE_OBJECT_DIRECTORIES"] = options_.repo_path + "/objects";
  }
  return env;
}

Result<ProcessOptions> GitRefReplicator::git_options() {
  if (auto s = write_known_hosts(); !s) return std::unexpected(s.error());
  ProcessOptions o;
  o.env = git_env();
  o.timeout = options_.timeout;
  return o;
}

Status GitRefReplicator::check(const std::string& stack, const std::string& ref, const std::string& commit) {
  if (peers_.empty()) return {};
  auto prepared = git_options();
  if (!prepared) return std::unexpected(prepared.error());
  const ProcessOptions& o = *prepared;
  for (const auto& peer : peers_) {
    auto listed = run_process(replica_ls_remote_argv(peer, stack, ref), o);
    if (!listed) return std::unexpected(listed.error());
    if (!listed->ok()) {
      return fail_remote("push rejected before deploying: " + where(peer) + " cannot be reached: " +
                         last_words(*listed) + ". Nothing changed. Every HQ must take a push before it succeeds: " +
                         "bring HQ " + peer.id + " back, or if it is lost for good: quarry hq forget " + peer.id);
    }
    auto at = parse_ls_remote(listed->out, ref);
    if (!at) return std::unexpected(at.error().context(where(peer)));
    if (at->empty() || *at == commit) continue;
    auto ancestor = run_process({"git", "merge-base", "--is-ancestor", *at, commit}, o);
    if (!ancestor) return std::unexpected(ancestor.error());
    if (!ancestor->ok()) {
      return fail("push rejected before deploying: on " + where(peer) + ", " + branch_of(ref) + " is at " +
                  short_id(*at) + ", which is not in the history of " + short_id(commit) +
                  " (it took a push this HQ has not seen). Nothing changed. Fetch from HQ " + peer.id +
                  ", merge or rebase, and push again.");
    }
  }
  return {};
}

Status GitRefReplicator::push(const std::string& stack, const std::string& ref, const std::string& commit) {
  if (peers_.empty()) return {};
  auto prepared = git_options();
  if (!prepared) return std::unexpected(prepared.error());
  const ProcessOptions& o = *prepared;
  for (const auto& peer : peers_) {
    auto pushed = run_process(replica_push_argv(peer, stack, commit, ref), o);
    if (!pushed) return std::unexpected(pushed.error());
    if (!pushed->ok()) {
      return fail_remote(where(peer) + " did not take " + branch_of(ref) + " " + short_id(commit) + ": " +
                         last_words(*pushed));
    }
    if (options_.say) options_.say("replicated " + branch_of(ref) + " " + short_id(commit) + " to HQ " + peer.id);
  }
  return {};
}

}  // namespace quarry
