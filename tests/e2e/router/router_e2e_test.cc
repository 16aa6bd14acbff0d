// The router against real nginx (Debian's /usr/sbin/nginx) on a loopback
// port, with in-process HTTP backends: routing by Host, round robin, 404 for
// unknown hosts, weights, and a rejected config that leaves the old one
// serving.
#include <boost/test/unit_test.hpp>

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <memory>
#include <thread>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "launcher/local_shell.h"
#include "router/router_apply.h"
#include "tests/e2e/router/http_backend.h"

using namespace quarry;
using namespace quarry::testing;

namespace {

const char* kNginx = "/usr/sbin/nginx";

bool process_gone(pid_t pid) {
  if (::kill(pid, 0) != 0) return true;
  // A daemon reparented to a pid 1 that does not reap stays a zombie.
  auto stat = read_file("/proc/" + std::to_string(pid) + "/stat");
  if (!stat) return true;
  auto close = stat->rfind(')');
  return close != std::string::npos && close + 2 < stat->size() && (*stat)[close + 2] == 'Z';
}

// One nginx under a temporary prefix on a free loopback port; stops it (by
// the pid it wrote) and removes the prefix whatever the test did.
struct RouterLab {
  std::string prefix;
  int port = 0;
  LocalShell shell;
  std::unique_ptr<NginxRouter> router;

  RouterLab() {
    BOOST_REQUIRE_MESSAGE(::access(kNginx, X_OK) == 0, "this test needs Debian's nginx at /usr/sbin/nginx");
    BOOST_REQUIRE_MESSAGE(have_program("curl"), "this test needs curl");
    auto dir = make_temp_dir("quarry-router-e2e");
    BOOST_REQUIRE(dir.has_value());
    prefix = *dir;
    ::chmod(prefix.c_str(), 0755);  // nginx workers run as an unprivileged user
    port = free_loopback_port();
    BOOST_REQUIRE(port > 0);
    NginxRouter::Options o;
    o.prefix = prefix;
    o.nginx = kNginx;
    o.verify_interval = std::chrono::milliseconds(100);
    auto r = NginxRouter::create(shell, Endpoint{"router", "127.0.0.1"}, o);
    BOOST_REQUIRE(r.has_value());
    router = std::make_unique<NginxRouter>(std::move(*r));
  }

