#include "core/process_stream.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <vector>

#include "core/file_io.h"
#include "core/text.h"

extern char** environ;

namespace quarry {

ProcessStream::~ProcessStream() {
  if (out_ >= 0) close(out_);
  if (pid_ > 0) {
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
  }
  if (!err_path_.empty()) unlink(err_path_.c_str());
}

Result<std::unique_ptr<ProcessStream>> ProcessStream::start(const Argv& argv, const std::map<std::string, std::string>& env) {
  if (argv.empty()) return fail("ProcessStream: empty argv", ErrorKind::Usage);
  auto s = std::unique_ptr<ProcessStream>(new ProcessStream());
  s->what_ = shell_join(argv);
  char tmpl[] = "/tmp/quarry-stream-err.XXXXXX";
  int err_fd = mkstemp(tmpl);
  if (err_fd < 0) return fail_remote(std::string("mkstemp: ") + strerror(errno));
  s->err_path_ = tmpl;
  int p[2];
  if (pipe2(p, O_CLOEXEC) != 0) {
    close(err_fd);
    return fail_remote(std::string("pipe: ") + strerror(errno));
  }
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.count(kv.substr(0, kv.find('=')))) env_store.push_back(kv);
  }
  for (const auto& [k, v] : env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& e : env_store) envp.push_back(e.data());
  envp.push_back(nullptr);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return fail_remote(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    int devnull = open("/dev/null", O_RDONLY);
    dup2(devnull, 0);
    dup2(p[1], 1);
    dup2(err_fd, 2);
    environ = envp.data();
    execvp(args[0], args.data());
    _exit(127);
  }
  close(p[1]);
  close(err_fd);
  s->pid_ = pid;
  s->out_ = p[0];
  return s;
}

long ProcessStream::read(char* buf, std::size_t len) {
  while (true) {
    auto n = ::read(out_, buf, len);
    if (n < 0 && errno == EINTR) continue;
    return static_cast<long>(n);
  }
}

Status ProcessStream::finish() {
  if (out_ >= 0) {
    close(out_);
    out_ = -1;
  }
  int status = 0;
  if (pid_ > 0) {
    while (waitpid(pid_, &status, 0) < 0 && errno == EINTR) {}
    pid_ = -1;
  }
  auto err = read_file(err_path_);
  unlink(err_path_.c_str());
  err_path_.clear();
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return {};
  std::string msg = what_ + ": exit " + std::to_string(WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status));
  if (err && !trim(*err).empty()) msg += ": " + trim(*err);
  return fail_remote(msg);
}

}  // namespace quarry
