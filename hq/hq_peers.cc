#include "hq/hq_peers.h"

#include <algorithm>
#include <charconv>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "hq/public_key.h"

namespace quarry {

namespace {

std::string peer_key(const std::string& id) { return std::string(kPeersPrefix) + "/" + id; }

// A host name or an IP address: what may follow "user@" in an ssh URL and
// start a known_hosts line.
bool is_host(std::string_view h) {
  if (h.empty() || h.size() > 253 || h.front() == '-' || h.front() == '.') return false;
  return std::all_of(h.begin(), h.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '-' ||
           c == ':';
  });
}

bool is_account(std::string_view u) {
  if (u.empty() || u.size() > 32 || u.front() == '-') return false;
  return std::all_of(u.begin(), u.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

}  // namespace

Result<std::pair<std::string, int>> parse_peer_address(std::string_view address) {
  std::string_view host = address, port_text;
  if (starts_with(address, "[")) {
    auto close = address.find(']');
    if (close == std::string_view::npos) return fail("address '" + std::string(address) + "': missing ']'");
    host = address.substr(1, close - 1);
    auto rest = address.substr(close + 1);
    if (!rest.empty() && !starts_with(rest, ":")) return fail("address '" + std::string(address) + "': expected ':PORT' after ']'");
    if (!rest.empty()) port_text = rest.substr(1);
  } else if (auto colon = address.rfind(':'); colon != std::string_view::npos) {
    host = address.substr(0, colon);
    port_text = address.substr(colon + 1);
    if (host.find(':') != std::string_view::npos) {
      return fail("address '" + std::string(address) + "': write an IPv6 address in brackets, [ADDR]:PORT");
    }
  }
  if (!is_host(host)) {
    return fail("address '" + std::string(address) + "': expected HOST or HOST:PORT (a host name or an IP address)");
  }
  int port = 22;
  if (!port_text.empty() || address.ends_with(":")) {
    auto [end, ec] = std::from_chars(port_text.data(), port_text.data() + port_text.size(), port);
    if (ec != std::errc() || end != port_text.data() + port_text.size() || port < 1 || port > 65535) {
      return fail("address '" + std::string(address) + "': the port must be a number from 1 to 65535");
    }
  }
  return std::pair<std::string, int>{std::string(host), port};
}

Result<std::string> key_without_comment(std::string_view line, const std::string& where) {
  auto key = parse_public_key(line);
  if (!key) return std::unexpected(key.error().context(where));
  return key->type + " " + key->base64;
}

std::string render_peer(const HqPeer& p) {
  nlohmann::json j{{"id", p.id}, {"user", p.user}, {"host", p.host}, {"port", p.port}, {"host_key", p.host_key},
                   {"key", p.key}};
  return j.dump(2) + "\n";
}

Result<HqPeer> parse_peer(std::string_view text, const std::string& where) {
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_discarded() || !j.is_object()) return fail(where + ": not a JSON object (re-run `quarry hq init` on that HQ)");
  HqPeer p;
  for (auto [field, out] : {std::pair{"id", &p.id}, {"user", &p.user}, {"host", &p.host}, {"host_key", &p.host_key},
                            {"key", &p.key}}) {
    if (!j.contains(field) || !j[field].is_string()) return fail(where + ": \"" + field + "\" must be a string");
    *out = j[field].get<std::string>();
  }
  if (!j.contains("port") || !j["port"].is_number_integer()) return fail(where + ": \"port\" must be a number");
  p.port = j["port"].get<int>();
  if (!is_dns_label(p.id)) return fail(where + ": \"id\" must be an HQ name (lower-case letters, digits, '-')");
  if (!is_account(p.user)) return fail(where + ": \"user\" must be an account name");
  if (!is_host(p.host)) return fail(where + ": \"host\" must be a host name or an IP address");
  if (p.port < 1 || p.port > 65535) return fail(where + ": \"port\" must be from 1 to 65535");
  for (auto* k : {&p.host_key, &p.key}) {
    auto clean = key_without_comment(*k, where);
    if (!clean) return std::unexpected(clean.error());
    *k = *clean;
  }
  return p;
}

Result<std::vector<HqPeer>> load_peers(Store& store) {
  auto names = store.list(kPeersPrefix);
  if (!names) return std::unexpected(names.error());
  std::vector<HqPeer> out;
  for (const auto& name : *names) {
    auto text = store.get(peer_key(name));
    if (!text) return std::unexpected(text.error());
    if (!*text) continue;
    auto peer = parse_peer(**text, store.locate(peer_key(name)));
    if (!peer) return std::unexpected(peer.error());
    out.push_back(std::move(*peer));
  }
  std::sort(out.begin(), out.end(), [](const HqPeer& a, const HqPeer& b) { return a.id < b.id; });
  return out;
}

Status save_peer(Store& store, const HqPeer& peer) {
  if (auto checked = parse_peer(render_peer(peer), "HQ " + peer.id); !checked) return std::unexpected(checked.error());
  return store.put(peer_key(peer.id), render_peer(peer));
}

Status forget_peer(Store& store, const std::string& id) {
  if (!is_dns_label(id)) return fail("invalid HQ name '" + id + "'");
  std::string member = "hq/members/" + id;
  auto a = store.get(peer_key(id));
  if (!a) return std::unexpected(a.error());
  auto b = store.get(member);
  if (!b) return std::unexpected(b.error());
  if (!*a && !*b) return fail("no HQ named '" + id + "' is recorded (see `quarry hq status`)");
  Txn txn;
  if (*a) txn.remove(peer_key(id));
  if (*b) txn.remove(member);
  auto done = store.commit(txn);
  if (!done) return std::unexpected(done.error());
  if (!*done) return fail_remote("forgetting HQ " + id + " raced with another change; run it again");
  return {};
}

std::string peer_git_url(const HqPeer& peer, const std::string& stack) {
  std::string host = peer.host.find(':') != std::string::npos ? "[" + peer.host + "]" : peer.host;
  return "ssh://" + peer.user + "@" + host + ":" + std::to_string(peer.port) + "/" + stack + ".git";
}

std::string peer_known_hosts_line(const HqPeer& peer) {
  std::string host = peer.port == 22 ? peer.host : "[" + peer.host + "]:" + std::to_string(peer.port);
  return host + " " + peer.host_key;
}

}  // namespace quarry
