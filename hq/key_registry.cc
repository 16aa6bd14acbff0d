#include "hq/key_registry.h"

#include <sys/stat.h>

#include <algorithm>

#include "core/file_io.h"
#include "core/quote.h"
#include "hq/git_account.h"
#include "hq/hq_peers.h"

namespace quarry {

namespace {

std::string key_path(const std::string& name) { return "etc/keys/" + name + ".pub"; }

bool fits_in_command_option(const std::string& s) {
  for (char c : s) {
    if (c == '"' || c == '\\' || static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return false;
  }
  return true;
}

std::string parent_dir(const std::string& path) {
  auto slash = path.rfind('/');
  return slash == std::string::npos || slash == 0 ? std::string("/") : path.substr(0, slash);
}

// This HQ's own public key (when it has one) and every peer HQ's.
Result<std::vector<PublicKey>> gather_hq_keys(Store& store, const std::string& home) {
  std::vector<PublicKey> out;
  std::string own = home + "/keys/hq_ed25519.pub";
  if (path_exists(own)) {
    auto text = read_file(own);
    if (!text) return std::unexpected(text.error());
    auto key = parse_public_key(*text);
    if (!key) return std::unexpected(key.error().context(own));
    out.push_back(std::move(*key));
  }
  auto peers = load_peers(store);
  if (!peers) return std::unexpected(peers.error());
  for (const auto& p : *peers) {
    auto key = parse_public_key(p.key);
    if (!key) return std::unexpected(key.error().context("HQ " + p.id));
    out.push_back(std::move(*key));
  }
  return out;
}

}  // namespace

Result<std::vector<RegisteredKey>> list_keys(Store& store) {
  auto names = store.list("etc/keys");
  if (!names) return std::unexpected(names.error());
  std::vector<RegisteredKey> out;
  for (const auto& file : *names) {
    if (!file.ends_with(".pub")) continue;
    std::string name = file.substr(0, file.size() - 4);
    if (!is_key_name(name)) continue;
    auto text = store.get(key_path(name));
    if (!text) return std::unexpected(text.error());
    if (!*text) continue;
    auto key = parse_public_key(**text);
    if (!key) return std::unexpected(key.error().context(store.locate(key_path(name))));
    out.push_back({name, std::move(*key)});
  }
  return out;
}

Status add_key(Store& store, const std::string& name, const PublicKey& key, const KeyGrant& grant) {
  if (!is_key_name(name)) {
    return fail("invalid key name '" + name + "': use 1-64 of letters, digits, '.', '_', '-'");
  }
  auto keys = list_keys(store);
  if (!keys) return std::unexpected(keys.error());
  for (const auto& k : *keys) {
    if (k.name == name) return fail("a key named '" + name + "' already exists (remove it first)");
    if (k.key.base64 == key.base64) return fail("this key is already registered as '" + k.name + "'");
  }
  // The grant first: the key is usable only once its .pub exists.
  if (auto s = save_grant(store, name, grant); !s) return s;
  return store.put(key_path(name), key.type + " " + key.base64 + " " + name + "\n");
}

Status remove_key(Store& store, const std::string& name) {
  if (!is_key_name(name)) return fail("invalid key name '" + name + "'");
  auto existing = store.get(key_path(name));
  if (!existing) return std::unexpected(existing.error());
  if (!*existing) return fail("no key named '" + name + "' (see `quarry hq keys`)");
  if (auto s = store.remove(key_path(name)); !s) return s;
  return store.remove("etc/keys/" + name + ".stacks");
}

Result<std::string> render_authorized_keys(const std::vector<RegisteredKey>& keys, const std::string& binary,
                                           const std::string& home, const std::vector<PublicKey>& hq_keys) {
  for (const auto* path : {&binary, &home}) {
    if (!fits_in_command_option(*path)) return fail("path cannot appear in authorized_keys: " + *path);
  }
  std::string out = "# Written by `quarry hq init|add-key|remove-key`; edits are overwritten.\n";
  for (const auto& k : keys) {
    std::string command = shell_join({binary, "--home", home, "hq", "shell", k.name});
    // restrict: no pty, no forwarding of any kind, no ~/.ssh/rc, and
    // whatever OpenSSH forbids by it in future versions too.
    out += "command=\"" + command + "\",restrict " + k.key.type + " " + k.key.base64 + " " + k.name + "\n";
  }
  std::vector<std::string> seen;
  for (const auto& k : keys) seen.push_back(k.key.base64);
  std::string mirror = shell_join({binary, "--home", home, "hq", "mirror"});
  for (const auto& k : hq_keys) {
    if (std::find(seen.begin(), seen.end(), k.base64) != seen.end()) continue;
    seen.push_back(k.base64);
    out += "command=\"" + mirror + "\",restrict " + k.type + " " + k.base64 + " quarry-hq\n";
  }
  return out;
}

Status write_authorized_keys(Store& store, const HqConfig& config, const std::string& home) {
  auto keys = list_keys(store);
  if (!keys) return std::unexpected(keys.error());
  auto hq_keys = gather_hq_keys(store, home);
  if (!hq_keys) return std::unexpected(hq_keys.error());
  auto text = render_authorized_keys(*keys, config.binary, home, *hq_keys);
  if (!text) return std::unexpected(text.error());
  std::string dir = parent_dir(config.authorized_keys);
  if (auto s = make_dirs(dir, 0700); !s) return s;
  if (chmod(dir.c_str(), 0700) != 0) return fail_remote("chmod " + dir + " failed");
  if (auto s = write_file_atomic(config.authorized_keys, *text, 0600); !s) return s;
  return give_to_account(dir, config.user);
}

}  // namespace quarry
