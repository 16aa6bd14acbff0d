#include "hq/git_account.h"

#include <grp.h>
#include <pwd.h>
#include <unistd.h>

#include <algorithm>
#include <iterator>
#include <optional>
#include <vector>

#include "core/file_io.h"
#include "core/subprocess.h"

namespace quarry {

std::optional<AccountIds> find_account(const std::string& user) {
  std::vector<char> buf(16384);
  passwd pw{};
  passwd* found = nullptr;
  if (getpwnam_r(user.c_str(), &pw, buf.data(), buf.size(), &found) != 0 || !found) return std::nullopt;
  return AccountIds{found->pw_uid, found->pw_gid, found->pw_dir ? found->pw_dir : "",
                    found->pw_shell ? found->pw_shell : ""};
}

Status ensure_account(const std::string& user, const std::string& home) {
  if (user.empty() || user == "root") return fail("the git account must be a dedicated account, not root");
  if (geteuid() != 0) return fail("setting up the git account '" + user + "' needs root");
  auto existing = find_account(user);
  if (existing && existing->uid == 0) return fail("account '" + user + "' has uid 0; the git account must not");
  if (!existing) {
    auto made = run_checked({"useradd", "--system", "--user-group", "--no-create-home", "--home-dir", home, "--shell",
                             "/bin/sh", "--comment", "quarry git pushes", user});
    if (!made) return std::unexpected(made.error().context("create account " + user));
  } else if (existing->home != home || existing->shell != "/bin/sh") {
    auto changed = run_checked({"usermod", "--home", home, "--shell", "/bin/sh", user});
    if (!changed) return std::unexpected(changed.error().context("update account " + user));
  }
  // A locked password ('!') makes sshd refuse key logins when PAM is off.
  if (auto r = run_checked({"usermod", "-p", "*", user}); !r) return std::unexpected(r.error());
  // The build engine's socket belongs to group docker. A machine where the
  // engine's package did not make the group (or where it was removed) gets
  // it here, before the engine starts.
  if (!getgrnam("docker")) {
    if (auto r = run_checked({"groupadd", "-f", "--system", "docker"}); !r) return std::unexpected(r.error());
  }
  if (auto r = run_checked({"usermod", "-a", "-G", "docker", user}); !r) return std::unexpected(r.error());
  return {};
}

Status give_to_account(const std::string& path, const std::string& user) {
  if (geteuid() != 0) return {};
  auto ids = find_account(user);
  if (!ids) return fail("no account named '" + user + "' (run `quarry hq init`)");
  auto r = run_checked({"chown", "-R", std::to_string(ids->uid) + ":" + std::to_string(ids->gid), path});
  if (!r) return std::unexpected(r.error());
  return {};
}

Status give_home_to_account(const std::string& home, const std::string& user) {
  if (geteuid() != 0) return {};
  auto ids = find_account(user);
  if (!ids) return fail("no account named '" + user + "' (run `quarry hq init`)");
  if (chown(home.c_str(), ids->uid, ids->gid) != 0) return fail(home + ": chown failed");
  for (const auto& name : list_dir(home)) {
    if (std::find(std::begin(kRootOwnedParts), std::end(kRootOwnedParts), name) != std::end(kRootOwnedParts)) continue;
    if (auto s = give_to_account(home + "/" + name, user); !s) return s;
  }
  return {};
}

}  // namespace quarry
