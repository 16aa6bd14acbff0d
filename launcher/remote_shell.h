// The seam through which every command reaches a server. Implementations:
// Libssh2Shell (pooled SSH sessions), LocalShell (this machine) and
// FakeShell (tests/fakes: records commands, returns scripted replies).
// Commands are argv; the implementation quotes them exactly once with
// shell_join before they reach a remote shell.
#pragma once

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

#include "core/error.h"
#include "core/quote.h"
#include "core/subprocess.h"

namespace quarry {

// How to reach a server.
struct Endpoint {
  std::string name;      // the server id, used in error messages and as the pool key
  std::string address;   // IP or host name
  int port = 22;
  std::string user = "root";
};

struct Command {
  Argv argv;
  std::string stdin_data;
  // When set, stdin is streamed from this source instead: it fills the
  // buffer and returns the byte count, 0 at end, -1 on error.
  std::function<long(char* buf, std::size_t len)> stdin_source;
  std::chrono::milliseconds timeout{120000};
  // When set, output is streamed here instead of being collected.
  std::function<void(bool is_stdout, std::string_view chunk)> on_output;
};

class RemoteShell {
 public:
  virtual ~RemoteShell() = default;
  // Runs `cmd` on `host`. A non-zero exit is a successful Result carrying the
  // exit code; an Error (kind Remote) means the host could not be reached or
  // the command could not be run, and names the host.
  // Thread-safe: many threads may run commands on many hosts at once.
  virtual Result<ProcessResult> run(const Endpoint& host, const Command& cmd) = 0;
};

// run() that turns a non-zero exit into an Error naming host and command.
Result<ProcessResult> run_ok(RemoteShell& shell, const Endpoint& host, const Command& cmd);

}  // namespace quarry
