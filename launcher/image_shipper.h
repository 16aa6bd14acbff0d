// Copies images from the HQ engine to servers: `docker save` on the HQ
// streamed into `docker load` over the server's shell, only when the server
// lacks the image id. Why not a registry: see docs/images.md (measured).
// Thread-safe: concurrent requests for one image on one server ship it once.
#pragma once

#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "launcher/image_builder.h"
#include "launcher/remote_shell.h"

namespace quarry {

class ImageShipper {
 public:
  // `engine_env` points a local docker client at the HQ engine.
  ImageShipper(RemoteShell& servers, std::map<std::string, std::string> engine_env)
      : servers_(servers), engine_env_(std::move(engine_env)) {}

  // Ensures `server` has `image` (by id) under its tag. Returns true when it
  // had to ship it. An id the server already holds (under any tag: tags are
  // per release) is never sent again, only tagged there.
  Result<bool> ensure(const Endpoint& server, const BuiltImage& image);

 private:
  // True when the server holds image.id; tags it image.tag when missing.
  Result<bool> has_image(const Endpoint& server, const BuiltImage& image);
  std::mutex& lock_for(const std::string& key);

  RemoteShell& servers_;
  std::map<std::string, std::string> engine_env_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;
};

}  // namespace quarry
