#include "cloud/local_host.h"

#include <fcntl.h>
#include <grp.h>
#include <pwd.h>
#include <shadow.h>
#include <signal.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"

namespace quarry {

namespace {

bool is_number(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

std::vector<pid_t> all_pids() {
  std::vector<pid_t> out;
  for (const auto& e : list_dir("/proc"))
    if (is_number(e)) out.push_back(static_cast<pid_t>(std::stol(e)));
  return out;
}

// Mount points in /proc/self/mountinfo escape space, tab, newline and '\'.
std::string unescape_mount(std::string_view s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '\\' && i + 3 < s.size()) {
      out += static_cast<char>(std::stoi(std::string(s.substr(i + 1, 3)), nullptr, 8));
      i += 3;
    } else {
      out += s[i];
    }
  }
  return out;
}

bool under(std::string_view path, std::string_view dir) {
  return path == dir || (path.size() > dir.size() && path.substr(0, dir.size()) == dir && path[dir.size()] == '/');
}

}  // namespace

Result<pid_t> spawn_daemon(const Argv& argv, const std::string& log_path) {
  if (argv.empty()) return fail("spawn_daemon: empty argv", ErrorKind::Usage);
  int report[2];
  if (pipe2(report, O_CLOEXEC) != 0) return fail_remote(std::string("pipe: ") + strerror(errno));
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t first = fork();
  if (first < 0) return fail_remote(std::string("fork: ") + strerror(errno));
  if (first == 0) {
    setsid();
    pid_t second = fork();
    if (second != 0) {
      // The middle process reports the daemon's pid (or -errno) and exits.
      int msg = second > 0 ? second : -errno;
      if (write(report[1], &msg, sizeof msg) != sizeof msg) _exit(1);
      _exit(0);
    }
    int in = open("/dev/null", O_RDONLY);
    int log = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0640);
    if (in < 0 || log < 0) _exit(127);
    dup2(in, 0);
    dup2(log, 1);
    dup2(log, 2);
    // Keep only the report pipe, as fd 3, closed by a successful exec.
    int keep = 3;
    if (report[1] != keep) dup2(report[1], keep);
    close_fds_from(keep + 1);
    fcntl(keep, F_SETFD, FD_CLOEXEC);
    execvp(args[0], args.data());
    int msg = -errno;
    dprintf(2, "cannot run %s: %s\n", args[0], strerror(errno));
    if (write(keep, &msg, sizeof msg) != sizeof msg) _exit(127);
    _exit(127);
  }
  close(report[1]);
  int status = 0;
  while (waitpid(first, &status, 0) < 0 && errno == EINTR) {}
  int pid_msg = 0, exec_msg = 0;
  bool got_pid = read(report[0], &pid_msg, sizeof pid_msg) == sizeof pid_msg;
  // A second message arrives only when exec failed; EOF means it succeeded.
  bool exec_failed = read(report[0], &exec_msg, sizeof exec_msg) == sizeof exec_msg;
  close(report[0]);
  if (!got_pid || pid_msg <= 0) return fail_remote("cannot start " + argv[0] + ": fork failed");
  if (exec_failed) return fail_remote("cannot start " + argv[0] + ": " + strerror(-exec_msg));
  return static_cast<pid_t>(pid_msg);
}

pid_t read_pid_file(const std::string& path) {
  auto text = read_file(path);
  if (!text) return 0;
  auto t = trim(*text);
  if (!is_number(t) || t.size() > 9) return 0;
  return static_cast<pid_t>(std::stol(t));
}

bool process_alive(pid_t pid) {
  if (pid <= 0) return false;
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return false;
  auto close_paren = stat->rfind(')');
  if (close_paren == std::string::npos || close_paren + 2 >= stat->size()) return false;
  char state = (*stat)[close_paren + 2];
  return state != 'Z' && state != 'X';
}

