#include "hq/hq_setup.h"

#include <unistd.h>

#include <climits>

#include "core/file_io.h"
#include "core/log.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "hq/git_account.h"
#include "hq/hq_config.h"
#include "hq/hq_peers.h"
#include "hq/key_registry.h"

namespace quarry {

namespace {

template <class F>
Status step(const std::string& what, F&& body) {
  Step s(what);
  Status result = body();
  if (!result) s.failed(result.error().message);
  return result;
}

Status make_state_dirs(const std::string& home) {
  for (const char* dir : {"etc/keys", "stacks", "keys", "run/locks"}) {
    if (auto s = make_dirs(home + "/" + dir); !s) return s;
  }
  return {};
}

Status make_hq_key(const std::string& home) {
  std::string key = home + "/keys/hq_ed25519";
  if (path_exists(key) && path_exists(key + ".pub")) return {};
  if (path_exists(key)) {
    auto pub = run_checked({"ssh-keygen", "-y", "-f", key});
    if (!pub) return std::unexpected(pub.error());
    return write_file_atomic(key + ".pub", pub->out);
  }
  auto made = run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "quarry-hq", "-f", key});
  if (!made) return std::unexpected(made.error());
  return {};
}

Status register_peer(Store& store, const HqInitOptions& o) {
  auto address = parse_peer_address(o.address);
  if (!address) return std::unexpected(address.error().context("--address"));
  auto host_key = read_file(o.host_key_file);
  if (!host_key) return std::unexpected(host_key.error().context("this HQ's sshd host key (--host-key)"));
  auto own = read_file(o.home + "/keys/hq_ed25519.pub");
  if (!own) return std::unexpected(own.error());
  HqPeer peer{o.id, o.user, address->first, address->second, trim(*host_key), trim(*own)};
  auto host = key_without_comment(peer.host_key, o.host_key_file);
  if (!host) return std::unexpected(host.error());
  auto key = key_without_comment(peer.key, o.home + "/keys/hq_ed25519.pub");
  if (!key) return std::unexpected(key.error());
  peer.host_key = *host;
  peer.key = *key;
  return save_peer(store, peer);
}

}  // namespace

Result<std::string> current_executable() {
  char buf[PATH_MAX];
  auto n = readlink("/proc/self/exe", buf, sizeof buf - 1);
  if (n < 0) return fail_remote("cannot find the quarry executable (/proc/self/exe); pass --binary PATH");
  return std::string(buf, static_cast<std::size_t>(n));
}

Status init_hq(Store& store, Store& local, const HqInitOptions& o) {
  if (o.home.empty() || o.home.front() != '/') return fail("the HQ home must be an absolute path: " + o.home);
  if (o.binary.empty() || o.binary.front() != '/') return fail("--binary must be an absolute path: " + o.binary);
  if (access(o.binary.c_str(), X_OK) != 0) return fail("not an executable: " + o.binary);
  if (auto s = step("state directories in " + o.home, [&] { return make_state_dirs(o.home); }); !s) return s;
  if (auto s = step("HQ key pair keys/hq_ed25519", [&] { return make_hq_key(o.home); }); !s) return s;
  if (auto s = step("git account " + o.user, [&] { return ensure_account(o.user, o.home); }); !s) return s;
  if (!o.address.empty() && !is_dns_label(o.id)) {
    return fail("HQ name '" + o.id + "': use lower-case letters, digits and '-' (--id)", ErrorKind::Usage);
  }
  // Re-run without --address, an HQ recorded before keeps its name: without
  // it, it would take its own record for a peer's.
  std::string id = o.id;
  if (o.address.empty()) {
    auto before = load_hq_config(local);
    id = before ? before->id : std::string();
  }
  HqConfig config{o.user, o.binary, o.home + "/.ssh/authorized_keys", id};
  if (!o.address.empty()) {
    auto s = step("HQ " + o.id + " recorded among the HQs at " + o.address, [&] { return register_peer(store, o); });
    if (!s) return s;
  }
  auto keys = step("authorized_keys", [&]() -> Status {
    if (auto s = save_hq_config(local, config); !s) return s;
    return write_authorized_keys(store, config, o.home);
  });
  if (!keys) return keys;
  return step("hand the state in " + o.home + " to " + o.user, [&] { return give_home_to_account(o.home, o.user); });
}

}  // namespace quarry
