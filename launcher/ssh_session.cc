#include "launcher/ssh_session.h"

#include <fcntl.h>
#include <libssh2.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <mutex>
#include <utility>

namespace quarry {

namespace {

using Clock = std::chrono::steady_clock;

int ms_left(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return left > 0 ? static_cast<int>(left) : 0;
}

int signal_number(std::string_view name) {
  static const std::pair<std::string_view, int> kSignals[] = {
      {"HUP", 1},   {"INT", 2},   {"QUIT", 3},  {"ILL", 4},   {"ABRT", 6},  {"FPE", 8},
      {"KILL", 9},  {"USR1", 10}, {"SEGV", 11}, {"USR2", 12}, {"PIPE", 13}, {"ALRM", 14},
      {"TERM", 15},
  };
  for (const auto& [n, v] : kSignals)
    if (n == name) return v;
  return 0;
}

// True for errors that mean the connection itself is gone.
bool is_transport_error(int rc) {
  switch (rc) {
    case LIBSSH2_ERROR_SOCKET_SEND:
    case LIBSSH2_ERROR_SOCKET_RECV:
    case LIBSSH2_ERROR_SOCKET_DISCONNECT:
    case LIBSSH2_ERROR_SOCKET_TIMEOUT:
    case LIBSSH2_ERROR_TIMEOUT:
    case LIBSSH2_ERROR_BAD_USE:
    case LIBSSH2_ERROR_DECRYPT:
    case LIBSSH2_ERROR_PROTO:
    case LIBSSH2_ERROR_ALLOC:
      return true;
    default:
      return false;
  }
}

// Connects a non-blocking TCP socket to host within the deadline.
Result<int> tcp_connect(const Endpoint& host, Clock::time_point deadline) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  hints.ai_flags = AI_NUMERICSERV;
  addrinfo* list = nullptr;
  auto port = std::to_string(host.port);
  if (int rc = getaddrinfo(host.address.c_str(), port.c_str(), &hints, &list); rc != 0)
    return fail_remote(std::string("resolve: ") + gai_strerror(rc));
  std::string why = "no address";
  int fd = -1;
  for (addrinfo* a = list; a && fd < 0; a = a->ai_next) {
    fd = socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      why = strerror(errno);
      continue;
    }
    int rc = connect(fd, a->ai_addr, a->ai_addrlen);
    if (rc != 0 && errno == EINPROGRESS) {
      pollfd p{fd, POLLOUT, 0};
      int n;
      while ((n = poll(&p, 1, ms_left(deadline))) < 0 && errno == EINTR) {}
      int err = 0;
      socklen_t len = sizeof err;
      if (n == 0) err = ETIMEDOUT;
      else if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) != 0) err = errno;
      rc = err == 0 ? 0 : -1;
      errno = err;
    }
    if (rc != 0) {
      why = errno == ETIMEDOUT ? "timed out" : strerror(errno);
      close(fd);
      fd = -1;
    }
  }
  freeaddrinfo(list);
  if (fd < 0) return fail_remote("connect: " + why);
  int one = 1;
  setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  return fd;
}

}  // namespace

std::string describe_endpoint(const Endpoint& host) {
  return host.name + " (" + host.address + ":" + std::to_string(host.port) + ")";
}

Status ensure_libssh2_initialized() {
  static std::once_flag once;
  static int rc = 0;
  std::call_once(once, [] { rc = libssh2_init(0); });
  if (rc != 0) return fail_remote("libssh2_init failed (" + std::to_string(rc) + ")");
  return {};
}

SshSession::SshSession(const Endpoint& host, int fd)
    : label_(describe_endpoint(host)), server_(host.name), user_(host.user), fd_(fd) {}

SshSession::~SshSession() {
  if (session_) {
    // Bounded teardown: a dead peer must not hold up the pool. A broken
    // session's socket is shut down first so every call fails at once.
    if (!usable_) shutdown(fd_, SHUT_RDWR);
    libssh2_session_set_blocking(session_, 1);
    libssh2_session_set_timeout(session_, 2000);
    if (usable_) libssh2_session_disconnect(session_, "quarry: closing");
    libssh2_session_free(session_);
  }
  if (fd_ >= 0) close(fd_);
}

