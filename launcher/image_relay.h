// Copies an image from one server to another through this HQ, for an HQ
// whose build engine lacks it (a peer HQ that did not accept the push that
// built it, or an HQ whose engine was lost): `docker save ID` on a server
// that holds the image streams into `docker load` on the target, the bytes
// passing through a bounded buffer (kRelayBuffer) between two threads, so
// no tarball is held whole. Images are found by id, which is content: the
// copy is the image that was built.
#pragma once

#include <string>

#include "launcher/remote_shell.h"

namespace quarry {

inline constexpr std::size_t kRelayBuffer = 8 * 1024 * 1024;

// Streams image `id` from `from` into `to`. An error names both servers and
// what failed (save or load); the target is left without the image then.
Status relay_image(RemoteShell& shell, const Endpoint& from, const Endpoint& to, const std::string& id);

// True when `server` holds image `id` (docker image inspect). An error only
// when the server could not be reached.
Result<bool> server_has_image(RemoteShell& shell, const Endpoint& server, const std::string& id);

}  // namespace quarry
