// hello: the example app of quarry. A tiny static HTTP/1.1 server.
//
//   hello [--port N] [--mode web|counter] [--data DIR] [--exit-after MS]
//
// web (default): GET / answers "GREETING from NODE (release R), visit N\n",
//   where N comes from the counter service at COUNTER_HOST:COUNTER_PORT when
//   those are set (quarry injects them for a service named "counter").
// counter: GET / increments a number kept in DIR/count and answers it; the
//   number survives restarts when DIR is a volume.
// Both: GET /up answers 200 (the health path); GET /env/NAME answers the
//   value of env variable NAME byte for byte (404 when unset).
// --exit-after MS: exits with status 3 that long after it started, to play a
//   process that keeps crashing (the control loop's crashloop backoff).
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <thread>

namespace {

std::string g_mode = "web";
std::string g_data = "/data";
std::mutex g_count_mu;

std::string env_or(const char* name, const char* fallback) {
  const char* v = std::getenv(name);
  return v ? v : fallback;
}

std::string response(int code, const std::string& body) {
  const char* reason = code == 200 ? "OK" : code == 404 ? "Not Found" : "Error";
  return "HTTP/1.1 " + std::to_string(code) + " " + reason +
         "\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

long bump_counter() {
  std::lock_guard lock(g_count_mu);
  long n = 0;
  std::ifstream(g_data + "/count") >> n;
  ++n;
  std::string tmp = g_data + "/count.tmp";
  std::ofstream(tmp) << n << "\n";
  std::rename(tmp.c_str(), (g_data + "/count").c_str());
  return n;
}

// Asks the counter service for the next visit number; "?" when unreachable.
std::string fetch_visit() {
  const char* host = std::getenv("COUNTER_HOST");
  const char* port = std::getenv("COUNTER_PORT");
  if (!host || !port) return "1";
  addrinfo hints{}, *res = nullptr;
  hints.ai_socktype = SOCK_STREAM;
  if (getaddrinfo(host, port, &hints, &res) != 0) return "?";
  int fd = socket(res->ai_family, SOCK_STREAM, 0);
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  std::string out = "?";
  if (connect(fd, res->ai_addr, res->ai_addrlen) == 0) {
    std::string req = "GET / HTTP/1.1\r\nHost: counter\r\nConnection: close\r\n\r\n";
    if (write(fd, req.data(), req.size()) == static_cast<ssize_t>(req.size())) {
      std::string reply;
      char buf[1024];
      ssize_t n;
      while ((n = read(fd, buf, sizeof buf)) > 0) reply.append(buf, static_cast<size_t>(n));
      auto body = reply.find("\r\n\r\n");
      if (body != std::string::npos) {
        out = reply.substr(body + 4);
        while (!out.empty() && (out.back() == '\n' || out.back() == '\r')) out.pop_back();
      }
    }
  }
  close(fd);
  freeaddrinfo(res);
  return out;
}

std::string handle(const std::string& path) {
  if (path == "/up") return response(200, "ok\n");
  if (path.rfind("/env/", 0) == 0) {
    const char* v = std::getenv(path.substr(5).c_str());
    return v ? response(200, v) : response(404, "unset\n");
  }
  if (path != "/") return response(404, "not found\n");
  if (g_mode == "counter") return response(200, std::to_string(bump_counter()) + "\n");
  std::string body = env_or("GREETING", "hello") + " from " + env_or("QUARRY_NODE", "hello") +
                     " (release " + env_or("QUARRY_RELEASE", "dev") + "), visit " + fetch_visit() + "\n";
  return response(200, body);
}

void serve(int fd) {
  timeval tv{5, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  std::string req;
  char buf[4096];
  while (req.find("\r\n\r\n") == std::string::npos && req.size() < 65536) {
    ssize_t n = read(fd, buf, sizeof buf);
    if (n <= 0) break;
    req.append(buf, static_cast<size_t>(n));
  }
  std::string path = "/";
  auto sp1 = req.find(' ');
  auto sp2 = sp1 == std::string::npos ? sp1 : req.find(' ', sp1 + 1);
  if (sp2 != std::string::npos) path = req.substr(sp1 + 1, sp2 - sp1 - 1);
  std::string out = handle(path);
  size_t off = 0;
  while (off < out.size()) {
    ssize_t n = write(fd, out.data() + off, out.size() - off);
    if (n <= 0) break;
    off += static_cast<size_t>(n);
  }
  close(fd);
}

}  // namespace

int main(int argc, char** argv) {
  int port = std::atoi(env_or("PORT", "8080").c_str());
  int exit_after_ms = 0;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string flag = argv[i];
    if (flag == "--port") port = std::atoi(argv[i + 1]);
    else if (flag == "--mode") g_mode = argv[i + 1];
    else if (flag == "--data") g_data = argv[i + 1];
    else if (flag == "--exit-after") exit_after_ms = std::atoi(argv[i + 1]);
  }
  signal(SIGPIPE, SIG_IGN);
  int s = socket(AF_INET, SOCK_STREAM, 0);
  int one = 1;
  setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = INADDR_ANY;
  if (bind(s, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || listen(s, 128) != 0) {
    std::perror("hello: listen");
    return 1;
  }
  std::printf("hello: %s listening on :%d\n", g_mode.c_str(), port);
  std::fflush(stdout);
  // Docker sends SIGTERM on stop; exit at once (PID 1 has no default handler).
  signal(SIGTERM, [](int) { _exit(0); });
  signal(SIGINT, [](int) { _exit(0); });
  if (exit_after_ms > 0) {
    std::thread([exit_after_ms] {
      std::this_thread::sleep_for(std::chrono::milliseconds(exit_after_ms));
      std::printf("hello: exiting after %d ms as told (--exit-after)\n", exit_after_ms);
      std::fflush(stdout);
      _exit(3);
    }).detach();
  }
  while (true) {
    int fd = accept(s, nullptr, nullptr);
    if (fd < 0) continue;
    std::thread(serve, fd).detach();
  }
}