Result<std::unique_ptr<SshSession>> SshSession::open(const Endpoint& host, const SshKeyFiles& keys,
                                                     HostKeyPolicy& host_keys, std::chrono::milliseconds timeout) {
  auto label = describe_endpoint(host);
  if (auto s = ensure_libssh2_initialized(); !s) return fail(s.error().context(label));
  auto deadline = Clock::now() + timeout;
  auto fd = tcp_connect(host, deadline);
  if (!fd) return fail(fd.error().context(label));
  std::unique_ptr<SshSession> s(new SshSession(host, *fd));
  if (auto ok = s->handshake(keys, host_keys, deadline); !ok) return fail(ok.error().context(label));
  return s;
}

Status SshSession::handshake(const SshKeyFiles& keys, HostKeyPolicy& host_keys, Clock::time_point deadline) {
  session_ = libssh2_session_init();
  if (!session_) return fail_remote("libssh2_session_init failed");
  libssh2_session_set_blocking(session_, 0);
  int rc;
  while ((rc = libssh2_session_handshake(session_, fd_)) == LIBSSH2_ERROR_EAGAIN)
    if (!wait_socket(deadline)) return fail_remote("ssh handshake: timed out");
  if (rc != 0) {
    usable_ = false;
    return fail_remote("ssh handshake: " + last_error());
  }
  std::size_t len = 0;
  int type = 0;
  const char* key = libssh2_session_hostkey(session_, &len, &type);
  if (!key) return fail_remote("no host key: " + last_error());
  if (auto ok = host_keys.verify(server_, std::string_view(key, len)); !ok) return ok;
  const char* pub = keys.public_key.empty() ? nullptr : keys.public_key.c_str();
  const char* pass = keys.passphrase.empty() ? nullptr : keys.passphrase.c_str();
  while ((rc = libssh2_userauth_publickey_fromfile_ex(session_, user_.c_str(), static_cast<unsigned>(user_.size()),
                                                      pub, keys.private_key.c_str(), pass)) == LIBSSH2_ERROR_EAGAIN)
    if (!wait_socket(deadline)) return fail_remote("ssh authentication: timed out");
  if (rc != 0) return fail_remote("authenticate as " + user_ + " with " + keys.private_key + ": " + last_error());
  return {};
}

bool SshSession::wait_socket(Clock::time_point deadline) {
  int dir = libssh2_session_block_directions(session_);
  short events = 0;
  if (dir & LIBSSH2_SESSION_BLOCK_INBOUND) events |= POLLIN;
  if (dir & LIBSSH2_SESSION_BLOCK_OUTBOUND) events |= POLLOUT;
  if (events == 0) events = POLLIN;
  pollfd p{fd_, events, 0};
  for (;;) {
    int n = poll(&p, 1, ms_left(deadline));
    if (n < 0 && errno == EINTR) continue;
    if (n == 0) return false;
    return true;
  }
}

std::string SshSession::last_error() const {
  char* msg = nullptr;
  int len = 0;
  int rc = libssh2_session_last_error(session_, &msg, &len, 0);
  std::string text = msg && len > 0 ? std::string(msg, static_cast<std::size_t>(len)) : "error";
  return text + " (libssh2 " + std::to_string(rc) + ")";
}

void SshSession::free_channel(LIBSSH2_CHANNEL* channel) {
  if (!usable_) return;  // freed with the session
  auto deadline = Clock::now() + std::chrono::seconds(2);
  while (libssh2_channel_free(channel) == LIBSSH2_ERROR_EAGAIN) {
    if (!wait_socket(deadline)) {
      usable_ = false;
      return;
    }
  }
}

SshSession::Outcome SshSession::broken(std::string what, bool not_started) {
  usable_ = false;
  return Outcome{fail_remote(label_ + ": " + what), not_started};
}