  ~RouterLab() {
    auto pid_text = read_file(prefix + "/run/nginx.pid");
    pid_t pid = pid_text ? static_cast<pid_t>(std::atoi(pid_text->c_str())) : 0;
    if (router) (void)router->stop();
    if (pid > 0) {
      for (int i = 0; i < 100 && !process_gone(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
      if (!process_gone(pid)) ::kill(pid, SIGKILL);
    }
    if (!prefix.empty()) (void)remove_all(prefix);
  }

  RouterConfig base() const {
    RouterConfig c;
    c.listen_address = "127.0.0.1";
    c.listen_port = port;
    c.tls_port = free_loopback_port();
    return c;
  }

  pid_t master_pid() const {
    auto t = read_file(prefix + "/run/nginx.pid");
    return t ? static_cast<pid_t>(std::atoi(t->c_str())) : 0;
  }
};

struct Backends {
  std::vector<std::unique_ptr<HttpBackend>> all;
  HttpBackend& add(const std::string& body) {
    all.push_back(std::make_unique<HttpBackend>(body));
    BOOST_REQUIRE(all.back()->port() > 0);
    return *all.back();
  }
};

Route route(const std::string& stack, const std::string& node, std::vector<std::string> domains,
            const std::vector<std::pair<HttpBackend*, int>>& backends) {
  Route r{stack, node, std::move(domains), {}};
  for (auto [b, weight] : backends) r.upstreams.push_back({"127.0.0.1", b->port(), weight});
  return r;
}

std::map<std::string, int> tally(int port, const std::string& host, int n) {
  std::map<std::string, int> seen;
  for (int i = 0; i < n; ++i) {
    auto r = http_get(port, host);
    ++seen[r.status == 200 ? r.body : "status " + std::to_string(r.status)];
  }
  return seen;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(router_e2e)

BOOST_AUTO_TEST_CASE(routes_by_host_round_robin_and_404s_unknown_hosts) {
  RouterLab lab;
  Backends b;
  auto& b1 = b.add("blog-1");
  auto& b2 = b.add("blog-2");
  auto& b3 = b.add("blog-3");
  auto& s1 = b.add("shop-1");
  auto config = lab.base();
  config.routes.push_back(route("blog", "web", {"blog.quarry.test", "www.blog.quarry.test"}, {{&b1, 1}, {&b2, 1}, {&b3, 1}}));
  config.routes.push_back(route("shop", "web", {"shop.quarry.test"}, {{&s1, 1}}));

  BOOST_REQUIRE(lab.router->ensure_running(lab.base()).has_value());
  BOOST_TEST(lab.router->running().value());
  auto s = lab.router->apply(config);
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));

  auto blog = tally(lab.port, "blog.quarry.test", 30);
  BOOST_TEST(blog["blog-1"] == 10);
  BOOST_TEST(blog["blog-2"] == 10);
  BOOST_TEST(blog["blog-3"] == 10);
  BOOST_TEST(tally(lab.port, "www.blog.quarry.test", 3).size() == 3u);
  BOOST_TEST(tally(lab.port, "shop.quarry.test", 5)["shop-1"] == 5);

  auto unknown = http_get(lab.port, "nobody.quarry.test");
  BOOST_TEST(unknown.status == 404);

  // The backend sees the client's Host and the forwarding headers.
  auto r = http_get(lab.port, "shop.quarry.test", "/cart");
  BOOST_TEST(has_header(r.headers, "X-Quarry-Route", "shop/web"));
  auto head = s1.last_request();
  BOOST_TEST(head.find("GET /cart HTTP/1.1") == 0u);
  BOOST_TEST(has_header(head, "Host", "shop.quarry.test"));
  BOOST_TEST(has_header(head, "X-Forwarded-For", "127.0.0.1"));
  BOOST_TEST(has_header(head, "X-Forwarded-Proto", "http"));
  BOOST_TEST(has_header(head, "X-Real-IP", "127.0.0.1"));

  // Stopped, it comes back on the live config.
  auto pid = lab.master_pid();
  BOOST_REQUIRE(lab.router->stop().has_value());
  for (int i = 0; i < 100 && !process_gone(pid); ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  BOOST_TEST(http_get(lab.port, "shop.quarry.test").status == 0);
  BOOST_REQUIRE(lab.router->ensure_running().has_value());
  for (int i = 0; i < 50 && http_get(lab.port, "shop.quarry.test").status != 200; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  BOOST_TEST(http_get(lab.port, "shop.quarry.test").body == "shop-1");
}

BOOST_AUTO_TEST_CASE(rejected_config_keeps_the_old_one_serving) {
  RouterLab lab;
  Backends b;
  auto& b1 = b.add("blog-1");
  auto good = lab.base();
  good.routes.push_back(route("blog", "web", {"blog.quarry.test"}, {{&b1, 1}}));
  BOOST_REQUIRE(lab.router->apply(good).has_value());
  auto live = lab.router->live_generation();
  BOOST_REQUIRE(live.has_value());

  auto bad = good;
  bad.routes.push_back(route("shop", "web", {"shop.quarry.test"}, {{&b1, 1}}));
  bad.tls["shop.quarry.test"] = {lab.prefix + "/missing/cert.pem", lab.prefix + "/missing/key.pem"};
  auto s = lab.router->apply(bad);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST_MESSAGE("rejected: " << s.error().message);
  BOOST_TEST(s.error().message.find("nginx -t rejected generation") != std::string::npos);
  BOOST_TEST(s.error().message.find("cannot load certificate \"" + lab.prefix + "/missing/cert.pem\"") !=
             std::string::npos);
  BOOST_TEST(lab.router->live_generation().value() == *live);
  BOOST_TEST(list_dir(lab.prefix + "/gen").size() == 1u);

  auto r = http_get(lab.port, "blog.quarry.test");
  BOOST_TEST(r.status == 200);
  BOOST_TEST(r.body == "blog-1");
  BOOST_TEST(http_get(lab.port, "shop.quarry.test").status == 404);
}

BOOST_AUTO_TEST_CASE(weights_split_traffic) {
  RouterLab lab;
  Backends b;
  auto& old_release = b.add("old");
  auto& new_release = b.add("new");
  auto config = lab.base();
  config.routes.push_back(route("shop", "web", {"shop.quarry.test"}, {{&old_release, 3}, {&new_release, 1}}));
  auto s = lab.router->apply(config);
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));
  auto seen = tally(lab.port, "shop.quarry.test", 400);
  BOOST_TEST_MESSAGE("old " << seen["old"] << ", new " << seen["new"]);
  BOOST_TEST(seen["old"] + seen["new"] == 400);
  BOOST_TEST(seen["new"] >= 80);
  BOOST_TEST(seen["new"] <= 120);
}

BOOST_AUTO_TEST_CASE(a_stopped_backend_is_retried_on_the_next) {
  RouterLab lab;
  auto up = std::make_unique<HttpBackend>("up");
  auto down = std::make_unique<HttpBackend>("down");
  auto config = lab.base();
  config.routes.push_back(route("blog", "web", {"blog.quarry.test"}, {{up.get(), 1}, {down.get(), 1}}));
  BOOST_REQUIRE(lab.router->apply(config).has_value());
  down.reset();  // its port now refuses connections
  auto seen = tally(lab.port, "blog.quarry.test", 20);
  BOOST_TEST(seen["up"] == 20);
}

BOOST_AUTO_TEST_CASE(tls_domain_serves_https_and_redirects_http) {
  RouterLab lab;
  Backends b;
  auto& web = b.add("secure");
  auto cert = lab.prefix + "/tls/cert.pem", key = lab.prefix + "/tls/key.pem";
  BOOST_REQUIRE(make_dirs(lab.prefix + "/tls").has_value());
  auto made = run_checked({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
                           "/CN=shop.quarry.test", "-keyout", key, "-out", cert});
  BOOST_REQUIRE_MESSAGE(made.has_value(), (made ? "" : made.error().message));
  auto config = lab.base();
  config.routes.push_back(route("shop", "web", {"shop.quarry.test"}, {{&web, 1}}));
  config.tls["shop.quarry.test"] = {cert, key};
  config.https_redirect = true;
  auto s = lab.router->apply(config);
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? "" : s.error().message));

