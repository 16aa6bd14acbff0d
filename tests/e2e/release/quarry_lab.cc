#include "tests/e2e/release/quarry_lab.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "core/text.h"

namespace quarry {

namespace {

using Clock = std::chrono::steady_clock;

int left_ms(Clock::time_point deadline) {
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now()).count();
  return ms > 0 ? static_cast<int>(ms) : 0;
}

struct Fd {
  int fd = -1;
  ~Fd() {
    if (fd >= 0) close(fd);
  }
};

// The part of a hello reply that names greeting and release.
std::string reply_key(const std::string& body) {
  auto line = split_lines(body).empty() ? std::string() : split_lines(body).front();
  return line.substr(0, line.find(", visit"));
}

}  // namespace

Result<HttpReply> http_get(const std::string& address, int port, const std::string& host, const std::string& path,
                           int timeout_ms) {
  auto deadline = Clock::now() + std::chrono::milliseconds(timeout_ms);
  sockaddr_in sa{};
  sa.sin_family = AF_INET;
  sa.sin_port = htons(static_cast<std::uint16_t>(port));
  if (inet_pton(AF_INET, address.c_str(), &sa.sin_addr) != 1) return fail("not an IPv4 address: " + address);
  Fd s{socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0)};
  if (s.fd < 0) return fail_remote("socket failed");
  if (connect(s.fd, reinterpret_cast<sockaddr*>(&sa), sizeof sa) != 0) {
    if (errno != EINPROGRESS) return fail_remote(std::string("connect: ") + strerror(errno));
    pollfd p{s.fd, POLLOUT, 0};
    if (poll(&p, 1, left_ms(deadline)) <= 0) return fail_remote("connect: timed out");
    int err = 0;
    socklen_t len = sizeof err;
    getsockopt(s.fd, SOL_SOCKET, SO_ERROR, &err, &len);
    if (err) return fail_remote(std::string("connect: ") + strerror(err));
  }
  std::string req = "GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n\r\n";
  std::size_t off = 0;
  while (off < req.size()) {
    pollfd p{s.fd, POLLOUT, 0};
    if (poll(&p, 1, left_ms(deadline)) <= 0) return fail_remote("send: timed out");
    auto n = send(s.fd, req.data() + off, req.size() - off, MSG_NOSIGNAL);
    if (n <= 0) return fail_remote(std::string("send: ") + strerror(errno));
    off += static_cast<std::size_t>(n);
  }
  std::string got;
  char buf[4096];
  for (;;) {
    pollfd p{s.fd, POLLIN, 0};
    if (poll(&p, 1, left_ms(deadline)) <= 0) return fail_remote("read: timed out after " + std::to_string(got.size()) + " bytes");
    auto n = recv(s.fd, buf, sizeof buf, 0);
    if (n < 0) return fail_remote(std::string("read: ") + strerror(errno));
    if (n == 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  auto head_end = got.find("\r\n\r\n");
  if (head_end == std::string::npos) return fail_remote("no complete answer (" + std::to_string(got.size()) + " bytes)");
  HttpReply r;
  r.headers = got.substr(0, head_end);
  r.body = got.substr(head_end + 4);
  auto parts = split(r.headers.substr(0, r.headers.find("\r\n")), ' ');
  if (parts.size() < 2) return fail_remote("bad status line");
  r.status = std::atoi(parts[1].c_str());
  return r;
}

int release_of(const std::string& body) {
  auto at = body.find("(release ");
  return at == std::string::npos ? 0 : std::atoi(body.c_str() + at + 9);
}

QuarryLab::~QuarryLab() {
  if (servers_made_) (void)quarry({"cluster", "down"}, 300);
  if (!root_.empty()) (void)remove_all(root_);
}

Result<ProcessResult> QuarryLab::quarry(const Argv& args, int timeout_s) {
  Argv argv{options_.binary, "--home", home_};
  argv.insert(argv.end(), args.begin(), args.end());
  ProcessOptions o;
  o.timeout = std::chrono::seconds(timeout_s);
  return run_process(argv, o);
}

Status QuarryLab::up() {
  auto dir = make_temp_dir("qz");
  if (!dir) return std::unexpected(dir.error());
  root_ = *dir;
  chmod(root_.c_str(), 0755);
  home_ = root_ + "/h";
  if (auto s = make_dirs(home_ + "/etc", 0755); !s) return s;
  // Replicas of one node land on different servers.
  if (auto s = write_file_atomic(home_ + "/etc/grid.json", R"({"policy": "spread", "autosize": false})" "\n"); !s) {
    return s;
  }
  servers_made_ = true;
  auto check = [](const Result<ProcessResult>& r, const std::string& what) -> Status {
    if (!r) return std::unexpected(r.error());
    if (!r->ok()) return fail_remote(what + " failed (exit " + std::to_string(r->exit_code) + "): " + r->err);
    return {};
  };
  auto apps = quarry({"servers", "add", "-n", std::to_string(options_.app_servers), "--memory",
                      std::to_string(options_.app_memory_mb)});
  if (auto s = check(apps, "servers add"); !s) return s;
  auto router = quarry({"servers", "add", "--role", "router", "--memory", std::to_string(options_.router_memory_mb)});
  if (auto s = check(router, "servers add --role router"); !s) return s;
  auto listed = quarry({"servers", "--json"});
  if (auto s = check(listed, "servers --json"); !s) return s;
  auto j = nlohmann::json::parse(listed->out, nullptr, false);
  if (!j.is_array()) return fail("servers --json: not a JSON array");
  for (const auto& s : j) {
    for (const auto& t : s.value("tags", nlohmann::json::array())) {
      if (t.is_string() && t.get<std::string>() == "role=router") {
        router_ip_ = s.value("ip", "");
        router_id_ = s.value("id", "");
      }
    }
  }
  if (router_ip_.empty()) return fail("no server tagged role=router in servers --json");
  return {};
}

Result<std::string> QuarryLab::stage_app(const std::string& name, const std::string& manifest) {
  std::string dir = root_ + "/apps/" + name;
  if (auto s = make_dirs(dir, 0755); !s) return std::unexpected(s.error());
  for (const char* file : {"Dockerfile", "hello"}) {
    auto content = read_file(options_.source_dir + "/examples/hello/" + file);
    if (!content) return std::unexpected(content.error().context("stage " + name + " (build the hello target)"));
    if (auto s = write_file_atomic(dir + "/" + file, *content, std::string(file) == "hello" ? 0755 : 0644); !s) {
      return std::unexpected(s.error());
    }
  }
  if (auto s = write_file_atomic(dir + "/quarry.yml", manifest); !s) return std::unexpected(s.error());
  return dir + "/quarry.yml";
}

LoadLoop::LoadLoop(std::string address, std::string host, std::string expect_prefix, int max, int pause_ms)
    : address_(std::move(address)), host_(std::move(host)), expect_(std::move(expect_prefix)), max_(max),
      pause_ms_(pause_ms) {}

LoadLoop::~LoadLoop() { stop(); }

void LoadLoop::start() { thread_ = std::thread([this] { run(); }); }

void LoadLoop::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

void LoadLoop::run() {
  auto begin = Clock::now();
  while (!stop_ && sent_ < max_) {
    int n = ++sent_;
    auto r = http_get(address_, 80, host_, "/", 10000);
    std::string why;
    if (!r) why = r.error().message;
    else if (r->status != 200) why = "HTTP " + std::to_string(r->status) + ": " + trim(r->body);
    else if (!r->body.starts_with(expect_)) why = "unexpected body: " + trim(r->body);
    {
      std::lock_guard lock(mu_);
      if (!why.empty()) {
        ++failed_;
        if (failures_.size() < 10) failures_.push_back("request " + std::to_string(n) + ": " + why);
      } else {
        ++bodies_[reply_key(r->body)];
      }
    }
    if (pause_ms_ > 0) std::this_thread::sleep_for(std::chrono::milliseconds(pause_ms_));
  }
  seconds_ = std::chrono::duration<double>(Clock::now() - begin).count();
}

std::vector<std::string> LoadLoop::failures() const {
  std::lock_guard lock(mu_);
  return failures_;
}

std::map<std::string, int> LoadLoop::bodies() const {
  std::lock_guard lock(mu_);
  return bodies_;
}

}  // namespace quarry