SshSession::Outcome SshSession::exec(const std::string& command_text, const Command& cmd) {
  auto deadline = Clock::now() + cmd.timeout;
  ProcessResult result;
  auto timed_out = [&] {
    usable_ = false;
    result.timed_out = true;
    result.exit_code = 124;
    return Outcome{result, false};
  };
  LIBSSH2_CHANNEL* ch = nullptr;
  while (!(ch = libssh2_channel_open_session(session_))) {
    int rc = libssh2_session_last_errno(session_);
    if (rc != LIBSSH2_ERROR_EAGAIN) return broken("open channel: " + last_error(), true);
    if (!wait_socket(deadline)) return broken("open channel: no answer in time", false);
  }
  int rc;
  while ((rc = libssh2_channel_process_startup(ch, "exec", 4, command_text.data(),
                                               static_cast<unsigned>(command_text.size()))) == LIBSSH2_ERROR_EAGAIN)
    if (!wait_socket(deadline)) return timed_out();
  if (rc != 0) {
    if (is_transport_error(rc)) return broken("exec: " + last_error(), false);
    auto why = last_error();
    free_channel(ch);
    return Outcome{fail_remote(label_ + ": exec: " + why), false};
  }
  if (auto io = pump(ch, cmd, deadline, result); !io) {
    if (result.timed_out) return timed_out();
    return broken(io.error().message, false);
  }
  while ((rc = libssh2_channel_close(ch)) == LIBSSH2_ERROR_EAGAIN)
    if (!wait_socket(deadline)) return timed_out();
  while ((rc = libssh2_channel_wait_closed(ch)) == LIBSSH2_ERROR_EAGAIN)
    if (!wait_socket(deadline)) return timed_out();
  result.exit_code = libssh2_channel_get_exit_status(ch);
  char* signal = nullptr;
  std::size_t signal_len = 0;
  libssh2_channel_get_exit_signal(ch, &signal, &signal_len, nullptr, nullptr, nullptr, nullptr);
  if (signal) {
    result.exit_code = 128 + signal_number(std::string_view(signal, signal_len));
    libssh2_free(session_, signal);
  }
  free_channel(ch);
  return Outcome{result, false};
}

Status SshSession::pump(LIBSSH2_CHANNEL* ch, const Command& cmd, Clock::time_point deadline, ProcessResult& result) {
  char buf[32768];
  std::string chunk(cmd.stdin_source ? 65536 : 0, '\0');
  std::string_view pending = cmd.stdin_source ? std::string_view() : std::string_view(cmd.stdin_data);
  bool in_done = pending.empty() && !cmd.stdin_source;
  bool eof_sent = false;
  for (;;) {
    bool progress = false;
    for (int stream : {0, SSH_EXTENDED_DATA_STDERR}) {
      for (;;) {
        auto n = libssh2_channel_read_ex(ch, stream, buf, sizeof buf);
        if (n == 0 || n == LIBSSH2_ERROR_EAGAIN) break;
        if (n < 0) return fail_remote("read output: " + last_error());
        std::string_view got(buf, static_cast<std::size_t>(n));
        if (cmd.on_output) cmd.on_output(stream == 0, got);
        else (stream == 0 ? result.out : result.err).append(got);
        progress = true;
      }
    }
    if (!in_done && pending.empty() && cmd.stdin_source) {
      long n = cmd.stdin_source(chunk.data(), chunk.size());
      if (n < 0) return fail_remote("reading the input of the command failed");
      if (n == 0) in_done = true;
      else pending = std::string_view(chunk.data(), static_cast<std::size_t>(n));
    }
    if (!in_done && !pending.empty()) {
      auto w = libssh2_channel_write(ch, pending.data(), pending.size());
      if (w > 0) {
        pending.remove_prefix(static_cast<std::size_t>(w));
        progress = true;
        in_done = pending.empty() && !cmd.stdin_source;
      } else if (w != LIBSSH2_ERROR_EAGAIN) {
        if (is_transport_error(static_cast<int>(w))) return fail_remote("write input: " + last_error());
        in_done = true;  // the command closed its input; its output still counts
      }
    }
    if (in_done && !eof_sent) {
      int rc = libssh2_channel_send_eof(ch);
      if (rc != LIBSSH2_ERROR_EAGAIN) {
        if (rc != 0 && is_transport_error(rc)) return fail_remote("send eof: " + last_error());
        eof_sent = true;
        progress = true;
      }
    }
    if (libssh2_channel_eof(ch)) return {};
    bool late = Clock::now() >= deadline;
    if (late || (!progress && !wait_socket(deadline))) {
      result.timed_out = true;
      return fail_remote("timed out");
    }
  }
}

}  // namespace quarry
