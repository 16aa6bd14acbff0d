// What the local cloud does to this machine's processes, mounts, cgroups and
// users, below the level of commands: starting a daemon detached, stopping a
// process by pid, finding the processes of a network namespace or a cgroup,
// unmounting what is left under a directory. Linux only; needs root.
#pragma once

#include <chrono>
#include <string>
#include <vector>

#include <sys/types.h>

#include "core/error.h"
#include "core/quote.h"

namespace quarry {

// Starts argv detached from the caller: a new session, stdin from /dev/null,
// stdout and stderr appended to `log_path`, no inherited descriptors (so
// that no lock the caller holds leaks into the daemon), not a child of the
// caller (nothing to reap). Returns the daemon's pid once it was exec'd;
// fails when the program cannot be started.
Result<pid_t> spawn_daemon(const Argv& argv, const std::string& log_path);

// The pid in a pid file, or 0 when the file is missing or holds no number.
pid_t read_pid_file(const std::string& path);

// True while `pid` runs (a zombie counts as gone).
bool process_alive(pid_t pid);

// SIGTERM, then SIGKILL when `pid` still runs after `grace`. Returns when it
// is gone (or after a further second if even SIGKILL does not end it).
void stop_process(pid_t pid, std::chrono::milliseconds grace);

// Processes whose network namespace is the one bound at `netns_path`
// (/run/netns/NAME). Empty when the path does not exist.
std::vector<pid_t> processes_in_netns(const std::string& netns_path);

// Processes in a cgroup whose path has the component `name` (cgroup v1 or
// v2), such as the containers of a dockerd run with --cgroup-parent /name.
std::vector<pid_t> processes_in_cgroup(const std::string& name);

// The command line of `pid`, NULs as spaces; "" when it is gone.
std::string process_cmdline(pid_t pid);

// Mount points at `dir` or below it, deepest first.
std::vector<std::string> mounts_under(const std::string& dir);

// Lazily unmounts everything mounted at `dir` or below it.
Status unmount_under(const std::string& dir);

// Removes the (empty) cgroup directories /sys/fs/cgroup/*/name and
// /sys/fs/cgroup/name with their subdirectories. Succeeds when none exist.
Status remove_cgroups(const std::string& name);

// Creates the unprivileged login user `user` (shell /bin/sh, a home, in the
// group docker, password '*' so key logins work without PAM) unless it exists
// with all of that already. Idempotent. A user it creates carries
// kLocalUserComment, so remove_ssh_user() can tell it from one it did not make.
Status ensure_ssh_user(const std::string& user);
inline constexpr const char* kLocalUserComment = "quarry local cloud";
// Removes `user` and its home when ensure_ssh_user() made it (its comment
// says so); leaves any other account alone. Succeeds when there is none.
Status remove_ssh_user(const std::string& user);

// Fails naming the first ancestor of `path` (inclusive) that others may not
// traverse: the SSH user must reach its authorized_keys and docker socket.
Status check_traversable(const std::string& path);

}  // namespace quarry
