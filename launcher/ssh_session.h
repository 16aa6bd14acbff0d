// One authenticated libssh2 session to one server: the mechanism under
// Libssh2Shell, which pools these. A session runs one command at a time and
// is not thread-safe: one thread uses it at a time (the pool guarantees it).
// All I/O is non-blocking with poll, so every step is bounded by a deadline.
#pragma once

#include <chrono>
#include <memory>
#include <string>

#include "launcher/host_keys.h"
#include "launcher/remote_shell.h"

typedef struct _LIBSSH2_SESSION LIBSSH2_SESSION;
typedef struct _LIBSSH2_CHANNEL LIBSSH2_CHANNEL;

namespace quarry {

struct SshKeyFiles {
  std::string private_key;  // OpenSSH private key (ed25519)
  std::string public_key;   // empty: libssh2 derives it from the private key
  std::string passphrase;   // empty: the key is not encrypted
};

// "s1 (10.77.0.5:22)": how errors name a host.
std::string describe_endpoint(const Endpoint& host);

// Calls libssh2_init once per process; safe from any thread. False (with a
// message on the error) when the library cannot start.
Status ensure_libssh2_initialized();

class SshSession {
 public:
  // Connects to `host`: TCP connect, SSH handshake, host key check through
  // `host_keys`, public key authentication as host.user, all within
  // `timeout`. Errors are kind Remote and start with describe_endpoint(host).
  static Result<std::unique_ptr<SshSession>> open(const Endpoint& host, const SshKeyFiles& keys,
                                                  HostKeyPolicy& host_keys, std::chrono::milliseconds timeout);
  ~SshSession();
  SshSession(const SshSession&) = delete;
  SshSession& operator=(const SshSession&) = delete;

  struct Outcome {
    Result<ProcessResult> result;
    // True when the command provably never reached the server (the channel
    // could not be opened): running it again on a fresh session is safe.
    bool not_started = false;
  };

  // Runs `command_text` (already shell text) with cmd's stdin, output
  // callback and timeout (which bounds the whole command). On timeout the
  // result is exit 124 with timed_out set and the session becomes unusable;
  // the remote process is not signalled (it loses its connection).
  Outcome exec(const std::string& command_text, const Command& cmd);

  // False after a transport error or a timeout: the pool drops the session.
  bool usable() const { return usable_; }

 private:
  SshSession(const Endpoint& host, int fd);
  bool wait_socket(std::chrono::steady_clock::time_point deadline);
  std::string last_error() const;
  // Moves stdin, stdout and stderr until the command's output ends. Fails
  // on a transport error or at the deadline (then result.timed_out is set).
  Status pump(LIBSSH2_CHANNEL* channel, const Command& cmd, std::chrono::steady_clock::time_point deadline,
              ProcessResult& result);
  void free_channel(LIBSSH2_CHANNEL* channel);
  Outcome broken(std::string what, bool not_started);
  Status handshake(const SshKeyFiles& keys, HostKeyPolicy& host_keys, std::chrono::steady_clock::time_point deadline);

  std::string label_;
  std::string server_;
  std::string user_;
  int fd_ = -1;
  LIBSSH2_SESSION* session_ = nullptr;
  bool usable_ = true;
};

}  // namespace quarry
