#include "tests/e2e/support/sshd_fixture.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pwd.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <chrono>
#include <cstring>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "launcher/host_keys.h"

extern char** environ;

namespace quarry {

namespace {

bool accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return false;
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<std::uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = connect(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0;
  close(fd);
  return ok;
}

// Direct children of `parent`: sshd's per-connection processes.
std::vector<pid_t> children_of(pid_t parent) {
  std::vector<pid_t> out;
  for (const auto& entry : list_dir("/proc")) {
    if (entry.empty() || entry.find_first_not_of("0123456789") != std::string::npos) continue;
    auto stat = read_file("/proc/" + entry + "/stat");
    if (!stat) continue;
    auto close = stat->rfind(')');
    if (close == std::string::npos) continue;
    auto fields = split(trim(stat->substr(close + 1)), ' ');
    if (fields.size() > 1 && fields[1] == std::to_string(parent)) out.push_back(static_cast<pid_t>(std::strtol(entry.c_str(), nullptr, 10)));
  }
  return out;
}

// Every process running as `user`, by PID, with SIGKILL.
void kill_processes_of(const std::string& user) {
  passwd* pw = getpwnam(user.c_str());
  if (!pw) return;
  const uid_t uid = pw->pw_uid;
  for (const auto& entry : list_dir("/proc")) {
    if (entry.empty() || entry.find_first_not_of("0123456789") != std::string::npos) continue;
    struct stat st {};
    if (stat(("/proc/" + entry).c_str(), &st) != 0 || st.st_uid != uid) continue;
    kill(static_cast<pid_t>(std::strtol(entry.c_str(), nullptr, 10)), SIGKILL);
  }
}

}  // namespace

Result<int> free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return fail_remote(std::string("socket: ") + strerror(errno));
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return fail_remote(std::string("bind: ") + strerror(errno));
  }
  close(fd);
  return ntohs(a.sin_port);
}

SshdFixture::~SshdFixture() {
  stop();
  if (!dir_.empty()) remove_all(dir_);
  // Commands the tests ran over SSH can outlive their channel (a timed-out
  // `sleep`, reparented to init): they are this fixture's account's, so they
  // go with it. userdel refuses while any is left.
  if (made_user_) kill_processes_of(options_.user);
  for (int attempt = 0; made_user_ && attempt < 30; ++attempt) {
    auto r = run_process({"userdel", "--remove", options_.user});
    if ((r && r->exit_code == 0) || !run_process({"id", "-u", options_.user}).value_or(ProcessResult{}).ok()) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
}

Status SshdFixture::ensure_user() {
  const auto& u = options_.user;
  auto id = run_process({"id", "-u", u});
  if (!id) return fail(id.error());
  if (id->exit_code != 0) {
    auto add = run_checked({"useradd", "-m", "-s", "/bin/sh", u});
    made_user_ = add.has_value();
    if (!add) {
      // Another test may have created it meanwhile.
      auto again = run_process({"id", "-u", u});
      if (!again || again->exit_code != 0) return fail(add.error());
    }
  }
  // With UsePAM no, a locked password ('!') blocks key logins too.
  if (auto r = run_checked({"usermod", "-p", "*", u}); !r) return fail(r.error());
  if (run_process({"getent", "group", "docker"}).value_or(ProcessResult{1, {}, {}, false}).ok()) {
    if (auto r = run_checked({"usermod", "-aG", "docker", u}); !r) return fail(r.error());
  }
  return make_dirs("/run/sshd", 0755);
}

Status SshdFixture::make_keys(bool host_only) {
  auto keygen = [&](const std::string& path) -> Status {
    remove_all(path);
    remove_all(path + ".pub");
    auto r = run_checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "quarry-e2e", "-f", path});
    if (!r) return fail(r.error());
    return {};
  };
  if (auto s = keygen(dir_ + "/host_ed25519"); !s) return s;
  auto host_pub = read_file(dir_ + "/host_ed25519.pub");
  if (!host_pub) return fail(host_pub.error());
  auto fields = split(trim(*host_pub), ' ');
  if (fields.size() < 2) return fail_remote("unreadable host public key");
  auto known = "[127.0.0.1]:" + std::to_string(port_) + " " + fields[0] + " " + fields[1] + "\n";
  if (auto s = write_file_atomic(dir_ + "/known_hosts", known, 0644); !s) return s;
  if (host_only) return {};
  if (auto s = keygen(client_key()); !s) return s;
  auto client_pub = read_file(client_public_key());
  if (!client_pub) return fail(client_pub.error());
  // sshd reads authorized_keys as the user: the file and the directory
  // must be readable by it.
  if (auto s = write_file_atomic(dir_ + "/authorized_keys", *client_pub, 0644); !s) return s;
  chmod(dir_.c_str(), 0755);
  return {};
}

