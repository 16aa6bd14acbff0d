// Host key pinning. The first time quarry reaches a server it may record the
// server's SSH host key (trust on first use), but only for a server that
// quarry created or that was added with `quarry servers add --trust`; every
// later connection must present the same key. A changed key refuses the
// connection with an error naming the server.
//
// Pins live in the store, one key per server, at "keys/known_hosts/SERVER":
//   "trust-on-first-use\n"      the next key seen is recorded
//   "ssh-ed25519 AAAAC3...\n"   the pinned key (type, base64 of the key blob)
// A server with no entry is unknown: its key is refused.
#pragma once

#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "store/store.h"

namespace quarry {

// What Libssh2Shell asks before it authenticates: may this server, which
// presented this key, be talked to? Implementations must be thread-safe.
class HostKeyPolicy {
 public:
  virtual ~HostKeyPolicy() = default;
  // `server` is Endpoint::name; `key_blob` is the key in SSH wire format (as
  // libssh2_session_hostkey returns it). Success means connect; an Error
  // (kind Remote) says why not.
  virtual Status verify(std::string_view server, std::string_view key_blob) = 0;
};

struct PinnedKey {
  std::string type;         // "ssh-ed25519"
  std::string blob_base64;  // the key blob, base64
  std::string fingerprint;  // "SHA256:..." as ssh-keygen -l prints it
};

// The OpenSSH fingerprint of a key blob: "SHA256:" and the unpadded base64
// of its SHA-256.
std::string key_fingerprint(std::string_view key_blob);

// The key type named inside a wire-format blob ("ssh-ed25519"), or "unknown"
// when the blob is malformed.
std::string key_type(std::string_view key_blob);

// The key blob of an OpenSSH public key line ("ssh-ed25519 AAAA... comment",
// as in a .pub file or ssh-keyscan output, which starts with the host).
// Fails (kind User) when no field decodes to a blob naming its own type.
Result<std::string> public_key_blob(std::string_view line);

// A HostKeyPolicy over the store. Thread-safe: check-and-record is serialized
// within this object, so concurrent first contacts with one server pin one
// key; two processes racing on a first contact are not serialized (the later
// write wins, and the other's next connection is refused, naming the server).
class HostKeyStore : public HostKeyPolicy {
 public:
  // `store` must outlive this object.
  explicit HostKeyStore(Store& store) : store_(store) {}

  // Pinned key matches: ok. Pending trust: records the key, ok. Otherwise an
  // Error naming the server: unknown server, or changed key (with both
  // fingerprints and the command that re-trusts it).
  Status verify(std::string_view server, std::string_view key_blob) override;

  // Lets the next key seen for `server` be recorded, replacing any pin: for a
  // server quarry just created, `servers add --trust` and `servers trust`.
  Status trust_next_key(std::string_view server);
  // Pins `key_blob` for `server` directly (a key learned out of band).
  Status pin(std::string_view server, std::string_view key_blob);
  // Drops everything known about `server` (it was destroyed).
  Status forget(std::string_view server);
  // The pinned key, or nullopt when none is pinned (unknown or pending).
  Result<std::optional<PinnedKey>> pinned(std::string_view server);

 private:
  std::string key_of(std::string_view server) const;
  Status check_server_name(std::string_view server) const;

  Store& store_;
  std::mutex mu_;
};

}  // namespace quarry
