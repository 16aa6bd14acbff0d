#include "core/subprocess.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <vector>

#include "core/text.h"

extern char** environ;

namespace quarry {

namespace {

void set_cloexec(int fd) { fcntl(fd, F_SETFD, FD_CLOEXEC); }

std::string tail_lines(const std::string& s, std::size_t n) {
  auto lines = split_lines(s);
  if (lines.size() > n) lines.erase(lines.begin(), lines.end() - static_cast<long>(n));
  return join(lines, "\n");
}

}  // namespace

Result<ProcessResult> run_process(const Argv& argv, const ProcessOptions& options) {
  if (argv.empty()) return fail("run_process: empty argv", ErrorKind::Usage);
  int in[2], out[2], err[2];
  if (pipe(in) || pipe(out) || pipe(err)) return fail_remote(std::string("pipe: ") + strerror(errno));
  for (int fd : {in[0], in[1], out[0], out[1], err[0], err[1]}) set_cloexec(fd);

  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    auto key = kv.substr(0, kv.find('='));
    if (!options.env.count(key)) env_store.push_back(kv);
  }
  for (const auto& [k, v] : options.env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);

  pid_t pid = fork();
  if (pid < 0) return fail_remote(std::string("fork: ") + strerror(errno));
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    setpgid(0, 0);
    close_fds_from(3);
    if (!options.cwd.empty() && chdir(options.cwd.c_str()) != 0) _exit(127);
    environ = envp.data();
    execvp(args[0], args.data());
    dprintf(2, "cannot run %s: %s\n", args[0], strerror(errno));
    _exit(127);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);

  ProcessResult result;
  std::size_t written = 0;
  int stdin_fd = in[1];
  if (options.stdin_data.empty()) {
    close(stdin_fd);
    stdin_fd = -1;
  } else {
    fcntl(stdin_fd, F_SETFL, O_NONBLOCK);
  }
  auto deadline = options.timeout ? std::optional(std::chrono::steady_clock::now() + *options.timeout)
                                  : std::nullopt;
  int open_fds = 2;
  int fds[2] = {out[0], err[0]};
  char buf[65536];
  while (open_fds > 0 || stdin_fd >= 0) {
    std::vector<pollfd> pfds;
    for (int fd : fds) if (fd >= 0) pfds.push_back({fd, POLLIN, 0});
    if (stdin_fd >= 0) pfds.push_back({stdin_fd, POLLOUT, 0});
    int wait_ms = -1;
    if (deadline) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline - std::chrono::steady_clock::now());
      wait_ms = left.count() > 0 ? static_cast<int>(left.count()) : 0;
    }
    int n = poll(pfds.data(), pfds.size(), wait_ms);
    if (n < 0 && errno == EINTR) continue;
    if (n == 0 && deadline) {
      kill(-pid, SIGKILL);
      result.timed_out = true;
      break;
    }
    for (auto& p : pfds) {
      if (!p.revents) continue;
      if (p.fd == stdin_fd) {
        auto w = write(stdin_fd, options.stdin_data.data() + written, options.stdin_data.size() - written);
        if (w > 0) written += static_cast<std::size_t>(w);
        if (w < 0 && errno != EAGAIN) written = options.stdin_data.size();
        if (written >= options.stdin_data.size()) {
          close(stdin_fd);
          stdin_fd = -1;
        }
        continue;
      }
      auto r = read(p.fd, buf, sizeof buf);
      bool is_out = p.fd == fds[0];
      if (r <= 0) {
        close(p.fd);
        (is_out ? fds[0] : fds[1]) = -1;
        --open_fds;
        continue;
      }
      std::string_view chunk(buf, static_cast<std::size_t>(r));
      if (options.on_output) options.on_output(is_out, chunk);
      else (is_out ? result.out : result.err).append(chunk);
    }
  }
  for (int fd : fds) if (fd >= 0) close(fd);
  if (stdin_fd >= 0) close(stdin_fd);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {}
  if (result.timed_out) result.exit_code = 124;
  else if (WIFEXITED(status)) result.exit_code = WEXITSTATUS(status);
  else if (WIFSIGNALED(status)) result.exit_code = 128 + WTERMSIG(status);
  return result;
}

Result<ProcessResult> run_checked(const Argv& argv, const ProcessOptions& options) {
  auto r = run_process(argv, options);
  if (!r) return r;
  if (r->ok()) return r;
  std::string msg = shell_join(argv) + (r->timed_out ? ": timed out" : ": exit " + std::to_string(r->exit_code));
  auto tail = tail_lines(trim(r->err).empty() ? r->out : r->err, 5);
  if (!tail.empty()) msg += ": " + tail;
  return fail_remote(msg);
}

bool have_program(const std::string& name) {
  const char* path = getenv("PATH");
  if (!path) return false;
  for (const auto& dir : split(path, ':')) {
    auto full = (dir.empty() ? std::string(".") : dir) + "/" + name;
    if (access(full.c_str(), X_OK) == 0) return true;
  }
  return false;
}

void close_fds_from(int lowest) {
  if (syscall(SYS_close_range, lowest, ~0U, 0) == 0) return;
  long max = sysconf(_SC_OPEN_MAX);
  for (int fd = lowest; fd < max; ++fd) close(fd);
}

}  // namespace quarry
