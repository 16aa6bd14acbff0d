// Waiting for a server: the clock, the pause between polls and the TCP probe
// of its SSH port, gathered so that the API providers can be unit-tested
// without sleeping or touching the network (a test passes a fake clock whose
// sleep advances time).
#pragma once

#include <chrono>
#include <functional>
#include <string>

namespace quarry {

// True when something accepts a TCP connection on ip:port within `timeout`.
// IPv4 dotted quads only. Sends nothing: the connection is closed at once.
bool tcp_accepts(const std::string& ip, int port, std::chrono::milliseconds timeout);

struct WaitDeps {
  std::function<std::chrono::system_clock::time_point()> now;
  std::function<void(std::chrono::milliseconds)> sleep;
  std::function<bool(const std::string& ip, int port, std::chrono::milliseconds timeout)> tcp_accepts;
  std::function<double()> jitter;   // in [0, 1], for retry backoff; empty: 0.5

  // The system clock, std::this_thread::sleep_for, quarry::tcp_accepts and
  // a random jitter.
  static WaitDeps real();
};

}  // namespace quarry
