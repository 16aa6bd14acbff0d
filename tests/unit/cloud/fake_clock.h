// WaitDeps for unit tests: a clock that only moves when the code under test
// sleeps, and a scripted TCP probe. Nothing here sleeps or opens a socket.
#pragma once

#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "cloud/waiting.h"

namespace quarry {

struct FakeWait {
  struct State {
    std::chrono::system_clock::time_point now = std::chrono::system_clock::from_time_t(1440938160);
    std::vector<std::chrono::milliseconds> sleeps;
    int probes_until_open = 0;  // probes that fail before one succeeds
    std::vector<std::string> probed;
  };
  std::shared_ptr<State> state = std::make_shared<State>();

  WaitDeps deps() const {
    auto s = state;
    return WaitDeps{
        [s] { return s->now; },
        [s](std::chrono::milliseconds d) {
          s->sleeps.push_back(d);
          s->now += d;
        },
        [s](const std::string& ip, int port, std::chrono::milliseconds) {
          s->probed.push_back(ip + ":" + std::to_string(port));
          return s->probes_until_open-- <= 0;
        },
        {},
    };
  }
};

}  // namespace quarry
