#include "tests/e2e/cloud/mock_apis.h"

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <mutex>
#include <stdexcept>
#include <nlohmann/json.hpp>
#include <thread>

#include "cloud/ec2_provider.h"
#include "cloud/local_host.h"
#include "core/file_io.h"

namespace quarry::e2e {

namespace {

std::string source_dir() {
  const char* src = std::getenv("QUARRY_SOURCE_DIR");
  return src ? src : ".";
}

int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  close(fd);
  return port;
}

// The droplet, action and size paths of the spec, referenced by absolute
// path so Prism reads only what quarry calls (the whole spec takes a minute).
std::string entry_point(const std::string& s) {
  auto ref = [&](const char* method, const char* file) {
    return std::string("    ") + method + ":\n      $ref: \"" + s + "/resources/" + file + "\"\n";
  };
  return "openapi: \"3.0.0\"\ninfo:\n  title: quarry contract\n  version: \"2.0\"\n"
         "servers:\n  - url: \"https://api.digitalocean.com\"\npaths:\n"
         "  /v2/droplets:\n" + ref("get", "droplets/droplets_list.yml") + ref("post", "droplets/droplets_create.yml") +
         "  /v2/droplets/{droplet_id}:\n" + ref("get", "droplets/droplets_get.yml") +
         ref("delete", "droplets/droplets_destroy.yml") +
         "  /v2/droplets/{droplet_id}/actions:\n" + ref("post", "droplets/dropletActions_post.yml") +
         "  /v2/actions/{action_id}:\n" + ref("get", "actions/actions_get.yml") +
         "  /v2/sizes:\n" + ref("get", "sizes/sizes_list.yml") +
         "components:\n  securitySchemes:\n    bearer_auth:\n      type: http\n      scheme: bearer\n"
         "security:\n  - bearer_auth: []\n";
}

bool answers(const std::string& url, const std::string& path) {
  CurlHttpClient http;
  HttpRequest r;
  r.url = url + path;
  r.timeout = std::chrono::seconds(2);
  r.headers = {{"Authorization", "Bearer t"}};
  auto a = http.send(r);
  return a && a->status > 0 && a->status < 500;
}

void start(Daemon& d, const char* prefix, const Argv& argv, const std::string& ready_path, int port) {
  auto dir = make_temp_dir(prefix);
  if (!dir) {
    d.error = dir.error().message;
    return;
  }
  d.dir = *dir;
  d.port = port;
  Argv args = argv;
  auto p = spawn_daemon(args, d.dir + "/log");
  if (!p) {
    d.error = "cannot start " + argv.front() + ": " + p.error().message;
    return;
  }
  d.pid = *p;
  for (int i = 0; i < 900; ++i) {
    if (answers(d.url(), ready_path)) return;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  d.error = argv.front() + " did not answer in 90 s: " + read_file(d.dir + "/log").value_or("");
}

void start_proxy(Daemon& d, Daemon& upstream, bool ec2_model) {
  if (!upstream.error.empty()) {
    d.error = upstream.error;
    return;
  }
  auto dir = make_temp_dir("quarry-proxy");
  if (!dir) {
    d.error = dir.error().message;
    return;
  }
  d.dir = *dir;
  Argv args = {"python3", source_dir() + "/tests/e2e/cloud/api_proxy.py", d.dir + "/port", upstream.url()};
  if (ec2_model) args.push_back("--ec2-model");
  auto p = spawn_daemon(args, d.dir + "/log");
  if (!p) {
    d.error = "cannot start the proxy: " + p.error().message;
    return;
  }
  d.pid = *p;
  for (int i = 0; i < 600 && !d.port; ++i) {
    if (auto t = read_file(d.dir + "/port"); t && !t->empty()) d.port = std::stoi(*t);
    else std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  if (!d.port) d.error = "the proxy did not start: " + read_file(d.dir + "/log").value_or("");
}

HttpResponse control(Daemon& proxy, const std::string& method, const std::string& path, const std::string& body = {}) {
  CurlHttpClient http;
  HttpRequest r;
  r.method = method;
  r.url = proxy.url() + path;
  r.body = body;
  auto a = http.send(r);
  return a ? *a : HttpResponse{};
}

std::vector<std::string> strings(const std::string& body) {
  std::vector<std::string> out;
  try {
    for (const auto& v : nlohmann::json::parse(body)) out.push_back(v.get<std::string>());
  } catch (const nlohmann::json::exception&) {
    out.push_back("unreadable proxy answer: " + body);
  }
  return out;
}

}  // namespace

Daemon::~Daemon() {
  if (pid > 0) stop_process(pid, std::chrono::seconds(3));
  if (!dir.empty()) (void)remove_all(dir);
}

std::string digitalocean_spec_dir() {
  if (const char* shared = std::getenv("QUARRY_SHARED_DIR")) return std::string(shared) + "/specs/digitalocean";
  return source_dir() + "/../shared/specs/digitalocean";
}

Daemon& prism() {
  static Daemon spec_files;  // holds the entry point's directory; removed after Prism stops
  static Daemon d;
  static std::once_flag once;
  std::call_once(once, [] {
    const std::string spec = digitalocean_spec_dir();
    if (!path_exists(spec + "/droplets-only.yaml")) {
      d.error = "the DigitalOcean spec is missing at " + spec +
                " (shared/ must sit beside the source tree, or set QUARRY_SHARED_DIR)";
      return;
    }
    auto dir = make_temp_dir("quarry-prism-spec");
    if (dir) spec_files.dir = *dir;
    if (!dir || !write_file_atomic(*dir + "/do.yaml", entry_point(spec))) {
      d.error = "cannot write the spec entry point";
      return;
    }
    int port = free_port();
    start(d, "quarry-prism", {"prism", "mock", "-h", "127.0.0.1", "-p", std::to_string(port), *dir + "/do.yaml"},
          "/v2/sizes", port);
    if (!d.error.empty() && d.error.find("cannot start") == 0) d.error += " (make deps installs prism)";
  });
  return d;
}

Daemon& moto() {
  static Daemon d;
  static std::once_flag once;
  std::call_once(once, [] {
    int port = free_port();
    start(d, "quarry-moto", {"moto_server", "-H", "127.0.0.1", "-p", std::to_string(port)}, "/moto-api/", port);
  });
  return d;
}

Daemon& prism_proxy() {
  static Daemon d;
  static std::once_flag once;
  std::call_once(once, [] { start_proxy(d, prism(), false); });
  return d;
}

Daemon& moto_proxy() {
  static Daemon d;
  static std::once_flag once;
  std::call_once(once, [] { start_proxy(d, moto(), true); });
  return d;
}

void set_faults(Daemon& proxy, const std::string& faults) { (void)control(proxy, "POST", "/__proxy/faults", faults); }
std::vector<std::string> forwarded(Daemon& proxy) { return strings(control(proxy, "GET", "/__proxy/log").body); }
std::vector<std::string> violations(Daemon& proxy) { return strings(control(proxy, "GET", "/__proxy/violations").body); }
void clear_log(Daemon& proxy) { (void)control(proxy, "POST", "/__proxy/clear"); }

void reset_moto() {
  CurlHttpClient http;
  HttpRequest r;
  r.method = "POST";
  r.url = moto().url() + "/moto-api/reset";
  (void)http.send(r);
}

std::set<std::string> moto_instances(const std::string& tag) {
  CurlHttpClient http;
  Ec2Config c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "secret";
  c.endpoint = moto().url() + "/";
  c.image_id = "ami-12c6146b";
  c.tag = tag;
  auto all = Ec2Provider(c, http).list();
  if (!all) throw std::runtime_error("moto's instances: " + all.error().message);
  std::set<std::string> out;
  for (const auto& s : *all) out.insert(s.provider_ref);
  return out;
}

Result<HttpResponse> ContractHttp::send(const HttpRequest& r) {
  auto resp = real.send(r);
  ++sent;
  if (resp && !resp->header("sl-violations").empty())
    violations.push_back(r.method + " " + r.url + ": " + resp->header("sl-violations"));
  return resp;
}

}  // namespace quarry::e2e
