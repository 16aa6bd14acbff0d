// The SSH keys every server admits: each recorded HQ's own public key
// (hq/peers/ID, field "key") plus the key of the HQ that computes the set.
// Each HQ keeps its own key pair; none is copied between HQs.
//
// New servers get the set at first boot (the providers' authorized_keys).
// Running servers are kept in step by the leading HQ's control loop: once a
// pass, keep_server_keys() rewrites a server's authorized_keys to exactly
// the set (the key file given stdin, never a key on a command line), but
// only when the set's digest differs from the one recorded for that server
// at hq/server-keys/SERVER_ID. So a new HQ reaches every server after the
// leader's next pass, and a forgotten HQ's key leaves them in that pass.
// Servers added by address (provider "manual") are the operator's: their
// authorized_keys is never touched.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "core/error.h"
#include "launcher/remote_shell.h"
#include "store/records.h"
#include "store/store.h"

namespace quarry {

inline constexpr std::string_view kServerKeysPrefix = "hq/server-keys";  // hq/server-keys/SERVER_ID: digest

// "TYPE BASE64" of every recorded HQ and of `own_line` (an OpenSSH public
// key line), sorted, each once. An error when a record or `own_line` is bad.
Result<std::vector<std::string>> hq_key_set(Store& store, const std::string& own_line);

// The authorized_keys text of `keys` ("KEY\n" each) and its sha256 digest.
std::string render_key_file(const std::vector<std::string>& keys);
std::string key_set_digest(const std::vector<std::string>& keys);

// The idempotent command that makes `key_file` (a path; relative ones are
// under the SSH user's home; a server whose sshd sets QUARRY_AUTHORIZED_KEYS,
// as the local cloud's does, names its own) hold exactly `keys`: the text comes on stdin,
// is written beside the file and renamed over it (mode 0600, its directory
// made 0700 if missing). Prints "unchanged" when the file already held it.
Command key_sync_command(const std::vector<std::string>& keys, const std::string& key_file);

// Which file on `server` holds its SSH user's keys; empty: leave it alone.
using KeyFileOf = std::function<std::string(const ServerRecord& server)>;

struct KeySyncReport {
  int written = 0;    // servers whose file was rewritten
  int skipped = 0;    // digest unchanged, or not quarry's to manage
};

// Once per control-loop pass, on the leader. Does nothing (no store write,
// no command) while no HQ was ever recorded, or for a server whose recorded
// digest matches the set. A server that cannot be reached keeps its old
// digest (tried again next pass); the other servers still go on, and the
// first error is returned after all were tried. Digests of servers that are
// gone are removed.
Result<KeySyncReport> keep_server_keys(Store& store, RemoteShell& shell, const std::vector<ServerRecord>& servers,
                                       const std::string& own_line, const KeyFileOf& key_file);

}  // namespace quarry
