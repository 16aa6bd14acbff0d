#include "tests/e2e/run/docker_lab.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <memory>
#include <thread>

#include "core/file_io.h"
#include "core/text.h"

extern char** environ;

namespace quarry {

namespace {

std::string log_tail(const std::string& path) {
  auto text = read_file(path);
  if (!text) return "";
  auto lines = split_lines(*text);
  std::size_t from = lines.size() > 8 ? lines.size() - 8 : 0;
  return join(std::vector<std::string>(lines.begin() + static_cast<long>(from), lines.end()), "\n");
}

pid_t spawn_with(const Argv& argv, const std::string& log_path, const std::map<std::string, std::string>& env) {
  std::vector<std::string> env_store;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (!env.count(kv.substr(0, kv.find('=')))) env_store.push_back(kv);
  }
  for (const auto& [k, v] : env) env_store.push_back(k + "=" + v);
  std::vector<char*> envp, args;
  for (auto& s : env_store) envp.push_back(s.data());
  envp.push_back(nullptr);
  for (const auto& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid = fork();
  if (pid < 0) return 0;
  if (pid == 0) {
    setpgid(0, 0);
    int fd = open(log_path.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    int null_fd = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
      dup2(fd, 1);
      dup2(fd, 2);
    }
    if (null_fd >= 0) dup2(null_fd, 0);
    execvpe(args[0], args.data(), envp.data());
    _exit(127);
  }
  return pid;
}

}  // namespace

Result<std::unique_ptr<DockerLab>> DockerLab::start(const std::string& name_prefix) {
  std::unique_ptr<DockerLab> lab(new DockerLab());
  auto dir = make_temp_dir(name_prefix);
  if (!dir) return std::unexpected(dir.error());
  lab->dir_ = *dir;
  lab->netns_ = name_prefix + "-" + std::to_string(getpid());
  auto add = run_checked({"ip", "netns", "add", lab->netns_});
  if (!add) return std::unexpected(add.error());
  auto lo = run_checked({"ip", "netns", "exec", lab->netns_, "ip", "link", "set", "lo", "up"});
  if (!lo) return std::unexpected(lo.error());
  // A private address pool: the lab's networks never meet another engine's.
  int octet = 200 + static_cast<int>(getpid() % 50);
  std::string log = lab->dir_ + "/dockerd.log";
  lab->dockerd_ = spawn_with(
      lab->in_ns({"dockerd", "--data-root", lab->dir_ + "/data", "--exec-root", lab->dir_ + "/exec", "--pidfile",
                  lab->dir_ + "/dockerd.pid", "-H", lab->docker_host(), "--iptables=false", "--ip-masq=false",
                  "--bridge=none", "--default-address-pool",
                  "base=10." + std::to_string(octet) + ".0.0/16,size=24"}),
      log, {});
  if (!lab->dockerd_) return fail_remote("could not start dockerd");
  for (int i = 0; i < 150; ++i) {
    auto v = run_process({"docker", "-H", lab->docker_host(), "version", "--format", "{{.Server.Version}}"});
    if (v && v->ok()) return lab;
    int status = 0;
    if (waitpid(lab->dockerd_, &status, WNOHANG) == lab->dockerd_) {
      lab->dockerd_ = 0;
      return fail_remote("dockerd exited at start:\n" + log_tail(log));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return fail_remote("dockerd did not answer within 15s:\n" + log_tail(log));
}

DockerLab::~DockerLab() { stop(); }

void DockerLab::stop() {
  if (dockerd_ > 0) {
    // Containers first, so that dockerd has nothing to wait for.
    auto ids = docker({"ps", "--all", "--quiet"});
    for (const auto& id : split_lines(ids)) {
      if (!trim(id).empty()) (void)run_process({"docker", "-H", docker_host(), "rm", "--force", trim(id)});
    }
    kill(dockerd_, SIGTERM);
    if (wait_exit(dockerd_, 20) == -1) {
      kill(dockerd_, SIGKILL);
      (void)wait_exit(dockerd_, 5);
    }
    dockerd_ = 0;
  }
  if (!dir_.empty()) {
    // Mounts the engine left (overlay layers, network namespaces), deepest first.
    auto mounts = read_file("/proc/mounts");
    std::vector<std::string> ours;
    if (mounts) {
      for (const auto& line : split_lines(*mounts)) {
        auto fields = split(line, ' ');
        if (fields.size() > 1 && starts_with(fields[1], dir_ + "/")) ours.push_back(fields[1]);
      }
    }
    std::sort(ours.begin(), ours.end(), [](const auto& a, const auto& b) { return a.size() > b.size(); });
    for (const auto& m : ours) (void)run_process({"umount", "-l", m});
    (void)remove_all(dir_);
    dir_.clear();
  }
  if (!netns_.empty()) {
    (void)run_process({"ip", "netns", "del", netns_});
    netns_.clear();
  }
}

Argv DockerLab::in_ns(const Argv& argv) const {
  Argv out = {"nsenter", "--net=" + netns_path()};
  out.insert(out.end(), argv.begin(), argv.end());
  return out;
}

ProcessResult DockerLab::run(const Argv& argv, const std::map<std::string, std::string>& env) const {
  ProcessOptions o;
  o.env = env;
  o.env["DOCKER_HOST"] = docker_host();
  o.timeout = std::chrono::minutes(5);
  auto r = run_process(in_ns(argv), o);
  if (!r) return ProcessResult{127, "", r.error().message, false};
  return *r;
}

std::string DockerLab::docker(const Argv& args) const {
  Argv argv = {"docker", "-H", docker_host()};
  argv.insert(argv.end(), args.begin(), args.end());
  auto r = run_process(argv);
  return r ? trim(r->out) : "";
}

pid_t DockerLab::spawn(const Argv& argv, const std::string& log_path,
                       const std::map<std::string, std::string>& env) const {
  auto e = env;
  e["DOCKER_HOST"] = docker_host();
  return spawn_with(in_ns(argv), log_path, e);
}

int DockerLab::wait_exit(pid_t pid, int timeout_s) {
  for (int i = 0; i < timeout_s * 10; ++i) {
    int status = 0;
    pid_t r = waitpid(pid, &status, WNOHANG);
    if (r == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    if (r < 0) return -2;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return -1;
}

}  // namespace quarry
