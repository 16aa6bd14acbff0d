#include "tests/e2e/deploy/e2e_cluster.h"

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <thread>

#include "core/file_io.h"
#include "core/text.h"

namespace quarry::e2e {

namespace {

Status checked(const Argv& argv, std::chrono::seconds timeout = std::chrono::seconds(60)) {
  ProcessOptions o;
  o.timeout = timeout;
  auto r = run_process(argv, o);
  if (!r) return std::unexpected(r.error());
  if (!r->ok()) return fail(shell_join(argv) + ": exit " + std::to_string(r->exit_code) + ": " + trim(r->err + r->out));
  return {};
}

Result<pid_t> read_pid(const std::string& file) {
  auto text = read_file(file);
  if (!text) return std::unexpected(text.error());
  pid_t pid = static_cast<pid_t>(std::atoi(trim(*text).c_str()));
  if (pid <= 1) return fail(file + ": no pid");
  return pid;
}

}  // namespace

std::string TestCluster::missing_prerequisite() {
  if (geteuid() != 0) return "needs root";
  const char* bin = std::getenv("QUARRY_BIN");
  if (!bin || !*bin || !path_exists(bin)) return "QUARRY_BIN is not set";
  const char* src = std::getenv("QUARRY_SOURCE_DIR");
  if (!src || !path_exists(std::string(src) + "/examples/hello/hello")) return "the example's hello binary is not built";
  for (const char* p : {"/usr/sbin/sshd", "/usr/sbin/nginx"}) {
    if (!path_exists(p)) return std::string("no ") + p;
  }
  for (const char* p : {"dockerd", "docker", "curl", "ssh-keygen", "ip"}) {
    if (!have_program(p)) return std::string("no ") + p;
  }
  return "";
}

Status TestCluster::start(int workers, int worker_memory_mb, const std::string& grid_settings_json, bool with_router) {
  auto dir = make_temp_dir("qe");
  if (!dir) return std::unexpected(dir.error());
  root_ = *dir;
  chmod(root_.c_str(), 0755);
  home_ = root_ + "/h";
  app_ = root_ + "/app";
  bin_ = std::getenv("QUARRY_BIN");
  std::string src = std::string(std::getenv("QUARRY_SOURCE_DIR")) + "/examples/hello";
  if (auto s = make_dirs(home_ + "/etc", 0755); !s) return s;
  if (auto s = make_dirs(app_, 0755); !s) return s;
  for (const char* f : {"hello", "Dockerfile", "quarry.yml"}) {
    if (auto s = checked({"cp", "-p", src + "/" + f, app_ + "/" + f}); !s) return s;
  }
  if (auto s = write_file_atomic(home_ + "/etc/grid.json", grid_settings_json); !s) return s;
  if (with_router) {
    if (auto s = quarry_ok({"servers", "add", "--role", "router", "--memory", "512"}); !s) return s;
  }
  if (auto s = quarry_ok({"servers", "add", "-n", std::to_string(workers), "--memory", std::to_string(worker_memory_mb)});
      !s) {
    return s;
  }
  return load_servers(with_router);
}

TestCluster::~TestCluster() {
  if (home_.empty()) return;
  if (path_exists(home_ + "/keys")) (void)quarry({"cluster", "down"});
  (void)remove_all(root_);
}

ProcessResult TestCluster::quarry(const Argv& args) const {
  Argv argv = {bin_, "--home", home_};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions o;
  o.timeout = std::chrono::minutes(5);
  auto r = run_process(argv, o);
  if (!r) return ProcessResult{127, "", r.error().message, false};
  return *r;
}

Status TestCluster::quarry_ok(const Argv& args) const {
  auto r = quarry(args);
  if (r.ok()) return {};
  return fail("quarry " + shell_join(args) + ": exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out +
              "\nstderr:\n" + r.err);
}

Status TestCluster::write_manifest(const std::string& text) const { return write_file_atomic(manifest(), text); }

Status TestCluster::load_servers(bool with_router) {
  auto r = quarry({"servers", "--json"});
  if (!r.ok()) return fail("quarry servers --json: " + r.err);
  try {
    for (const auto& j : nlohmann::json::parse(r.out)) {
      ServerInfo s;
      s.id = j.at("id").get<std::string>();
      s.ip = j.at("ip").get<std::string>();
      s.netns = j.value("provider_ref", std::string());
      if (s.netns.empty()) s.netns = s.id;
      s.dir = home_ + "/cloud/local/servers/" + s.netns;
      for (const auto& t : j.value("tags", nlohmann::json::array())) s.router |= t.get<std::string>() == "role=router";
      if (s.router) servers_.insert(servers_.begin(), s);
      else servers_.push_back(s);
    }
  } catch (const std::exception& e) {
    return fail(std::string("quarry servers --json: ") + e.what());
  }
  if (with_router && (servers_.empty() || !servers_.front().router)) return fail("no router among the servers");
  return {};
}

const ServerInfo* TestCluster::server(const std::string& id) const {
  for (const auto& s : servers_) {
    if (s.id == id) return &s;
  }
  return nullptr;
}

Result<nlohmann::json> TestCluster::ps(const std::string& stack) const {
  auto r = quarry({"ps", stack, "--json"});
  if (!r.ok()) return fail("quarry ps: " + r.err);
  try {
    return nlohmann::json::parse(r.out);
  } catch (const std::exception& e) {
    return fail(std::string("quarry ps --json: ") + e.what());
  }
}

Result<std::vector<std::string>> TestCluster::engine_containers(const ServerInfo& s, const std::string& stack) const {
  Argv argv = {"docker", "-H", "unix://" + s.dir + "/docker.sock", "ps", "-a", "--filter", "label=quarry.stack=" + stack,
               "--format", "{{.Names}} {{.State}}"};
  ProcessOptions o;
  o.timeout = std::chrono::seconds(30);
  auto r = run_process(argv, o);
  if (!r) return std::unexpected(r.error());
  if (!r->ok()) return fail(s.id + ": docker ps: " + r->err);
  std::vector<std::string> out;
  for (auto& line : split_lines(trim(r->out))) {
    if (!line.empty()) out.push_back(line);
  }
  return out;
}

Status TestCluster::engine(const ServerInfo& s, const Argv& docker_args) const {
  Argv argv = {"docker", "-H", "unix://" + s.dir + "/docker.sock"};
  argv.insert(argv.end(), docker_args.begin(), docker_args.end());
  return checked(argv);
}

Result<std::string> TestCluster::get(const std::string& domain, const std::string& path) const {
  Argv argv = {"curl", "-sS", "--max-time", "10", "-H", "Host: " + domain, "-w", "\n%{http_code}",
               "http://" + router().ip + path};
  ProcessOptions o;
  o.timeout = std::chrono::seconds(20);
  auto r = run_process(argv, o);
  if (!r) return std::unexpected(r.error());
  if (!r->ok()) return fail("curl " + path + ": exit " + std::to_string(r->exit_code) + ": " + r->err);
  auto nl = r->out.rfind('\n');
  std::string code = r->out.substr(nl + 1);
  if (code != "200") return fail("GET " + path + ": HTTP " + code + ": " + r->out.substr(0, nl));
  return r->out.substr(0, nl);
}

Status TestCluster::stop_sshd(const ServerInfo& s) const {
  auto pid = read_pid(s.dir + "/sshd.pid");
  if (!pid) return std::unexpected(pid.error());
  if (kill(*pid, SIGTERM) != 0) return fail(s.id + ": kill sshd " + std::to_string(*pid) + " failed");
  for (int i = 0; i < 100 && kill(*pid, 0) == 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  if (kill(*pid, 0) == 0) return fail(s.id + ": sshd " + std::to_string(*pid) + " did not stop");
  return remove_all(s.dir + "/sshd.pid");
}

Status TestCluster::start_sshd(const ServerInfo& s) const {
  if (auto st = checked({"ip", "netns", "exec", s.netns, "/usr/sbin/sshd", "-f", s.dir + "/sshd_config", "-E",
                         s.dir + "/sshd.log"});
      !st) {
    return st;
  }
  // sshd writes its pid file once it listens.
  for (int i = 0; i < 100; ++i) {
    if (read_pid(s.dir + "/sshd.pid")) return {};
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return fail(s.id + ": sshd did not start");
}

Status TestCluster::new_host_key(const ServerInfo& s) const {
  std::string key = s.dir + "/ssh_host_ed25519_key";
  if (auto st = stop_sshd(s); !st) return st;
  (void)remove_all(key);
  (void)remove_all(key + ".pub");
  if (auto st = checked({"ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", key}); !st) return st;
  return start_sshd(s);
}

std::string first_difference(const std::string& a, const std::string& b) {
  std::size_t i = 0;
  while (i < a.size() && i < b.size() && a[i] == b[i]) ++i;
  return "sizes " + std::to_string(a.size()) + " and " + std::to_string(b.size()) + ", first difference at byte " +
         std::to_string(i);
}

}  // namespace quarry::e2e
