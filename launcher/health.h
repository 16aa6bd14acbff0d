// Health checks of a new container, from the HQ: a TCP connect to the
// published port, or an HTTP GET of the manifest's path that must answer
// 2xx or 3xx. Every attempt is kept, so that a failure can show the history.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "compiler/stack.h"
#include "core/error.h"

namespace quarry {

struct ProbeAttempt {
  int number = 0;
  bool ok = false;
  std::string detail;     // "HTTP 200", "connect: Connection refused", "timed out after 5s"
  std::int64_t ms = 0;    // how long the attempt took
};

struct HealthReport {
  bool healthy = false;
  std::vector<ProbeAttempt> attempts;
  // "probe 1: connect: Connection refused (2ms)\n..." one line each.
  std::string history() const;
};

// One attempt against address:port.
ProbeAttempt probe_once(const std::string& address, int port, const HealthCheck& check, int number);

}  // namespace quarry
