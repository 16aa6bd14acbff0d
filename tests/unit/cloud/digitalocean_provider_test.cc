#include <boost/test/unit_test.hpp>
#include <nlohmann/json.hpp>

#include "cloud/digitalocean_provider.h"
#include "tests/fakes/fake_http.h"
#include "tests/unit/cloud/fake_clock.h"

using namespace quarry;
using nlohmann::json;

namespace {

DigitalOceanConfig config() {
  DigitalOceanConfig c;
  c.token = "secret-token-123";
  c.region = "fra1";
  c.ssh_keys = {"aa:bb"};
  c.authorized_key = "ssh-ed25519 AAAAHQ hq";
  c.base_url = "http://127.0.0.1:9";
  c.poll_interval = std::chrono::seconds(2);
  c.create_timeout = std::chrono::seconds(60);
  return c;
}

std::string droplet(const std::string& status, const std::string& ip = "") {
  json d = {{"id", 3164444}, {"name", "web-1"}, {"status", status}, {"memory", 2048}, {"vcpus", 2},
            {"tags", {"quarry", "role:web"}}, {"networks", {{"v4", json::array()}}}};
  if (!ip.empty()) {
    d["networks"]["v4"].push_back({{"ip_address", "10.110.0.5"}, {"type", "private"}});
    d["networks"]["v4"].push_back({{"ip_address", ip}, {"type", "public"}});
  }
  return json{{"droplet", d}}.dump();
}

ServerSpec spec() {
  ServerSpec s;
  s.name = "web-1";
  s.memory_mb = 2048;
  s.cpu = 2;
  s.tags = {"role=web"};
  s.token = "tok1";
  s.host_key_private = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
  s.host_key_public = "ssh-ed25519 AAAAHOST quarry-host";
  return s;
}

std::string no_droplets() { return R"({"droplets":[],"links":{},"meta":{"total":0}})"; }

}  // namespace

BOOST_AUTO_TEST_SUITE(digitalocean_provider)

