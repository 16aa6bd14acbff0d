// CurlHttpClient and DigitalOceanProvider end to end against a loopback
// stand-in for the DigitalOcean API (fake_do_api.py): the real libcurl path.
#include <boost/test/unit_test.hpp>

#include <signal.h>

#include <thread>

#include "cloud/digitalocean_provider.h"
#include "cloud/http_client.h"
#include "cloud/local_host.h"
#include "core/file_io.h"
#include "core/text.h"

using namespace quarry;

namespace {

// Runs fake_do_api.py for the test's lifetime; stops it by pid.
struct FakeApi {
  std::string dir;
  pid_t pid = 0;
  int port = 0;

  FakeApi() {
    auto d = make_temp_dir("quarry-do-e2e");
    BOOST_REQUIRE(d.has_value());
    dir = *d;
    const char* src = std::getenv("QUARRY_SOURCE_DIR");
    std::string script = std::string(src ? src : ".") + "/tests/e2e/cloud/fake_do_api.py";
    auto p = spawn_daemon({"python3", script, dir + "/port", "test-token"}, dir + "/api.log");
    BOOST_REQUIRE_MESSAGE(p.has_value(), (p ? std::string() : p.error().message));
    pid = *p;
    for (int i = 0; i < 200 && !port; ++i) {
      if (auto text = read_file(dir + "/port"); text) port = std::stoi(*text);
      else std::this_thread::sleep_for(std::chrono::milliseconds(25));
    }
    if (port == 0) {
      // The destructor does not run when the constructor fails: stop it here.
      auto log = read_file(dir + "/api.log").value_or("");
      stop_process(pid, std::chrono::seconds(2));
      (void)remove_all(dir);
      BOOST_FAIL("fake API did not start: " + log);
    }
  }
  ~FakeApi() {
    if (pid > 0) stop_process(pid, std::chrono::seconds(2));
    (void)remove_all(dir);
  }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }
};

DigitalOceanConfig config(const FakeApi& api, const std::string& token = "test-token") {
  DigitalOceanConfig c;
  c.token = token;
  c.base_url = api.url();
  c.authorized_key = "ssh-ed25519 AAAAHQ hq";
  c.poll_interval = std::chrono::milliseconds(50);
  c.create_timeout = std::chrono::seconds(20);
  c.wait_for_ssh = false;  // the "droplet" is loopback; nothing listens on its port 22
  return c;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(digitalocean_http)

BOOST_AUTO_TEST_CASE(create_list_destroy_over_libcurl) {
  FakeApi api;
  CurlHttpClient http;
  DigitalOceanProvider p(config(api), http);

  auto s = p.create(ServerSpec{"web-1", 1024, 1, {"role=web"}});
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(s->id == "do-1000");
  BOOST_TEST(s->ip == "127.0.0.1");
  BOOST_TEST(s->tags == std::vector<std::string>{"role=web"});

  auto listed = p.list();
  BOOST_REQUIRE_MESSAGE(listed.has_value(), (listed ? std::string() : listed.error().message));
  BOOST_REQUIRE(listed->size() == 1u);
  BOOST_TEST(listed->front().name == "web-1");

  BOOST_TEST(p.destroy(*s).has_value());
  BOOST_TEST(p.destroy(*s).has_value());  // already gone: 404 counts as done
  BOOST_TEST(p.list()->empty());
}

BOOST_AUTO_TEST_CASE(api_errors_over_libcurl) {
  FakeApi api;
  CurlHttpClient http;
  DigitalOceanProvider bad_token(config(api, "wrong"), http);
  auto s = bad_token.create(ServerSpec{"web-1", 1024, 1, {}});
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "digitalocean: POST /v2/droplets: HTTP 401: Unable to authenticate you");

  DigitalOceanProvider p(config(api), http);
  auto big = p.create(ServerSpec{"big", 20000, 4, {}});
  BOOST_REQUIRE(!big.has_value());
  BOOST_TEST(big.error().message == "digitalocean: POST /v2/droplets: HTTP 422: Size is not available in this region.");
}

BOOST_AUTO_TEST_CASE(transport_errors_name_the_request) {
  FakeApi api;
  int closed_port = api.port;
  // Nothing listens once the API is stopped.
  stop_process(api.pid, std::chrono::seconds(2));
  api.pid = 0;
  CurlHttpClient http;
  HttpRequest req;
  req.url = "http://127.0.0.1:" + std::to_string(closed_port) + "/v2/droplets?token=hidden";
  auto r = http.send(req);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(starts_with(r.error().message, "GET http://127.0.0.1:" + std::to_string(closed_port) + "/v2/droplets: "));
  BOOST_TEST(r.error().message.find("hidden") == std::string::npos);
  BOOST_TEST(r.error().exit_code() == 3);

  // TLS verification is on by default: a plain HTTP server fails the handshake.
  req.url = "https://127.0.0.1:" + std::to_string(closed_port) + "/";
  BOOST_TEST(!http.send(req).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