void stop_process(pid_t pid, std::chrono::milliseconds grace) {
  if (!process_alive(pid)) return;
  kill(pid, SIGTERM);
  auto deadline = std::chrono::steady_clock::now() + grace;
  while (process_alive(pid) && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  if (!process_alive(pid)) return;
  kill(pid, SIGKILL);
  for (int i = 0; i < 50 && process_alive(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

std::vector<pid_t> processes_in_netns(const std::string& netns_path) {
  struct stat ns{};
  if (stat(netns_path.c_str(), &ns) != 0) return {};
  std::vector<pid_t> out;
  for (pid_t pid : all_pids()) {
    struct stat st{};
    auto p = "/proc/" + std::to_string(pid) + "/ns/net";
    if (stat(p.c_str(), &st) == 0 && st.st_ino == ns.st_ino && st.st_dev == ns.st_dev) out.push_back(pid);
  }
  return out;
}

std::vector<pid_t> processes_in_cgroup(const std::string& name) {
  std::vector<pid_t> out;
  const std::string needle = "/" + name;
  for (pid_t pid : all_pids()) {
    auto text = read_file("/proc/" + std::to_string(pid) + "/cgroup");
    if (!text) continue;
    for (const auto& line : split_lines(*text)) {
      auto colon = line.find(':', line.find(':') + 1);
      if (colon == std::string::npos) continue;
      auto path = std::string_view(line).substr(colon + 1);
      auto at = path.find(needle);
      if (at != std::string_view::npos &&
          (at + needle.size() == path.size() || path[at + needle.size()] == '/')) {
        out.push_back(pid);
        break;
      }
    }
  }
  return out;
}

std::string process_cmdline(pid_t pid) {
  auto text = read_file("/proc/" + std::to_string(pid) + "/cmdline");
  if (!text) return "";
  std::replace(text->begin(), text->end(), '\0', ' ');
  return trim(*text);
}

std::vector<std::string> mounts_under(const std::string& dir) {
  std::vector<std::string> out;
  auto text = read_file("/proc/self/mountinfo");
  if (!text) return out;
  for (const auto& line : split_lines(*text)) {
    auto fields = split(line, ' ');
    if (fields.size() < 5) continue;
    auto point = unescape_mount(fields[4]);
    if (under(point, dir)) out.push_back(point);
  }
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

Status unmount_under(const std::string& dir) {
  for (int round = 0; round < 5; ++round) {
    auto points = mounts_under(dir);
    if (points.empty()) return {};
    for (const auto& p : points)
      if (umount2(p.c_str(), MNT_DETACH) != 0 && errno != EINVAL && errno != ENOENT)
        return fail_remote("umount " + p + ": " + strerror(errno));
  }
  auto left = mounts_under(dir);
  if (!left.empty()) return fail_remote("still mounted after unmounting: " + left.front());
  return {};
}

Status remove_cgroups(const std::string& name) {
  std::vector<std::string> roots = {"/sys/fs/cgroup"};
  for (const auto& c : list_dir("/sys/fs/cgroup")) roots.push_back("/sys/fs/cgroup/" + c);
  for (const auto& root : roots) {
    auto top = root + "/" + name;
    if (!is_directory(top)) continue;
    // Depth first: a cgroup directory can only go once it has no children.
    std::vector<std::string> dirs = {top};
    for (std::size_t i = 0; i < dirs.size(); ++i)
      for (const auto& e : list_dir(dirs[i]))
        if (is_directory(dirs[i] + "/" + e)) dirs.push_back(dirs[i] + "/" + e);
    for (auto it = dirs.rbegin(); it != dirs.rend(); ++it)
      if (rmdir(it->c_str()) != 0 && errno != ENOENT)
        return fail_remote("rmdir " + *it + ": " + strerror(errno));
  }
  return {};
}

Status ensure_ssh_user(const std::string& user) {
  if (!getgrnam("docker")) {
    auto g = run_checked({"groupadd", "-f", "docker"});
    if (!g) return std::unexpected(g.error());
  }
  // useradd and usermod take /etc/passwd's lock and fail when another is busy.
  auto retry = [](const Argv& argv) -> Status {
    Result<ProcessResult> r;
    for (int attempt = 0; attempt < 10; ++attempt) {
      r = run_checked(argv);
      if (r) return {};
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    return std::unexpected(r.error());
  };
  if (!getpwnam(user.c_str())) {
    auto made = retry({"useradd", "-m", "-s", "/bin/sh", "-G", "docker", "-c", kLocalUserComment, user});
    // Another process may have made it meanwhile.
    if (!made && !getpwnam(user.c_str())) return made;
  }
  bool in_group = false;
  if (group* g = getgrnam("docker"))
    for (char** m = g->gr_mem; m && *m; ++m) in_group = in_group || user == *m;
  if (!in_group)
    if (auto s = retry({"usermod", "-a", "-G", "docker", user}); !s) return s;
  spwd* sp = getspnam(user.c_str());
  if (sp && sp->sp_pwdp && sp->sp_pwdp[0] == '!')
    if (auto s = retry({"usermod", "-p", "*", user}); !s) return s;
  return {};
}

Status remove_ssh_user(const std::string& user) {
  passwd* pw = getpwnam(user.c_str());
  if (!pw || !pw->pw_gecos || std::string(pw->pw_gecos) != kLocalUserComment) return {};
  // userdel refuses while the user has processes; the servers are gone by now.
  if (auto r = run_checked({"userdel", "--remove", user}); !r) {
    if (getpwnam(user.c_str())) return std::unexpected(r.error().context("remove the local cloud's user " + user));
  }
  return {};
}

Status check_traversable(const std::string& path) {
  std::string p = path;
  while (!p.empty() && p != "/") {
    struct stat st{};
    if (stat(p.c_str(), &st) == 0 && !(st.st_mode & S_IXOTH))
      return fail("local cloud: " + p + " is not searchable by others (mode " +
                  [&] {
                    char b[8];
                    std::snprintf(b, sizeof b, "%04o", st.st_mode & 07777);
                    return std::string(b);
                  }() +
                  "); the SSH user must reach its keys and docker socket below it");
    auto slash = p.rfind('/');
    p = slash == 0 ? "/" : p.substr(0, slash);
  }
  return {};
}

}  // namespace quarry
