// `quarry hq serve` as a child process of a test or benchmark: started with
// its output in a log file, stopped with SIGTERM (or killed with SIGKILL to
// play a crash), always reaped.
#pragma once

#include <sys/types.h>

#include <string>

#include "core/error.h"

namespace quarry {

class ServeProcess {
 public:
  ServeProcess(std::string binary, std::string home, std::string log)
      : binary_(std::move(binary)), home_(std::move(home)), log_(std::move(log)) {}
  ~ServeProcess() { stop(); }
  Status start();
  void stop();   // SIGTERM, then SIGKILL after 10 s
  void crash();  // SIGKILL
  bool running() const { return pid_ > 0; }

 private:
  void end(int signal, int wait_ms);
  std::string binary_, home_, log_;
  pid_t pid_ = -1;
};

}  // namespace quarry