BOOST_AUTO_TEST_CASE(create_posts_the_droplet_and_polls_until_active) {
  FakeHttpClient http;
  FakeWait wait;
  wait.state->probes_until_open = 1;
  http.on("POST", "/v2/droplets", 202, droplet("new"));
  http.on("GET", "/v2/droplets/3164444", 200, droplet("new"));
  http.on("GET", "/v2/droplets/3164444", 200, droplet("new"));
  http.on("GET", "/v2/droplets/3164444", 200, droplet("active", "203.0.113.7"));
  DigitalOceanProvider p(config(), http, wait.deps());

  auto s = p.create(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(s->id == "do-3164444");
  BOOST_TEST(s->provider_ref == "3164444");
  BOOST_TEST(s->ip == "203.0.113.7");
  BOOST_TEST(s->ssh_user == "quarry");
  BOOST_TEST(s->memory_mb == 2048);
  BOOST_TEST(s->cpu == 2);
  BOOST_TEST(s->tags == std::vector<std::string>{"role=web"});

  auto calls = http.calls();
  std::vector<std::string> want = {
      "POST http://127.0.0.1:9/v2/droplets", "GET http://127.0.0.1:9/v2/droplets/3164444",
      "GET http://127.0.0.1:9/v2/droplets/3164444", "GET http://127.0.0.1:9/v2/droplets/3164444"};
  BOOST_TEST(calls == want, boost::test_tools::per_element());
  BOOST_TEST(wait.state->probed == (std::vector<std::string>{"203.0.113.7:22", "203.0.113.7:22"}),
             boost::test_tools::per_element());

  auto post = http.requests().front();
  BOOST_TEST(post.headers.front().first == "Authorization");
  BOOST_TEST(post.headers.front().second == "Bearer secret-token-123");
  auto body = json::parse(post.body);
  BOOST_TEST(body["name"] == "web-1");
  BOOST_TEST(body["region"] == "fra1");
  BOOST_TEST(body["size"] == "s-2vcpu-2gb");
  BOOST_TEST(body["image"] == "debian-12-x64");
  BOOST_TEST(body["ssh_keys"] == json::array({"aa:bb"}));
  BOOST_TEST(body["tags"] == json::array({"quarry", "qc-tok1", "role:web"}));
  auto user_data = body["user_data"].get<std::string>();
  BOOST_TEST(user_data.find("#cloud-config\n") == 0u);
  BOOST_TEST(user_data.find("ssh_authorized_keys:\n      - \"ssh-ed25519 AAAAHQ hq\"") != std::string::npos);
  BOOST_TEST(user_data.find("ed25519_public: \"ssh-ed25519 AAAAHOST quarry-host\"") != std::string::npos);
  BOOST_TEST(user_data.find("ed25519_private: \"-----BEGIN OPENSSH PRIVATE KEY-----") != std::string::npos);
  BOOST_TEST(user_data.find("secret-token") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(bad_names_and_tags_are_refused_before_any_call) {
  FakeHttpClient http;
  DigitalOceanProvider p(config(), http, FakeWait{}.deps());
  auto s = spec();
  s.name = "";
  BOOST_TEST(!p.create(s).has_value());
  s = spec();
  s.tags = {"role=a b"};
  BOOST_TEST(!p.create(s).has_value());
  BOOST_TEST(http.calls().empty());
}

BOOST_AUTO_TEST_CASE(a_429_is_retried_after_the_wait_it_asks_for) {
  FakeHttpClient http;
  FakeWait wait;
  HttpResponse limited{429, {{"retry-after", "4"}}, R"({"id":"too_many_requests","message":"slow down"})"};
  http.on_response("POST", "/v2/droplets", limited);
  http.on("POST", "/v2/droplets", 202, droplet("active", "203.0.113.7"));
  http.on("GET", "/v2/droplets/3164444", 200, droplet("active", "203.0.113.7"));
  auto c = config();
  c.wait_for_ssh = false;
  DigitalOceanProvider p(c, http, wait.deps());
  auto s = p.create(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(http.count("POST", "/v2/droplets") == 2);
  BOOST_TEST(http.count("GET", "tag_name=qc-tok1") == 0);  // a 429 made nothing: no lookup
  BOOST_REQUIRE(!wait.state->sleeps.empty());
  BOOST_TEST(wait.state->sleeps.front().count() == 4000);
}

BOOST_AUTO_TEST_CASE(a_lost_answer_is_looked_up_by_token_before_posting_again) {
  FakeHttpClient http;
  FakeWait wait;
  http.fail_with("POST", "/v2/droplets", Error{"POST http://127.0.0.1:9/v2/droplets: timed out", ErrorKind::Remote});
  json listed = {{"droplets", {json::parse(droplet("new"))["droplet"]}}, {"links", json::object()}};
  http.on("GET", "tag_name=qc-tok1", 200, listed.dump());
  http.on("GET", "/v2/droplets/3164444", 200, droplet("active", "203.0.113.7"));
  auto c = config();
  c.wait_for_ssh = false;
  DigitalOceanProvider p(c, http, wait.deps());
  auto s = p.create(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(http.count("POST", "/v2/droplets") == 1);
  BOOST_TEST(s->provider_ref == "3164444");
}

BOOST_AUTO_TEST_CASE(api_errors_carry_status_and_message_but_not_the_token) {
  FakeHttpClient http;
  FakeWait wait;
  http.on("POST", "/v2/droplets", 422,
          R"({"id":"unprocessable_entity","message":"Size is not available in this region."})");
  DigitalOceanProvider p(config(), http, wait.deps());
  auto s = p.create(spec());
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "digitalocean: POST /v2/droplets: HTTP 422: Size is not available in this region.");
  BOOST_TEST(s.error().exit_code() == 3);
  BOOST_TEST(s.error().message.find("secret-token") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(transport_failure_is_retried_with_a_lookup_each_time_then_reported) {
  FakeHttpClient http;
  FakeWait wait;
  http.fail_with("POST", "/v2/droplets", Error{"POST http://127.0.0.1:9/v2/droplets: Connection refused",
                                               ErrorKind::Remote});
  http.on("GET", "tag_name=qc-tok1", 200, no_droplets());
  DigitalOceanProvider p(config(), http, wait.deps());
  auto s = p.create(spec());
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "digitalocean: POST http://127.0.0.1:9/v2/droplets: Connection refused");
  BOOST_TEST(http.count("POST", "/v2/droplets") == 6);
  BOOST_TEST(http.count("GET", "tag_name=qc-tok1") == 6);
}

BOOST_AUTO_TEST_CASE(a_droplet_never_active_is_reported_and_left_alone) {
  FakeHttpClient http;
  FakeWait wait;
  http.on("POST", "/v2/droplets", 202, droplet("new"));
  http.on("GET", "/v2/droplets/3164444", 200, droplet("new"));
  http.on("DELETE", "/v2/droplets/3164444", 204, "");
  DigitalOceanProvider p(config(), http, wait.deps());
  auto s = p.create(spec());
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "digitalocean: droplet 3164444: not active in time (last status \"new\")");
  BOOST_TEST(http.count("DELETE", "/v2/droplets/3164444") == 0);
  BOOST_TEST(wait.state->sleeps.size() == 30u);  // 60 s of 2 s polls
}

BOOST_AUTO_TEST_CASE(no_size_fits) {
  FakeHttpClient http;
  DigitalOceanProvider p(config(), http, FakeWait{}.deps());
  ServerSpec big;
  big.name = "big";
  big.memory_mb = 1 << 20;
  big.cpu = 2;
  big.token = "t";
  auto s = p.create(big);
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "digitalocean: no size has 1048576 MB and 2 cpu; the largest is s-16vcpu-64gb (65536 MB, 16 cpu)");
  BOOST_TEST(http.calls().empty());
}

BOOST_AUTO_TEST_CASE(an_explicit_size_wins) {
  auto c = config();
  c.size = "s-4vcpu-8gb";
  auto body = digitalocean_create_body(c, spec());
  BOOST_REQUIRE(body.has_value());
  BOOST_TEST(json::parse(*body)["size"] == "s-4vcpu-8gb");
}

BOOST_AUTO_TEST_CASE(destroy_treats_404_as_gone) {
  FakeHttpClient http;
  http.on("DELETE", "/v2/droplets/1", 204, "");
  http.on("DELETE", "/v2/droplets/2", 404, R"({"id":"not_found","message":"The resource was not found."})");
  http.on("DELETE", "/v2/droplets/3", 500, R"({"id":"server_error","message":"Unexpected error"})");
  DigitalOceanProvider p(config(), http, FakeWait{}.deps());
  Server s;
  s.provider_ref = "1";
  BOOST_TEST(p.destroy(s).has_value());
  s.provider_ref = "2";
  BOOST_TEST(p.destroy(s).has_value());
  s.provider_ref = "3";
  auto r = p.destroy(s);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == "digitalocean: DELETE /v2/droplets/3: HTTP 500: Unexpected error");
  BOOST_TEST(http.count("DELETE", "/v2/droplets/3") == 6);
}

BOOST_AUTO_TEST_CASE(list_follows_pages_and_maps_tags_back) {
  FakeHttpClient http;
  auto page = [](int id, bool next) {
    json d = {{"id", id}, {"name", "s" + std::to_string(id)}, {"status", "active"}, {"memory", 1024},
              {"vcpus", 1}, {"tags", {"quarry", "role:db"}},
              {"networks", {{"v4", {{{"ip_address", "198.51.100." + std::to_string(id)}, {"type", "public"}}}}}}};
    json j = {{"droplets", {d}}, {"links", json::object()}};
    if (next) j["links"]["pages"]["next"] = "https://api/v2/droplets?page=2";
    return j.dump();
  };
  http.on("GET", "page=1", 200, page(1, true));
  http.on("GET", "page=2", 200, page(2, false));
  DigitalOceanProvider p(config(), http, FakeWait{}.deps());
  auto servers = p.list();
  BOOST_REQUIRE(servers.has_value());
  BOOST_REQUIRE(servers->size() == 2u);
  BOOST_TEST((*servers)[1].ip == "198.51.100.2");
  BOOST_TEST((*servers)[1].tags == std::vector<std::string>{"role=db"});
  BOOST_TEST(http.calls().front() == "GET http://127.0.0.1:9/v2/droplets?tag_name=quarry&per_page=200&page=1");
}

BOOST_AUTO_TEST_SUITE_END()
