// What a build's result depends on, as one key: the bytes, paths and modes
// of everything in its context (the Dockerfile included) and the ids of the
// images its Dockerfile starts from. A build whose key matches an image
// quarry built before for the same stack and process is that image: the
// builder tags it for the new release instead of running `docker build`,
// which sends the whole context to the engine again (seconds for a Node.js
// app with its node_modules) only to find every step cached.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"

namespace quarry {

// What a Dockerfile reads: the images its FROM lines (and COPY --from=IMAGE)
// name, in order, without earlier stages, stage numbers and `scratch`; and
// the context paths its COPY and ADD lines take. `whole_context` when a
// source is ".", a pattern, a URL or a heredoc, or a RUN mounts something
// (the context as a whole counts then); `dynamic` when a reference or a
// source uses an ARG ($...): such a build has no key.
struct BuildInputs {
  std::vector<std::string> base_refs;
  std::vector<std::string> sources;  // relative to the context, no "./" or trailing "/"
  bool whole_context = false;
  bool dynamic = false;
};
BuildInputs dockerfile_inputs(std::string_view dockerfile);

// sha256 over the Dockerfile, the .dockerignore and every entry under each
// of `sources` in `dir` (all of `dir` without `sources`), in path
// order: its relative path, its kind and mode (regular, executable, symlink
// with its target, directory) and a regular file's bytes. Symbolic links
// are not followed; a source that is missing counts as missing.
Result<std::string> context_digest(const std::string& dir,
                                   const std::optional<std::vector<std::string>>& sources = std::nullopt);

// The key of a build: the context's digest with the stack, the process and
// the base images' ids ("ref=id" each).
std::string build_key(std::string_view stack, std::string_view process, std::string_view context_digest,
                      const std::vector<std::string>& base_ids);

// The label quarry puts on what it builds, carrying the key.
inline constexpr const char* kLabelBuildKey = "quarry.build-key";

}  // namespace quarry
