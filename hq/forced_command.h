// The git account's forced command: what a pusher's ssh client asked for
// ($SSH_ORIGINAL_COMMAND), parsed into the one kind of request quarry serves.
// Pure: no I/O.
#pragma once

#include <string>
#include <string_view>

#include "core/error.h"

namespace quarry {

enum class GitService { ReceivePack, UploadPack };

struct GitRequest {
  GitService service = GitService::ReceivePack;
  std::string stack;  // a DNS label: the repository is stacks/STACK/repo.git
};

// Accepts exactly `git-receive-pack ARG` and `git-upload-pack ARG`, where
// ARG is the repository as git's ssh transport sends it: single-quoted
// (git's own quoting) or bare, with an optional leading '/' and an optional
// ".git" suffix, naming a stack that is a DNS label ("blog", "'/blog.git'").
// Anything else (an empty command for an interactive login, other programs,
// paths with '/' or "..", several arguments) is a User error that says what
// is allowed.
Result<GitRequest> parse_git_request(std::string_view original_command);

// "git-receive-pack" or "git-upload-pack".
const char* service_program(GitService service);

}  // namespace quarry
