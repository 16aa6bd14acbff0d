#include "hq/git_shell.h"

#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <map>
#include <vector>

#include "core/file_io.h"
#include "hq/forced_command.h"
#include "hq/key_grants.h"
#include "hq/public_key.h"
#include "hq/receive.h"
#include "hq/stack_repo.h"

namespace quarry {

namespace {

// Runs `program repo` with this process's stdin, stdout and stderr and
// waits for it. The child dies with us, so a lock we hold never outlives
// the git process it protects.
Result<int> run_git(const char* program, const std::string& repo, const std::map<std::string, std::string>& env) {
  std::fflush(stdout);
  std::fflush(stderr);
  pid_t pid = fork();
  if (pid < 0) return fail_remote(std::string("fork: ") + std::strerror(errno));
  if (pid == 0) {
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    for (const auto& [k, v] : env) setenv(k.c_str(), v.c_str(), 1);
    execlp(program, program, repo.c_str(), static_cast<char*>(nullptr));
    dprintf(2, "quarry: cannot run %s: %s\n", program, std::strerror(errno));
    _exit(127);
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return fail_remote(std::string("waitpid: ") + std::strerror(errno));
  }
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
}

}  // namespace

Result<int> serve_git_login(Store& store, const HqConfig& config, const GitLogin& login,
                            const std::function<void(const std::string&)>& say) {
  if (!is_key_name(login.key_name)) return fail("invalid key name '" + login.key_name + "'");
  auto request = parse_git_request(login.original_command);
  if (!request) return std::unexpected(request.error());
  const std::string& stack = request->stack;
  std::string repo = stack_repo_path(login.home, stack);
  // Before anything about the stack is said: a key without the grant learns
  // nothing, not even whether the stack exists.
  auto grant = load_grant(store, login.key_name);
  if (!grant) return std::unexpected(grant.error());
  if (!grant_allows(*grant, stack)) {
    return fail(refusal(login.key_name, *grant, stack, request->service == GitService::ReceivePack));
  }

  if (request->service == GitService::UploadPack) {
    if (!path_exists(repo + "/HEAD")) return fail("no stack named '" + stack + "' has been pushed");
    return run_git(service_program(request->service), repo, {});
  }

  auto branch = deploy_branch(store, stack);
  if (!branch) return std::unexpected(branch.error());
  auto lock = store.lock(push_lock_name(stack), "push to " + stack + " by " + login.key_name, std::nullopt,
                         [&](const std::string& who) {
                           say("quarry: waiting for the deploy of " + stack + " (held by " + who + ")");
                         });
  if (!lock) return std::unexpected(lock.error());
  if (auto s = ensure_stack_repo(login.home, stack, config.binary, *branch); !s) return std::unexpected(s.error());
  return run_git(service_program(request->service), repo,
                 {{"QUARRY_PUSHER", login.key_name}, {"QUARRY_DEPLOY_LOCK_HELD", stack}, {"QUARRY_MIRROR", ""}});
}

Result<int> serve_mirror_login(Store& store, const HqConfig& config, const std::string& home,
                               const std::string& original_command) {
  auto request = parse_git_request(original_command);
  if (!request) return std::unexpected(request.error());
  auto branch = deploy_branch(store, request->stack);
  if (!branch) return std::unexpected(branch.error());
  if (auto s = ensure_stack_repo(home, request->stack, config.binary, *branch); !s) return std::unexpected(s.error());
  std::string repo = stack_repo_path(home, request->stack);
  if (request->service == GitService::UploadPack) return run_git(service_program(request->service), repo, {});
  return run_git(service_program(request->service), repo, {{"QUARRY_PUSHER", "hq-peer"}, {"QUARRY_MIRROR", "1"}});
}

}  // namespace quarry
