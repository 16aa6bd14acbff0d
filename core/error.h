// Errors as values. Every fallible function returns Result<T> (std::expected);
// nothing throws across a module boundary. An Error carries a message that
// gains context on its way up ("deploy blog: server s1: ssh: timed out") and
// a kind that maps to the CLI's exit code.
#pragma once

#include <expected>
#include <string>
#include <string_view>
#include <utility>

namespace quarry {

// Kinds map one-to-one to exit codes (README, "Exit codes").
enum class ErrorKind {
  User = 1,    // bad manifest, unknown stack, invalid argument
  Usage = 2,   // bad command line
  Remote = 3,  // ssh, docker, nginx, cloud or other infrastructure failure
};

struct Error {
  std::string message;
  ErrorKind kind = ErrorKind::User;

  // Returns a copy with "what: " in front of the message, same kind.
  [[nodiscard]] Error context(std::string_view what) const {
    return Error{std::string(what) + ": " + message, kind};
  }
  int exit_code() const { return static_cast<int>(kind); }
};

template <class T>
using Result = std::expected<T, Error>;
using Status = std::expected<void, Error>;

inline std::unexpected<Error> fail(std::string message, ErrorKind kind = ErrorKind::User) {
  return std::unexpected<Error>(Error{std::move(message), kind});
}
inline std::unexpected<Error> fail_remote(std::string message) {
  return fail(std::move(message), ErrorKind::Remote);
}
inline std::unexpected<Error> fail(Error e) { return std::unexpected<Error>(std::move(e)); }

// Adds context to the error of a Result, passing a value through unchanged.
template <class T>
Result<T> with_context(Result<T> r, std::string_view what) {
  if (!r) return std::unexpected<Error>(r.error().context(what));
  return r;
}

}  // namespace quarry
