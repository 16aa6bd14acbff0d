#include "hq/process_deploy_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <thread>

#include "core/file_io.h"
#include "hq/receive.h"

namespace quarry {

namespace {

// "20261130T174501.123456789Z-0123456789ab.log": names sort by time, also
// for two deploys within one second.
std::string log_name(const std::string& commit) {
  timespec now{};
  clock_gettime(CLOCK_REALTIME, &now);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%S", std::gmtime(&now.tv_sec));
  char nanos[16];
  std::snprintf(nanos, sizeof nanos, ".%09ldZ", static_cast<long>(now.tv_nsec));
  return std::string(stamp) + nanos + "-" + commit.substr(0, 12) + ".log";
}

std::vector<std::string> deploy_logs(const std::string& dir) {
  std::vector<std::string> out;
  for (const auto& name : list_dir(dir)) {
    if (name.ends_with(".log")) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

void prune_logs(const std::string& dir) {
  auto logs = deploy_logs(dir);
  if (logs.size() <= kDeployLogsKept) return;
  for (std::size_t i = 0; i + kDeployLogsKept < logs.size(); ++i) (void)remove_all(dir + "/" + logs[i]);
}

// The child: its own session, deaf to the push's hang-up, writing only to
// the log. Never returns.
[[noreturn]] void exec_detached(const Argv& argv, const std::string& cwd, int log_fd) {
  setsid();
  signal(SIGHUP, SIG_IGN);   // ignored dispositions survive exec
  signal(SIGPIPE, SIG_IGN);
  int null_fd = open("/dev/null", O_RDONLY);
  if (null_fd >= 0) dup2(null_fd, 0);
  dup2(log_fd, 1);
  dup2(log_fd, 2);
  if (!cwd.empty() && chdir(cwd.c_str()) != 0) _exit(126);
  std::vector<char*> args;
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  execvp(args[0], args.data());
  dprintf(2, "quarry: cannot run %s: %s\n", args[0], std::strerror(errno));
  _exit(127);
}

// Passes whole lines of `buf` on; keeps an unterminated tail unless `all`.
void emit_lines(std::string& buf, bool all, const std::function<void(std::string_view)>& progress) {
  std::size_t start = 0, nl;
  while ((nl = buf.find('\n', start)) != std::string::npos) {
    if (progress) progress(std::string_view(buf).substr(start, nl - start));
    start = nl + 1;
  }
  buf.erase(0, start);
  if (all && !buf.empty()) {
    if (progress) progress(buf);
    buf.clear();
  }
}

// Reads what the log gained since the last call into `buf`.
void read_more(int fd, std::string& buf) {
  char chunk[8192];
  ssize_t n;
  while ((n = read(fd, chunk, sizeof chunk)) > 0) buf.append(chunk, static_cast<std::size_t>(n));
}

}  // namespace

Argv ProcessDeployRunner::command(const PushDeployRequest& r) const {
  return {program_, "--home", home_, "deploy", "-f", r.src_dir + "/" + kManifestFile, "--name", r.stack,
          "--commit", r.commit, "--by", r.pushed_by};
}

std::string newest_deploy_log(const std::string& log_dir) {
  auto logs = deploy_logs(log_dir);
  return logs.empty() ? std::string() : log_dir + "/" + logs.back();
}

Status ProcessDeployRunner::deploy(const PushDeployRequest& request) {
  if (request.log_dir.empty()) return fail("deploy of " + request.stack + ": no log directory given");
  if (auto s = make_dirs(request.log_dir, 0700); !s) return s;
  prune_logs(request.log_dir);
  std::string path = request.log_dir + "/" + log_name(request.commit);
  int log_fd = open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_APPEND | O_CLOEXEC, 0600);
  if (log_fd < 0) return fail_remote("create " + path + ": " + std::strerror(errno));
  int read_fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (read_fd < 0) {
    close(log_fd);
    return fail_remote("open " + path + ": " + std::strerror(errno));
  }
  // This process too must outlive a pusher who hangs up: it still has to
  // wait for the deploy and let git accept the refs.
  signal(SIGPIPE, SIG_IGN);
  signal(SIGHUP, SIG_IGN);
  auto argv = command(request);
  pid_t pid = fork();
  if (pid < 0) {
    close(log_fd);
    close(read_fd);
    return fail_remote(std::string("fork: ") + std::strerror(errno));
  }
  if (pid == 0) exec_detached(argv, request.src_dir, log_fd);
  close(log_fd);
  if (request.progress) request.progress("deploy log: " + path);
  std::string buf;
  int status = 0;
  for (;;) {
    read_more(read_fd, buf);
    emit_lines(buf, false, request.progress);
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) break;
    if (done < 0 && errno != EINTR) {
      close(read_fd);
      return fail_remote(std::string("waitpid: ") + std::strerror(errno));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  read_more(read_fd, buf);
  emit_lines(buf, true, request.progress);
  close(read_fd);
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + (WIFSIGNALED(status) ? WTERMSIG(status) : 0);
  if (code != 0) return fail_remote(shell_join(argv) + ": exit " + std::to_string(code) + " (log: " + path + ")");
  return {};
}

}  // namespace quarry
