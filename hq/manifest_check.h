// The check a pushed quarry.yml must pass before a push is accepted: it
// compiles, and it names the stack it was pushed to.
#pragma once

#include <map>
#include <string>

#include "core/error.h"

namespace quarry {

// Parses `manifest_text` as "quarry.yml" with the stack name `stack` as the
// default name and `global_env` as the HQ's global env. Fails with the
// parser's located diagnostics (one "quarry.yml:LINE:COL: message" a line),
// or, when the manifest's `name:` differs from `stack`, with one located
// diagnostic saying so (pushing app "blog" deploys stack "blog").
Status validate_pushed_manifest(const std::string& manifest_text, const std::string& stack,
                                const std::map<std::string, std::string>& global_env);

}  // namespace quarry
