#include "tests/e2e/store/etcd_lab.h"

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <spawn.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"

extern char** environ;

namespace quarry::e2e {

int free_loopback_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  socklen_t len = sizeof addr;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) == 0)
    port = ntohs(addr.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

std::string EtcdLab::missing_prerequisite() {
  if (!have_program("etcd")) return "etcd is not installed (Debian package etcd-server; make deps installs it)";
  return "";
}

EtcdLab::~EtcdLab() {
  for (auto& m : members_) {
    if (m.pid > 0) {
      ::kill(m.pid, SIGCONT);
      ::kill(m.pid, SIGKILL);
      waitpid(m.pid, nullptr, 0);
    }
  }
  if (!dir_.empty()) (void)remove_all(dir_);
}

Status EtcdLab::start(int count) {
  if (auto why = missing_prerequisite(); !why.empty()) return fail(why);
  auto dir = make_temp_dir("quarry-etcd");
  if (!dir) return std::unexpected(dir.error());
  dir_ = *dir;
  std::vector<std::string> peers;
  for (int i = 0; i < count; ++i) {
    Member m;
    m.name = "m" + std::to_string(i);
    m.client_port = free_loopback_port();
    m.peer_port = free_loopback_port();
    if (m.client_port == 0 || m.peer_port == 0) return fail("no free loopback port");
    peers.push_back(m.name + "=http://127.0.0.1:" + std::to_string(m.peer_port));
    members_.push_back(m);
  }
  cluster_ = join(peers, ",");
  for (auto& m : members_) {
    if (auto s = spawn(m, true); !s) return s;
  }
  for (auto& m : members_) {
    if (auto s = wait_ready(m, 15); !s) return s;
  }
  return {};
}

Status EtcdLab::spawn(Member& m, bool fresh) {
  auto client = "http://127.0.0.1:" + std::to_string(m.client_port);
  auto peer = "http://127.0.0.1:" + std::to_string(m.peer_port);
  std::vector<std::string> args = {"etcd",
                                   "--name", m.name,
                                   "--data-dir", dir_ + "/" + m.name,
                                   "--listen-client-urls", client,
                                   "--advertise-client-urls", client,
                                   "--listen-peer-urls", peer,
                                   "--initial-advertise-peer-urls", peer,
                                   "--initial-cluster", cluster_,
                                   "--initial-cluster-state", fresh ? "new" : "existing",
                                   "--initial-cluster-token", "quarry-" + std::to_string(getpid()),
                                   "--heartbeat-interval", "100",
                                   "--election-timeout", "1000"};
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  auto log = dir_ + "/" + m.name + ".log";
  posix_spawn_file_actions_addopen(&actions, 1, log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, 1, 2);
  int rc = posix_spawnp(&m.pid, "etcd", &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (rc != 0) return fail("cannot start etcd: " + std::string(strerror(rc)));
  return {};
}

Status EtcdLab::wait_ready(const Member& m, int seconds) {
  EtcdOptions o;
  o.endpoints = {"127.0.0.1:" + std::to_string(m.client_port)};
  o.timeout = std::chrono::milliseconds(1000);
  EtcdClient client(o);
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  std::string last;
  while (std::chrono::steady_clock::now() < deadline) {
    auto status = client.call_endpoint(o.endpoints[0], "/v3/maintenance/status", nlohmann::json::object());
    if (status && !status->value("leader", "").empty() && status->value("leader", "") != "0") return {};
    last = status ? "no leader yet" : status.error().message;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto log = read_file(dir_ + "/" + m.name + ".log");
  return fail_remote("etcd member " + m.name + " not ready after " + std::to_string(seconds) + " s: " + last +
                     "\n" + (log ? log->substr(log->size() > 2000 ? log->size() - 2000 : 0) : ""));
}

std::string EtcdLab::endpoints() const {
  std::vector<std::string> eps;
  for (const auto& m : members_) eps.push_back("127.0.0.1:" + std::to_string(m.client_port));
  return join(eps, ",");
}

EtcdOptions EtcdLab::options() const {
  EtcdOptions o;
  o.endpoints = split(endpoints(), ',');
  return o;
}

Status EtcdLab::kill(int member) {
  auto& m = members_.at(member);
  if (m.pid <= 0) return {};
  ::kill(m.pid, SIGKILL);
  waitpid(m.pid, nullptr, 0);
  m.pid = -1;
  return wait_quorum_read(15);
}

// While a majority lives, waits until every living member answers a
// linearizable read: killing the raft leader leaves writes hanging until the
// others have elected a new one, and a test's next step must not race that.
Status EtcdLab::wait_quorum_read(int seconds) {
  std::size_t alive = 0;
  for (const auto& m : members_) alive += m.pid > 0 ? 1 : 0;
  if (alive * 2 <= members_.size()) return {};
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(seconds);
  for (const auto& m : members_) {
    if (m.pid <= 0) continue;
    EtcdOptions o;
    o.endpoints = {"127.0.0.1:" + std::to_string(m.client_port)};
    o.timeout = std::chrono::milliseconds(1000);
    EtcdClient client(o);
    std::string last;
    while (true) {
      auto read = client.call_endpoint(o.endpoints[0], "/v3/kv/range", nlohmann::json{{"key", "cXVvcnVt"}});
      if (read) break;
      last = read.error().message;
      if (std::chrono::steady_clock::now() >= deadline) {
        return fail_remote("etcd member " + m.name + " gave no quorum read within " + std::to_string(seconds) +
                           " s: " + last);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  return {};
}

Status EtcdLab::restart(int member) {
  auto& m = members_.at(member);
  if (m.pid > 0) return {};
  if (auto s = spawn(m, false); !s) return s;
  return wait_ready(m, 20);
}

}  // namespace quarry::e2e
