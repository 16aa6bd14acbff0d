#include "tests/e2e/locknet/netns_lab.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sched.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

#include "core/subprocess.h"

namespace quarry::testing {

const char* to_string(Reach r) {
  switch (r) {
    case Reach::Connected: return "connected";
    case Reach::Refused: return "refused";
    case Reach::TimedOut: return "timed out";
    case Reach::Failed: return "failed";
  }
  return "?";
}

Status NetnsLab::run(const std::vector<std::string>& argv) {
  ProcessOptions o;
  o.timeout = std::chrono::seconds(20);
  auto r = run_checked(argv, o);
  if (!r) return fail(r.error());
  return {};
}

Status NetnsLab::create(int count) {
  // Each lab of a process gets its own names: a deleted namespace can
  // outlive its lab for a while (sockets in TIME_WAIT hold it, and its veth
  // pair with it), and the next lab must not collide with what it leaves.
  static int labs = 0;
  auto pid = std::to_string(::getpid()) + static_cast<char>('a' + labs++ % 26);
  tag_ = "qlk" + pid;
  bridge_ = tag_ + "br";
  std::string subnet = "10.77." + std::to_string(240 + ::getpid() % 15) + ".";
  if (auto s = run({"ip", "link", "add", bridge_, "type", "bridge"}); !s) return s;
  bridge_made_ = true;
  if (auto s = run({"ip", "link", "set", bridge_, "up"}); !s) return s;
  if (auto s = run({"iptables", "-w", "5", "-I", "FORWARD", "1", "-i", bridge_, "-o", bridge_, "-j", "ACCEPT"}); !s)
    return s;
  forward_rule_ = true;
  for (int i = 0; i < count; ++i) {
    auto ns = "quarry-lk-" + pid + "-" + std::to_string(i);
    auto host_end = tag_ + "h" + std::to_string(i);
    auto ns_end = tag_ + "n" + std::to_string(i);
    auto ip = subnet + std::to_string(10 + i);
    if (auto s = run({"ip", "netns", "add", ns}); !s) return s;
    namespaces_.push_back(ns);
    addresses_.push_back(ip);
    const std::vector<std::vector<std::string>> steps = {
        {"ip", "link", "add", host_end, "type", "veth", "peer", "name", ns_end, "netns", ns},
        {"ip", "link", "set", host_end, "master", bridge_, "up"},
        {"ip", "-n", ns, "addr", "add", ip + "/24", "dev", ns_end},
        {"ip", "-n", ns, "link", "set", ns_end, "up"},
        {"ip", "-n", ns, "link", "set", "lo", "up"},
    };
    for (const auto& step : steps)
      if (auto s = run(step); !s) return s;
  }
  return {};
}

NetnsLab::~NetnsLab() {
  for (int fd : fds_) ::close(fd);
  // The veth pairs go at once (deleting a namespace removes them only when
  // the kernel lets the namespace go), then the namespaces with their rules.
  for (std::size_t i = 0; i < namespaces_.size(); ++i) (void)run({"ip", "link", "del", tag_ + "h" + std::to_string(i)});
  for (const auto& ns : namespaces_) (void)run({"ip", "netns", "del", ns});
  if (bridge_made_) (void)run({"ip", "link", "del", bridge_});
  if (forward_rule_) (void)run({"iptables", "-w", "5", "-D", "FORWARD", "-i", bridge_, "-o", bridge_, "-j", "ACCEPT"});
}

Result<int> socket_in_netns(const std::string& name) {
  // Network namespaces are per thread: a short-lived thread enters the
  // namespace and makes the socket, which stays in that namespace for good.
  auto path = "/run/netns/" + name;
  int fd = -1, err = 0;
  std::thread([&] {
    int nsfd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (nsfd < 0 || ::setns(nsfd, CLONE_NEWNET) != 0) {
      err = errno;
    } else {
      fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
      if (fd < 0) err = errno;
    }
    if (nsfd >= 0) ::close(nsfd);
  }).join();
  if (fd < 0) return fail(path + ": " + std::to_string(err));
  return fd;
}

Result<int> NetnsLab::socket_in(int i) { return socket_in_netns(ns(i)); }

Result<int> listen_in(const std::string& ns, int port) {
  auto fd = socket_in_netns(ns);
  if (!fd) return fd;
  int one = 1;
  ::setsockopt(*fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_ANY);
  if (::bind(*fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 || ::listen(*fd, 16) != 0) {
    ::close(*fd);
    return fail(ns + ": listen on " + std::to_string(port) + " failed");
  }
  return *fd;
}

Result<int> NetnsLab::listen(int i, int port) {
  auto fd = listen_in(ns(i), port);
  if (fd) fds_.push_back(*fd);
  return fd;
}

Status BridgeGuest::create(const std::string& bridge, const std::string& cidr, const std::string& mac) {
  static int counter = 0;
  auto tag = std::to_string(::getpid()) + "-" + std::to_string(++counter);
  auto name = "quarry-guest-" + tag;
  auto host_end = "qg" + tag;
  ProcessOptions o;
  o.timeout = std::chrono::seconds(20);
  auto run = [&](const std::vector<std::string>& argv) -> Status {
    auto r = run_checked(argv, o);
    if (!r) return fail(r.error());
    return {};
  };
  if (auto s = run({"ip", "netns", "add", name}); !s) return s;
  ns_ = name;
  std::vector<std::vector<std::string>> steps = {
      {"ip", "link", "add", host_end, "type", "veth", "peer", "name", "eth0", "netns", name},
      {"ip", "link", "set", host_end, "master", bridge, "up"},
      {"ip", "-n", name, "addr", "add", cidr, "dev", "eth0"},
      {"ip", "-n", name, "link", "set", "eth0", "up"},
      {"ip", "-n", name, "link", "set", "lo", "up"},
  };
  if (!mac.empty()) steps.insert(steps.begin() + 3, {"ip", "-n", name, "link", "set", "eth0", "address", mac});
  for (const auto& step : steps)
    if (auto s = run(step); !s) return s;
  return {};
}

BridgeGuest::~BridgeGuest() {
  if (ns_.empty()) return;
  ProcessOptions o;
  o.timeout = std::chrono::seconds(20);
  (void)run_checked({"ip", "netns", "del", ns_}, o);
}

Reach NetnsLab::connect(int from, const std::string& ip, int port, std::chrono::milliseconds timeout) {
  return connect_from(ns(from), ip, port, timeout);
}

Reach connect_from(const std::string& ns, const std::string& ip, int port, std::chrono::milliseconds timeout) {
  auto fd = socket_in_netns(ns);
  if (!fd) return Reach::Failed;
  ::fcntl(*fd, F_SETFL, O_NONBLOCK);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  ::inet_pton(AF_INET, ip.c_str(), &a.sin_addr);
  Reach result = Reach::Failed;
  if (::connect(*fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0) {
    result = Reach::Connected;
  } else if (errno == EINPROGRESS) {
    pollfd p{*fd, POLLOUT, 0};
    int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (n == 0) {
      result = Reach::TimedOut;
    } else if (n > 0) {
      int err = 0;
      socklen_t len = sizeof err;
      ::getsockopt(*fd, SOL_SOCKET, SO_ERROR, &err, &len);
      result = err == 0 ? Reach::Connected : err == ECONNREFUSED ? Reach::Refused : Reach::Failed;
    }
  }
  ::close(*fd);
  return result;
}

}  // namespace quarry::testing
