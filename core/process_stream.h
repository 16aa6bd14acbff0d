// A running local process whose stdout is read as a stream: `docker save`
// feeding an image to a remote `docker load` without holding the tarball.
#pragma once

#include <sys/types.h>

#include <map>
#include <memory>
#include <string>

#include "core/error.h"
#include "core/quote.h"

namespace quarry {

class ProcessStream {
 public:
  ProcessStream() = default;
  ProcessStream(const ProcessStream&) = delete;
  ProcessStream& operator=(const ProcessStream&) = delete;
  // Kills the process if it still runs.
  ~ProcessStream();

  // Starts argv with `env` added to the environment; stderr is collected.
  static Result<std::unique_ptr<ProcessStream>> start(const Argv& argv, const std::map<std::string, std::string>& env = {});

  // Reads up to `len` bytes of stdout: the count, 0 at end, -1 on error.
  long read(char* buf, std::size_t len);
  // Waits for the process; fails when it exited non-zero, with its stderr.
  Status finish();

 private:
  pid_t pid_ = -1;
  int out_ = -1;
  std::string err_path_;
  std::string what_;
};

}  // namespace quarry
