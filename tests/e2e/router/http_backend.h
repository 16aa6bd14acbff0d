// A tiny HTTP/1.x server on 127.0.0.1 for the router's end-to-end tests:
// answers every request with `200` and a fixed body, closes the connection,
// and counts what it served. Runs on its own thread until destroyed.
#pragma once

#include <atomic>
#include <mutex>
#include <string>
#include <thread>

namespace quarry::testing {

class HttpBackend {
 public:
  // Listens on a free loopback port; port() is 0 when that failed.
  explicit HttpBackend(std::string body);
  ~HttpBackend();
  HttpBackend(const HttpBackend&) = delete;
  HttpBackend& operator=(const HttpBackend&) = delete;

  int port() const { return port_; }
  int served() const { return served_.load(); }
  // The last request head received (request line and headers).
  std::string last_request() const;

 private:
  void serve();

  std::string body_;
  int fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::atomic<int> served_{0};
  mutable std::mutex mu_;
  std::string last_request_;
  std::thread thread_;
};

// A loopback TCP port nothing listens on right now.
int free_loopback_port();

struct HttpReply {
  int status = 0;       // 0: no answer
  std::string headers;  // the head, status line included
  std::string body;
};

// GET `path` from 127.0.0.1:port with the given Host header (1 s timeouts).
HttpReply http_get(int port, const std::string& host, const std::string& path = "/");

}  // namespace quarry::testing
