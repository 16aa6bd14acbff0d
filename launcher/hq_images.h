// Base images on the HQ build engine. There is no registry to pull from: an
// `image:` reference in a manifest (postgres:15) must already be on the
// engine, and a `build:` Dockerfile's FROM too. `quarry images load` puts a
// `docker save` tarball there; `quarry images ls` shows what is there.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/quote.h"
#include "launcher/remote_shell.h"

namespace quarry {

// The largest tarball `quarry images load` accepts.
inline constexpr std::uint64_t kMaxImageTarBytes = 32ULL << 30;

struct EngineImage {
  std::string ref;       // "postgres:15"; "<none>:<none>" for an untagged image
  std::string id;        // "sha256:..."
  std::string size;      // as docker prints it ("379MB")
  std::string created;   // as docker prints it ("2 weeks ago")
};

// `docker image ls --no-trunc` with one tab-separated row per image:
// REPOSITORY:TAG, ID, SIZE, CREATED SINCE.
Argv docker_engine_images();
// Reads what docker_engine_images printed; rows that do not parse are skipped.
std::vector<EngineImage> parse_engine_images(const std::string& out);
// `docker load --input PATH`.
Argv docker_load_file(const std::string& path);
// The images `docker load` reports ("Loaded image: postgres:15", "Loaded
// image ID: sha256:..."), in its order.
std::vector<std::string> parse_loaded(const std::string& out);

class HqImages {
 public:
  // `engine` runs docker against the HQ engine (a LocalShell with its env).
  explicit HqImages(RemoteShell& engine) : engine_(engine) {}

  // Loads the tarball at `path` (as written by `docker save`); returns the
  // images it held. A file that is not an image tarball is a User error
  // with docker's reason; the engine is left as it was.
  Result<std::vector<std::string>> load(const std::string& path);
  // Every image on the engine, in docker's order (newest first).
  Result<std::vector<EngineImage>> list();

 private:
  RemoteShell& engine_;
};

}  // namespace quarry
