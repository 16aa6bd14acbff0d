#include "launcher/health.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include "core/text.h"

namespace quarry {

namespace {

using Clock = std::chrono::steady_clock;

int remaining_ms(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

// Connects within the deadline; the error names what failed.
Result<int> connect_to(const std::string& address, int port, Clock::time_point deadline) {
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (int rc = getaddrinfo(address.c_str(), std::to_string(port).c_str(), &hints, &res); rc != 0) {
    return fail_remote(std::string("resolve: ") + gai_strerror(rc));
  }
  int fd = socket(res->ai_family, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  int rc = connect(fd, res->ai_addr, res->ai_addrlen);
  freeaddrinfo(res);
  if (rc != 0 && errno != EINPROGRESS) {
    std::string e = strerror(errno);
    close(fd);
    return fail_remote("connect: " + e);
  }
  if (rc != 0) {
    pollfd p{fd, POLLOUT, 0};
    if (poll(&p, 1, remaining_ms(deadline)) <= 0) {
      close(fd);
      return fail_remote("connect: timed out");
    }
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err != 0) {
      close(fd);
      return fail_remote(std::string("connect: ") + strerror(err));
    }
  }
  return fd;
}

// Sends GET path and reads the status line.
Result<int> http_status(int fd, const std::string& address, const std::string& path, Clock::time_point deadline) {
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + address + "\r\nUser-Agent: quarry-health\r\nConnection: close\r\n\r\n";
  if (send(fd, req.data(), req.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(req.size())) {
    return fail_remote("send: " + std::string(strerror(errno)));
  }
  std::string got;
  char buf[512];
  while (got.find("\r\n") == std::string::npos && got.size() < 4096) {
    pollfd p{fd, POLLIN, 0};
    if (poll(&p, 1, remaining_ms(deadline)) <= 0) return fail_remote("no answer: timed out");
    auto n = recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return fail_remote(got.empty() ? "connection closed without an answer" : "short answer");
    got.append(buf, static_cast<std::size_t>(n));
  }
  auto parts = split(got.substr(0, got.find("\r\n")), ' ');
  if (parts.size() < 2 || !parts[0].starts_with("HTTP/")) return fail_remote("not an HTTP answer");
  try {
    return std::stoi(parts[1]);
  } catch (...) {
    return fail_remote("not an HTTP status: " + parts[1]);
  }
}

}  // namespace

std::string HealthReport::history() const {
  std::string out;
  for (const auto& a : attempts) {
    out += "probe " + std::to_string(a.number) + ": " + (a.ok ? "ok " : "") + a.detail + " (" +
           format_duration_ms(a.ms) + ")\n";
  }
  return out;
}

ProbeAttempt probe_once(const std::string& address, int port, const HealthCheck& check, int number) {
  ProbeAttempt a;
  a.number = number;
  auto start = Clock::now();
  auto deadline = start + std::chrono::milliseconds(check.timeout_ms);
  auto fd = connect_to(address, port, deadline);
  if (!fd) {
    a.detail = fd.error().message;
  } else if (check.path.empty()) {
    a.ok = true;
    a.detail = "TCP connect";
    close(*fd);
  } else {
    auto status = http_status(*fd, address, check.path, deadline);
    close(*fd);
    if (!status) a.detail = "GET " + check.path + ": " + status.error().message;
    else {
      a.ok = *status >= 200 && *status < 400;
      a.detail = "GET " + check.path + ": HTTP " + std::to_string(*status);
    }
  }
  a.ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - start).count();
  return a;
}

}  // namespace quarry
