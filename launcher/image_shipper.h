// Copies images from the HQ engine to servers: `docker save` on the HQ
// streamed into `docker load` over the server's shell, only when the server
// lacks the image id. Why not a registry: see docs/images.md (measured).
// When the HQ engine lacks the image (an HQ that did not build it: a peer
// HQ rolling back or healing, or an engine that was lost), it is copied from
// a server that holds it (launcher/image_relay.h), found among `holders`.
// Thread-safe: concurrent requests for one image on one server ship it once.
#pragma once

#include <functional>
#include <map>
#include <vector>
#include <memory>
#include <mutex>
#include <string>

#include "launcher/image_builder.h"
#include "launcher/remote_shell.h"

namespace quarry {

class ImageShipper {
 public:
  // `engine_env` points a local docker client at the HQ engine.
  // `holders` lists the servers that may hold an image (all the cluster's);
  // empty: only the engine ships.
  using Holders = std::function<Result<std::vector<Endpoint>>()>;
  ImageShipper(RemoteShell& servers, std::map<std::string, std::string> engine_env, Holders holders = {})
      : servers_(servers), engine_env_(std::move(engine_env)), holders_(std::move(holders)) {}

  // Ensures `server` has `image` (by id) under its tag. Returns true when it
  // had to ship it. An id the server already holds (under any tag: tags are
  // per release) is never sent again, only tagged there.
  Result<bool> ensure(const Endpoint& server, const BuiltImage& image);

 private:
  // True when the server holds image.id; tags it image.tag when missing.
  Result<bool> has_image(const Endpoint& server, const BuiltImage& image);
  std::mutex& lock_for(const std::string& key);
  // True when the HQ engine holds image.id.
  bool engine_has(const BuiltImage& image) const;
  Status ship_from_engine(const Endpoint& server, const BuiltImage& image);
  Status ship_from_holder(const Endpoint& server, const BuiltImage& image);

  RemoteShell& servers_;
  std::map<std::string, std::string> engine_env_;
  Holders holders_;
  std::mutex mu_;
  std::map<std::string, std::unique_ptr<std::mutex>> locks_;
};

}  // namespace quarry
