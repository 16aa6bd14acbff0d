#include "tests/e2e/control/serve_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <thread>

namespace quarry {

Status ServeProcess::start() {
  if (pid_ > 0) return {};
  pid_t pid = fork();
  if (pid < 0) return fail("fork failed");
  if (pid == 0) {
    int fd = open(log_.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    execl(binary_.c_str(), binary_.c_str(), "--home", home_.c_str(), "hq", "serve", static_cast<char*>(nullptr));
    _exit(127);
  }
  pid_ = pid;
  return {};
}

void ServeProcess::end(int sig, int wait_ms) {
  if (pid_ <= 0) return;
  kill(pid_, sig);
  for (int waited = 0; waited < wait_ms; waited += 50) {
    if (waitpid(pid_, nullptr, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  kill(pid_, SIGKILL);
  waitpid(pid_, nullptr, 0);
  pid_ = -1;
}

void ServeProcess::stop() { end(SIGTERM, 10000); }
void ServeProcess::crash() { end(SIGKILL, 5000); }

}  // namespace quarry
