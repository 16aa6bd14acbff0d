// An exclusive lock on a file (flock). The kernel releases it when the holder
// dies, so a crashed holder never leaves a lock stuck. The holder writes a
// one-line description of itself into the file so that a waiter can say who
// it waits for.
#pragma once

#include <chrono>
#include <functional>
#include <optional>
#include <string>

#include "core/error.h"

namespace quarry {

class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  // Takes the lock at `path`, waiting at most `timeout` (forever if unset).
  // `holder` is recorded in the file while held. `on_wait` is called once,
  // with the current holder's description, if the lock is busy.
  static Result<FileLock> acquire(const std::string& path, const std::string& holder,
                                  std::optional<std::chrono::milliseconds> timeout = std::nullopt,
                                  const std::function<void(const std::string&)>& on_wait = {});

  // Non-blocking: nullopt when someone else holds it.
  static Result<std::optional<FileLock>> try_acquire(const std::string& path, const std::string& holder);

  bool held() const { return fd_ >= 0; }
  void release();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

}  // namespace quarry
