// quarry.yml to a validated Stack. The reference for the format is
// docs/manifest.md; this is the only code that reads it.
#pragma once

#include <map>
#include <string>
#include <string_view>

#include "compiler/stack.h"
#include "core/error.h"

namespace quarry {

// A manifest larger than this is refused before it is parsed.
inline constexpr std::size_t kMaxManifestBytes = 1024 * 1024;

struct ManifestOptions {
  // The file as the user should see it in messages ("quarry.yml",
  // "examples/hello/quarry.yml"); never opened.
  std::string path = "quarry.yml";
  // The stack name when the manifest has no `name:` (the repository's
  // directory name); it must then be a valid name itself.
  std::string default_name;
  // $QUARRY_HOME/etc/env: the source of ${VAR} after the manifest's own env,
  // and the lowest layer of every process's env.
  std::map<std::string, std::string> global_env;
};

// Parses and validates `yaml_text`. On success every invariant documented in
// stack.h holds, Stack::manifest_hash is the sha256 of `yaml_text` and
// Stack::global_env is opts.global_env. On failure the Error (kind User)
// holds every diagnostic found, one per line, each
// "PATH:LINE:COL: message" with 1-based line and column, sorted by
// position. A YAML syntax error is reported the same way, and so is a text
// over kMaxManifestBytes (at 1:1, unparsed). Never throws.
// Thread-safe (no shared state).
Result<Stack> parse_manifest(std::string_view yaml_text, const ManifestOptions& opts);

}  // namespace quarry