  auto plain = http_get(lab.port, "shop.quarry.test", "/cart?x=1");
  BOOST_TEST(plain.status == 301);
  BOOST_TEST(has_header(plain.headers, "Location",
                        "https://shop.quarry.test:" + std::to_string(config.tls_port) + "/cart?x=1"));

  auto tls_port = std::to_string(config.tls_port);
  auto https = run_process({"curl", "-sS", "-k", "--max-time", "5", "--resolve",
                            "shop.quarry.test:" + tls_port + ":127.0.0.1",
                            "https://shop.quarry.test:" + tls_port + "/"});
  BOOST_REQUIRE(https.has_value());
  BOOST_TEST(https->exit_code == 0);
  BOOST_TEST(https->out == "secure");
  BOOST_TEST(has_header(web.last_request(), "X-Forwarded-Proto", "https"));

  // An unknown name on the TLS port gets no certificate at all.
  auto unknown = run_process({"curl", "-sS", "-k", "--max-time", "5", "--resolve",
                              "other.quarry.test:" + tls_port + ":127.0.0.1",
                              "https://other.quarry.test:" + tls_port + "/"});
  BOOST_REQUIRE(unknown.has_value());
  BOOST_TEST(unknown->exit_code != 0);
}

BOOST_AUTO_TEST_SUITE_END()
