// The HQs that hold a copy of every stack's repository: one record per HQ at
// hq/peers/ID in the shared store, written by `quarry hq init --address`
// and removed by `quarry hq forget ID`. A push accepted by one HQ reaches
// every other recorded HQ before it reports success (ref_replicator.h), so
// losing one HQ loses no accepted push.
//
// A record says how a peer HQ reaches this one's git account over SSH: the
// account, the address and port of its sshd, that sshd's host key (pinned:
// a peer never trusts a key it was not given), and this HQ's own public key
// (the key its pushes to peers log in with; each peer's authorized_keys
// admits it for the mirror command only, key_registry.h). Parsing is pure.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "store/store.h"

namespace quarry {

inline constexpr std::string_view kPeersPrefix = "hq/peers";  // hq/peers/ID: JSON, see HqPeer

struct HqPeer {
  std::string id;        // the HQ's name among the HQs (a DNS label)
  std::string user;      // its git account
  std::string host;      // where its sshd listens (a host name or an IP address)
  int port = 22;
  std::string host_key;  // its sshd's host key: "TYPE BASE64"
  std::string key;       // its own public key (keys/hq_ed25519.pub): "TYPE BASE64"

  bool operator==(const HqPeer&) const = default;
};

// "HOST" or "HOST:PORT" (an IPv6 address in brackets: "[::1]:2222") to a host
// and a port (22 when absent). A User error that says what is wrong.
Result<std::pair<std::string, int>> parse_peer_address(std::string_view address);

// The record's JSON and back. A record that does not parse, or whose fields
// are not valid (id, user, host, port, keys), is an error naming `where`.
std::string render_peer(const HqPeer& peer);
Result<HqPeer> parse_peer(std::string_view text, const std::string& where);

// Every recorded HQ, sorted by id. A corrupt record is an error naming it.
Result<std::vector<HqPeer>> load_peers(Store& store);
// Records (or replaces) `peer`.
Status save_peer(Store& store, const HqPeer& peer);
// Removes HQ `id`'s peer record and its member record (hq/members/ID); an
// error when neither exists.
Status forget_peer(Store& store, const std::string& id);

// "TYPE BASE64" from an OpenSSH public key line ("TYPE BASE64 COMMENT");
// an error naming `where` when it is not one.
Result<std::string> key_without_comment(std::string_view line, const std::string& where);

// The ssh URL git pushes to: ssh://USER@HOST:PORT/STACK.git
std::string peer_git_url(const HqPeer& peer, const std::string& stack);

// The known_hosts line that pins `peer`'s host key: "HOST TYPE BASE64", or
// "[HOST]:PORT TYPE BASE64" off port 22.
std::string peer_known_hosts_line(const HqPeer& peer);

}  // namespace quarry
