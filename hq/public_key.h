// SSH public keys of the people who may push, as OpenSSH writes them
// ("ssh-ed25519 AAAAC3... alice@laptop"). Pure: no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "core/error.h"

namespace quarry {

struct PublicKey {
  std::string type;    // "ssh-ed25519", "ssh-rsa", "ecdsa-sha2-nistp256", ...
  std::string base64;  // the key blob, as in the file
  std::string comment; // free text after the blob; may be empty
};

// Parses one key line (surrounding blank lines and '#' comment lines are
// ignored; exactly one key must remain). Refused: unknown key types, a blob
// that is not base64 or whose embedded type differs from the declared one,
// and lines carrying authorized_keys options (command=..., which would let
// a key escape quarry's forced command).
Result<PublicKey> parse_public_key(std::string_view text);

// "SHA256:..." as `ssh-keygen -l` prints it.
std::string key_fingerprint(const PublicKey& key);

// A key name: 1-64 of [A-Za-z0-9._-], not starting with '.' or '-'. Key
// names appear in authorized_keys and in lock holders, so nothing else.
bool is_key_name(std::string_view name);

}  // namespace quarry
