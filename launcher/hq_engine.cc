#include "launcher/hq_engine.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"

namespace quarry {

namespace {
pid_t read_pid(const std::string& path) {
  auto text = read_file(path);
  if (!text) return -1;
  try {
    return static_cast<pid_t>(std::stol(trim(*text)));
  } catch (...) {
    return -1;
  }
}

bool answers(const std::map<std::string, std::string>& env) {
  ProcessOptions o;
  o.env = env;
  o.timeout = std::chrono::seconds(5);
  auto r = run_process({"docker", "version", "--format", "{{.Server.Version}}"}, o);
  return r && r->ok();
}
}  // namespace

bool HqEngine::running() const {
  pid_t pid = read_pid(pid_path());
  // EPERM: the engine is root's and this is the HQ's git account; it runs.
  return pid > 0 && (kill(pid, 0) == 0 || errno == EPERM);
}

std::map<std::string, std::string> HqEngine::client_env() const {
  if (const char* host = std::getenv("QUARRY_BUILD_DOCKER_HOST"); host && *host) {
    return {{"DOCKER_HOST", host}, {"DOCKER_BUILDKIT", "0"}};
  }
  return {{"DOCKER_HOST", "unix://" + socket_path()}, {"DOCKER_BUILDKIT", "0"}};
}

Result<std::map<std::string, std::string>> HqEngine::ensure() {
  auto env = client_env();
  if (const char* host = std::getenv("QUARRY_BUILD_DOCKER_HOST"); host && *host) {
    if (!answers(env)) return fail_remote(std::string("the build engine at ") + host + " does not answer");
    return env;
  }
  bool alive = running();
  if (alive && answers(env)) return env;
  if (alive && geteuid() != 0) {
    return fail_remote("the HQ build engine runs but " + socket_path() +
                       " does not answer this account: it must be in the docker group (quarry hq init adds it)");
  }
  if (geteuid() != 0) {
    // A push runs as the HQ's git account, which may use the engine (docker
    // group) but cannot start a dockerd.
    return fail_remote("the HQ build engine (" + socket_path() + ") is not running and starting it needs root: " +
                       "run `quarry hq init` as root");
  }
  if (!have_program("dockerd")) {
    return fail_remote("dockerd is not installed on the HQ (run scripts/install-deps)");
  }
  // Traversable, not listable: the git account reaches the socket (group
  // docker, mode 0660, dockerd's default); the data below stays root's.
  if (auto s = make_dirs(dir_, 0711); !s) return std::unexpected(s.error());
  chmod(dir_.c_str(), 0711);
  // setsid: the engine outlives this command, as a daemon should.
  std::string log = dir_ + "/dockerd.log";
  auto started = run_process({"sh", "-c",
                              "setsid \"$@\" >\"$0\" 2>&1 </dev/null &", log, "dockerd", "--data-root", dir_ + "/data",
                              "--exec-root", dir_ + "/exec", "--pidfile", pid_path(), "-H", "unix://" + socket_path(),
                              "--bridge", "none", "--iptables=false", "--ip-masq=false"});
  if (!started || !started->ok()) return fail_remote("could not start the HQ build engine (dockerd)");
  for (int i = 0; i < 300; ++i) {
    if (answers(env)) return env;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  auto tail = read_file(log);
  auto lines = split_lines(tail ? *tail : "");
  if (lines.size() > 5) lines.erase(lines.begin(), lines.end() - 5);
  return fail_remote("the HQ build engine did not start within 30s: " + join(lines, "\n"));
}

Status HqEngine::stop() {
  pid_t pid = read_pid(pid_path());
  if (pid <= 0 || kill(pid, 0) != 0) return {};
  kill(pid, SIGTERM);
  for (int i = 0; i < 150 && kill(pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  if (kill(pid, 0) == 0) kill(pid, SIGKILL);
  return {};
}

}  // namespace quarry
