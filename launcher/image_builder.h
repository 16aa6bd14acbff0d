// Images on the HQ: `build:` directories are built with docker on the HQ
// engine; `image:` references must already be there (there is no outside
// registry to pull from). Either way the result is an image id that the
// shipper then copies to the servers that lack it.
#pragma once

#include <chrono>
#include <map>
#include <optional>
#include <string>

#include "compiler/stack.h"
#include "launcher/remote_shell.h"

namespace quarry {

struct BuiltImage {
  std::string process;  // service or node name
  std::string tag;      // "quarry/blog_web:r7" (image_tag) or the manifest's image reference
  std::string id;       // "sha256:..."
  bool reused = false;  // an earlier build with the same key (build_key.h), tagged anew
};

// A build runs what the pusher's Dockerfile says, on the HQ. It gets no
// network at all (--network none: no route to the HQ's loopback services,
// the cloud metadata address or the cluster bridge; there is no registry to
// pull from anyway), at most kBuildMemory of memory and one CPU, and
// kBuildTimeout of time.
inline constexpr const char* kBuildMemory = "2g";
inline constexpr const char* kBuildCpuQuota = "100000";  // per 100000 us period: one CPU
inline constexpr std::chrono::minutes kBuildTimeout{15};

// `docker build` of `context` as `tag`, isolated and bounded as above, and
// labelled with its build key when it has one.
Argv image_build_argv(const std::string& tag, const std::string& context, const std::string& key = {});

// The directory a process's `build:` path names under `source_dir`, real
// (symlinks resolved); refused when it does not exist or leaves source_dir.
Result<std::string> build_context_dir(const std::string& source_dir, const std::string& build);

class ImageBuilder {
 public:
  // `engine` runs docker against the HQ engine (a LocalShell with its env).
  explicit ImageBuilder(RemoteShell& engine) : engine_(engine) {}

  // Builds (or resolves) the image of one process. `source_dir` is the
  // directory the manifest's build paths are relative to. A build path
  // leaving source_dir is refused. When an image quarry built for the same
  // stack and process with the same build key (build_key.h) is still on the
  // engine, it is tagged for this release and nothing is built.
  Result<BuiltImage> build(const std::string& stack, const Process& process, const std::string& source_dir,
                           const std::string& release);

  // The id of `ref` on the engine; nullopt when the engine lacks it.
  Result<std::optional<std::string>> image_id(const std::string& ref);

 private:
  // The build key of `context`; nullopt when it has none (a base image
  // named through an ARG, or missing from the engine).
  Result<std::optional<std::string>> key_of(const std::string& stack, const std::string& process,
                                            const std::string& context);
  // The id of the image built earlier with `key` as one of `tag`'s
  // repository, tagged `tag`; nullopt when there is none.
  Result<std::optional<std::string>> reuse(const std::string& key, const std::string& tag);
  RemoteShell& engine_;
};

}  // namespace quarry
