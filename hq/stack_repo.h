// A stack's bare repository on the HQ (stacks/STACK/repo.git) and the hook
// that makes a push a deploy.
#pragma once

#include <string>

#include "core/error.h"

namespace quarry {

// HOME/stacks/STACK/repo.git
std::string stack_repo_path(const std::string& home, const std::string& stack);

// The pre-receive hook: a two-line sh script that execs
// `BINARY --home HOME hq receive pre STACK` (words shell-quoted). The pusher's
// key name reaches it through $QUARRY_PUSHER, set by `quarry hq shell`.
std::string render_pre_receive_hook(const std::string& binary, const std::string& home, const std::string& stack);

// Creates the bare repository on first use (HEAD naming `branch`) and
// (re)writes its pre-receive hook when missing or different, so a new quarry
// binary path reaches existing stacks. Idempotent; callers serialize it
// with the stack's push lock.
Status ensure_stack_repo(const std::string& home, const std::string& stack, const std::string& binary,
                         const std::string& branch);

}  // namespace quarry
