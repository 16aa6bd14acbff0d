#include "hq/receive.h"

#include <sys/stat.h>

#include "core/file_io.h"
#include "core/log.h"
#include "core/text.h"
#include "hq/git_repo.h"
#include "hq/hq_config.h"

namespace quarry {

namespace {

std::string short_id(const std::string& id) { return id.substr(0, 12); }

// quarry.yml at `commit`, validated; each diagnostic is said on its own line.
// `validated` gets the bytes that passed.
Status check_manifest(GitRepo& repo, const std::string& commit, const ReceiveOptions& options, ReceiveDeps& deps,
                      std::string& validated) {
  Step step("validate " + std::string(kManifestFile) + " at " + short_id(commit));
  auto text = repo.read_blob(commit, kManifestFile);
  if (!text) {
    step.failed(text.error().message);
    deps.say(text.error().message);
    return fail("push rejected: " + std::string(kManifestFile) + " must be a regular file; nothing changed");
  }
  if (!*text) {
    step.failed("missing");
    deps.say(std::string(kManifestFile) + ": not found at the root of commit " + short_id(commit));
    return fail("push rejected: " + std::string(kManifestFile) + " is missing; nothing changed");
  }
  auto valid = deps.validate(**text, options.stack);
  if (!valid) {
    auto lines = split_lines(valid.error().message);
    step.failed(std::to_string(lines.size()) + " error(s)");
    for (const auto& line : lines) deps.say(line);
    return fail("push rejected: " + std::string(kManifestFile) + " is not valid; nothing changed");
  }
  validated = std::move(**text);
  step.done();
  return {};
}

// The deploy reads SRC/quarry.yml: it must be a regular file holding
// exactly the bytes that were validated.
Status check_exported_manifest(const std::string& src_dir, const std::string& validated) {
  std::string path = src_dir + "/" + kManifestFile;
  struct stat st {};
  if (lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return fail(path + " is not a regular file after export");
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  if (*text != validated) return fail(path + " differs from the quarry.yml that was validated");
  return {};
}

Status export_and_deploy(GitRepo& repo, const RefUpdate& update, const std::string& branch,
                         const std::string& manifest, const ReceiveOptions& options, ReceiveDeps& deps) {
  {
    Step step("export " + short_id(update.new_id) + " to " + options.src_dir);
    auto s = repo.export_tree(update.new_id, options.src_dir);
    if (s) s = check_exported_manifest(options.src_dir, manifest);
    if (!s) {
      step.failed(s.error().message);
      return s;
    }
  }
  PushDeployRequest request{options.stack, options.src_dir, update.new_id, branch, options.pusher,
                            options.log_dir, {}};
  request.progress = [&deps](std::string_view line) { deps.say(std::string(line)); };
  Step step("deploy " + options.stack + " at " + short_id(update.new_id));
  if (auto s = deps.runner.deploy(request); !s) {
    step.failed(s.error().message);
    return fail(s.error().context("push rejected: deploy of " + options.stack + " failed; the branch still names " +
                                  (update.old_id == kZeroId ? std::string("nothing") : short_id(update.old_id))));
  }
  step.done();
  return {};
}

// A push from a peer HQ that accepted and deployed it: stored as it comes.
Status mirror_receive(const std::vector<RefUpdate>& updates, const ReceiveOptions& options, ReceiveDeps& deps) {
  auto branch = deploy_branch(deps.store, options.stack);
  if (!branch) return std::unexpected(branch.error());
  for (const auto& u : updates) {
    if (u.ref == "refs/heads/" + *branch && u.new_id == kZeroId) {
      return fail("mirror rejected: the deploy branch " + *branch + " of " + options.stack + " cannot be deleted");
    }
    deps.say(u.ref + ": " + (u.new_id == kZeroId ? std::string("deleted") : short_id(u.new_id)) +
             " mirrored (deployed by the HQ that accepted it)");
  }
  return {};
}

}  // namespace

Result<std::vector<RefUpdate>> parse_ref_updates(std::string_view text) {
  std::vector<RefUpdate> out;
  for (const auto& raw : split_lines(text)) {
    auto line = trim(raw);
    if (line.empty()) continue;
    auto words = split(line, ' ');
    if (words.size() != 3 || !is_object_id(words[0]) || !is_object_id(words[1]) || !starts_with(words[2], "refs/")) {
      return fail("receive: malformed ref update line: " + line);
    }
    out.push_back({words[0], words[1], words[2]});
  }
  return out;
}

std::string push_lock_name(const std::string& stack) { return "stacks/" + stack + "/push"; }

Status pre_receive(const std::vector<RefUpdate>& updates, const ReceiveOptions& options, ReceiveDeps& deps) {
  if (options.mirror) return mirror_receive(updates, options, deps);
  auto branch = deploy_branch(deps.store, options.stack);
  if (!branch) return std::unexpected(branch.error());
  const std::string deploy_ref = "refs/heads/" + *branch;
  const RefUpdate* deploy = nullptr;
  for (const auto& u : updates) {
    if (u.ref != deploy_ref) {
      std::string what = u.new_id == kZeroId ? "deleted" : "stored, not deployed";
      deps.say(u.ref + ": " + what + " (" + options.stack + " deploys from " + *branch + ")");
      continue;
    }
    if (u.new_id == kZeroId) {
      deps.say(u.ref + ": deleting the deploy branch of " + options.stack + " is refused");
      return fail("push rejected: the deploy branch " + *branch + " cannot be deleted");
    }
    deploy = &u;
  }
  if (!deploy) return {};

  auto repo = GitRepo::open(options.repo_path, options.object_dirs);
  if (!repo) return std::unexpected(repo.error());
  std::string manifest;
  if (auto s = check_manifest(*repo, deploy->new_id, options, deps, manifest); !s) return s;

  StoreLock lock;
  if (!options.lock_held) {
    std::string holder = "push of " + options.stack + " " + short_id(deploy->new_id) + " by " + options.pusher;
    auto got = deps.store.lock(push_lock_name(options.stack), holder, options.lock_timeout,
                               [&](const std::string& who) {
                                 deps.say("waiting for the deploy of " + options.stack + " (held by " + who + ")");
                               });
    if (!got) return std::unexpected(got.error());
    lock = std::move(*got);
  }
  if (deps.replicator) {
    Step step("check the other HQs");
    if (auto s = deps.replicator->check(options.stack, deploy_ref, deploy->new_id); !s) {
      step.failed(s.error().message);
      return s;
    }
    step.done();
  }
  if (auto s = export_and_deploy(*repo, *deploy, *branch, manifest, options, deps); !s) return s;
  if (deps.replicator) {
    Step step("replicate " + *branch + " " + short_id(deploy->new_id) + " to the other HQs");
    if (auto s = deps.replicator->push(options.stack, deploy_ref, deploy->new_id); !s) {
      step.failed(s.error().message);
      return fail(s.error().context(
          "push rejected: " + options.stack + " deployed at " + short_id(deploy->new_id) +
          " but not every HQ holds it; the branch still names " +
          (deploy->old_id == kZeroId ? std::string("nothing") : short_id(deploy->old_id)) +
          "; push again once every HQ is reachable (it deploys again)"));
    }
    step.done();
  }
  deps.say("deployed " + options.stack + " at " + short_id(deploy->new_id) + " (pushed by " + options.pusher + ")");
  return {};
}

}  // namespace quarry
