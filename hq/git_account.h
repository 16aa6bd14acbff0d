// The system account that serves git over ssh. Its login runs only quarry's
// forced command (see key_registry.h); its home is the HQ home, so that
// ~/.ssh/authorized_keys sits at HOME/.ssh/authorized_keys, and it owns the
// HQ home, so that pushes can write the stacks' state.
#pragma once

#include <optional>
#include <string>

#include "core/error.h"

namespace quarry {

struct AccountIds {
  unsigned uid = 0;
  unsigned gid = 0;
  std::string home;
  std::string shell;
};

// The account's ids, or nullopt when there is no such account.
std::optional<AccountIds> find_account(const std::string& user);

// Creates `user` (a system account with its own group, home `home`, shell
// /bin/sh) or brings an existing one into that shape: home and shell set,
// password field set to '*' so key logins work under `UsePAM no` (a new
// account's password is locked, which sshd then treats as disabled), and
// added to the docker group (made when missing). Idempotent. Needs root;
// refuses "root" and other accounts with uid 0.
Status ensure_account(const std::string& user, const std::string& home);

// chown -R user:group `path`. A no-op unless running as root.
Status give_to_account(const std::string& path, const std::string& user);

// The parts of an HQ home that stay root's: the build engine's and the local
// cloud's daemon state (image layers, servers' docker data), whose owners
// matter to the daemons and which the git account never writes.
inline constexpr const char* kRootOwnedParts[] = {"engine", "cloud"};

// Gives the HQ home's state to `user`: the home itself and, recursively,
// every entry but kRootOwnedParts. A no-op unless running as root.
Status give_home_to_account(const std::string& home, const std::string& user);

}  // namespace quarry
