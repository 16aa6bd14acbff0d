// Who may push: one public key per name at etc/keys/NAME.pub in the store,
// and the git account's authorized_keys rendered from that list. Every line
// of authorized_keys forces quarry's own command and forbids a pty and all
// forwarding, in the manner of gitolite and dokku, so a key can push and
// fetch and do nothing else (and only the stacks it is granted).
#pragma once

#include <string>
#include <vector>

#include "hq/hq_config.h"
#include "hq/key_grants.h"
#include "hq/public_key.h"
#include "store/store.h"

namespace quarry {

struct RegisteredKey {
  std::string name;
  PublicKey key;
};

// Every registered key, sorted by name. A stored file that does not parse is
// an error naming it.
Result<std::vector<RegisteredKey>> list_keys(Store& store);

// Registers `key` as `name`, granted `grant` (key_grants.h; the default
// grant is no stack). Fails when the name is invalid or taken, or when the
// same key is already registered under another name (sshd would attribute
// its pushes to whichever line came first).
Status add_key(Store& store, const std::string& name, const PublicKey& key, const KeyGrant& grant = {});

// Unregisters `name` and its grant; an error when there is no such key.
Status remove_key(Store& store, const std::string& name);

// The authorized_keys text: one line per key,
//   command="BINARY --home HOME hq shell NAME",restrict TYPE BASE64 NAME
// then one line per HQ key (`hq_keys`: this HQ's own and its peers',
// hq_peers.h) that is not also a registered key,
//   command="BINARY --home HOME hq mirror",restrict TYPE BASE64 quarry-hq
// with BINARY and HOME shell-quoted. Fails when a path holds a character
// that cannot appear inside command="..." (a '"', a backslash, a control
// character).
Result<std::string> render_authorized_keys(const std::vector<RegisteredKey>& keys, const std::string& binary,
                                           const std::string& home, const std::vector<PublicKey>& hq_keys = {});

// Rewrites config.authorized_keys atomically (mode 0600, in a 0700 .ssh
// directory), owned by the git account when running as root. The HQ keys
// are HOME/keys/hq_ed25519.pub (when present) and every peer's recorded key.
Status write_authorized_keys(Store& store, const HqConfig& config, const std::string& home);

}  // namespace quarry