Status SshdFixture::write_config() {
  std::string c;
  c += "Port " + std::to_string(port_) + "\n";
  c += "ListenAddress 127.0.0.1\n";
  c += "HostKey " + dir_ + "/host_ed25519\n";
  c += "PidFile " + dir_ + "/sshd.pid\n";
  c += "AuthorizedKeysFile " + dir_ + "/authorized_keys\n";
  c += "AllowUsers " + options_.user + "\n";
  c += "StrictModes no\nUsePAM no\nPasswordAuthentication no\nKbdInteractiveAuthentication no\n";
  c += "PubkeyAuthentication yes\nPrintMotd no\nMaxStartups 200\nMaxSessions 64\nLogLevel ERROR\n";
  for (const auto& line : options_.extra_config) c += line + "\n";
  return write_file_atomic(dir_ + "/sshd_config", c, 0644);
}

Status SshdFixture::launch() {
  std::string config = dir_ + "/sshd_config";
  std::string log = dir_ + "/sshd.log";
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  std::vector<std::string> args = {"/usr/sbin/sshd", "-D", "-e", "-f", config};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  pid_t pid = -1;
  int rc = posix_spawn(&pid, argv[0], &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return fail_remote(std::string("spawn sshd: ") + strerror(rc));
  pid_ = pid;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!accepts(port_)) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return fail_remote("sshd exited at start: " + this->log());
    }
    if (std::chrono::steady_clock::now() > deadline) {
      stop();
      return fail_remote("sshd did not accept connections within 10s: " + this->log());
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return {};
}

Status SshdFixture::start() {
  if (running()) return {};
  if (auto s = ensure_user(); !s) return s;
  if (dir_.empty()) {
    auto dir = make_temp_dir("quarry-sshd");
    if (!dir) return fail(dir.error());
    dir_ = *dir;
    auto port = free_loopback_port();
    if (!port) return fail(port.error());
    port_ = *port;
    if (auto s = make_keys(false); !s) return s;
    if (auto s = write_config(); !s) return s;
  }
  return launch();
}

void SshdFixture::stop() {
  if (pid_ <= 0) return;
  // Like a server going down: the connections' processes end with it.
  for (pid_t child : children_of(pid_)) kill(child, SIGTERM);
  kill(pid_, SIGTERM);
  int status = 0;
  for (int i = 0; i < 250; ++i) {
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, &status, 0);
    pid_ = -1;
  }
  // sshd -D leaves the listening socket to its children only until they
  // notice; wait until the port is free again so a restart can bind it.
  for (int i = 0; i < 250 && accepts(port_); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(20));
}

Status SshdFixture::restart(bool new_host_key) {
  stop();
  if (new_host_key) {
    if (auto s = make_keys(true); !s) return s;
  }
  return launch();
}

Result<std::string> SshdFixture::host_key_blob() const {
  auto pub = read_file(dir_ + "/host_ed25519.pub");
  if (!pub) return fail(pub.error());
  return public_key_blob(*pub);
}

Endpoint SshdFixture::endpoint(const std::string& name) const { return Endpoint{name, "127.0.0.1", port_, user()}; }

Argv SshdFixture::ssh_argv(const Argv& remote) const {
  Argv argv = {"ssh", "-i", client_key(), "-p", std::to_string(port_),
               "-o", "BatchMode=yes", "-o", "IdentitiesOnly=yes", "-o", "StrictHostKeyChecking=yes",
               "-o", "UserKnownHostsFile=" + dir_ + "/known_hosts", "-o", "ControlMaster=no",
               "-o", "ControlPath=none", "-o", "LogLevel=ERROR", user() + "@127.0.0.1", "--",
               shell_join(remote)};
  return argv;
}

std::string SshdFixture::log() const {
  auto text = read_file(dir_ + "/sshd.log");
  return text ? trim(*text) : std::string();
}

}  // namespace quarry
