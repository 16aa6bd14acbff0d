#include "core/file_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <thread>

#include "core/file_io.h"

namespace quarry {

FileLock::FileLock(FileLock&& other) noexcept : fd_(other.fd_) { other.fd_ = -1; }

FileLock& FileLock::operator=(FileLock&& other) noexcept {
  if (this != &other) {
    release();
    fd_ = other.fd_;
    other.fd_ = -1;
  }
  return *this;
}

FileLock::~FileLock() { release(); }

void FileLock::release() {
  if (fd_ < 0) return;
  if (ftruncate(fd_, 0) != 0) {
    // The description is advisory; the lock itself is released below.
  }
  flock(fd_, LOCK_UN);
  close(fd_);
  fd_ = -1;
}

namespace {
Result<int> open_lock_file(const std::string& path) {
  auto slash = path.rfind('/');
  if (slash != std::string::npos && slash > 0) {
    if (auto s = make_dirs(path.substr(0, slash)); !s) return std::unexpected(s.error());
  }
  int fd = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
  if (fd < 0) return fail(path + ": " + strerror(errno));
  return fd;
}

void record_holder(int fd, const std::string& holder) {
  std::string line = holder + " (pid " + std::to_string(getpid()) + ")\n";
  if (ftruncate(fd, 0) == 0) {
    if (pwrite(fd, line.data(), line.size(), 0) < 0) {
      // Advisory only.
    }
  }
}
}  // namespace

Result<std::optional<FileLock>> FileLock::try_acquire(const std::string& path, const std::string& holder) {
  auto fd = open_lock_file(path);
  if (!fd) return std::unexpected(fd.error());
  if (flock(*fd, LOCK_EX | LOCK_NB) != 0) {
    close(*fd);
    if (errno == EWOULDBLOCK) return std::optional<FileLock>{};
    return fail(path + ": flock: " + strerror(errno));
  }
  record_holder(*fd, holder);
  return std::optional<FileLock>(FileLock(*fd));
}

Result<FileLock> FileLock::acquire(const std::string& path, const std::string& holder,
                                   std::optional<std::chrono::milliseconds> timeout,
                                   const std::function<void(const std::string&)>& on_wait) {
  auto start = std::chrono::steady_clock::now();
  bool told = false;
  auto pause = std::chrono::milliseconds(5);
  while (true) {
    auto got = try_acquire(path, holder);
    if (!got) return std::unexpected(got.error());
    if (*got) return std::move(**got);
    if (!told && on_wait) {
      auto who = read_file(path);
      std::string text = who ? *who : std::string("another process");
      while (!text.empty() && text.back() == '\n') text.pop_back();
      on_wait(text.empty() ? "another process" : text);
      told = true;
    }
    if (timeout && std::chrono::steady_clock::now() - start > *timeout) {
      return fail(path + ": lock is held by another process (timed out)", ErrorKind::Remote);
    }
    std::this_thread::sleep_for(pause);
    pause = std::min(pause * 2, std::chrono::milliseconds(200));
  }
}

}  // namespace quarry
