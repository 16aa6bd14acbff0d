// DigitalOceanProvider against DigitalOcean's own OpenAPI description, served
// by Stoplight Prism on loopback: every request quarry sends must satisfy the
// spec (Prism reports violations in the sl-violations header; any one fails
// the test). Faults come from api_proxy.py in front of Prism; Prism keeps no
// state, so those tests assert on what reached it.
#include <boost/test/unit_test.hpp>

#include <algorithm>

#include "cloud/digitalocean_provider.h"
#include "cloud/server_fleet.h"
#include "cloud/server_names.h"
#include "tests/e2e/cloud/mock_apis.h"
#include "tests/fakes/memory_ledger.h"

using namespace quarry;
using namespace quarry::e2e;

namespace {

DigitalOceanConfig config(const std::string& url) {
  DigitalOceanConfig c;
  c.token = "contract-token";
  c.base_url = url;
  c.authorized_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHQ quarry-hq";
  c.tag = cluster_tag("quarry", "ct1");
  c.poll_interval = std::chrono::milliseconds(20);
  c.create_timeout = std::chrono::milliseconds(500);
  c.wait_for_ssh = false;  // Prism's droplets have example addresses: never probe them
  c.retry.base = std::chrono::milliseconds(20);
  c.retry.cap = std::chrono::milliseconds(200);
  return c;
}

ServerSpec spec() {
  ServerSpec s(server_name("ct1", 1), 2048, 2, {"role=web"});
  s.token = new_create_token();
  s.host_key_private = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
  s.host_key_public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOST quarry-host";
  return s;
}

long count(const std::vector<std::string>& log, const std::string& prefix) {
  return std::count_if(log.begin(), log.end(), [&](const std::string& l) { return l.rfind(prefix, 0) == 0; });
}

std::string first(const std::vector<std::string>& v) { return v.empty() ? "" : v.front(); }

#define REQUIRE_UP(d) BOOST_REQUIRE_MESSAGE((d).error.empty(), (d).error)

}  // namespace

BOOST_AUTO_TEST_SUITE(digitalocean_contract)

BOOST_AUTO_TEST_CASE(create_wait_list_destroy_follow_the_spec) {
  REQUIRE_UP(prism());
  ContractHttp http;
  DigitalOceanProvider p(config(prism().url()), http);
  auto s = p.create(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(!s->provider_ref.empty());
  auto found = p.find_launched(new_create_token());
  BOOST_REQUIRE_MESSAGE(found.has_value(), (found ? std::string() : found.error().message));
  auto listed = p.list();
  BOOST_REQUIRE_MESSAGE(listed.has_value(), (listed ? std::string() : listed.error().message));
  BOOST_TEST(p.destroy(*s).has_value());
  BOOST_TEST(http.sent >= 5);
  BOOST_TEST(http.violations.empty(), http.violations.size() << " violations, first: " << first(http.violations));
}

BOOST_AUTO_TEST_CASE(sizes_carry_prices) {
  REQUIRE_UP(prism());
  ContractHttp http;
  DigitalOceanProvider p(config(prism().url()), http);
  auto sizes = p.sizes();
  BOOST_REQUIRE_MESSAGE(sizes.has_value(), (sizes ? std::string() : sizes.error().message));
  BOOST_REQUIRE(!sizes->empty());
  BOOST_TEST(sizes->front().slug == "s-1vcpu-1gb");
  BOOST_TEST(sizes->front().monthly_usd == 5.0);
  BOOST_TEST(http.violations.empty(), first(http.violations));
}

BOOST_AUTO_TEST_CASE(resize_actions_follow_the_spec) {
  REQUIRE_UP(prism());
  ContractHttp http;
  DigitalOceanProvider p(config(prism().url()), http);
  Server s;
  s.provider_ref = "3164444";
  // Prism's example action stays "in-progress": the resize times out at
  // power_off, but every request it sent must be valid.
  auto r = p.resize(s, "s-2vcpu-4gb");
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message.find("not completed in time") != std::string::npos, r.error().message);
  BOOST_TEST(http.sent >= 2);
  BOOST_TEST(http.violations.empty(), first(http.violations));
}

BOOST_AUTO_TEST_CASE(a_request_against_the_spec_is_caught) {
  // The check itself can fail: an empty name is a violation Prism reports.
  REQUIRE_UP(prism());
  ContractHttp http;
  HttpRequest r;
  r.method = "POST";
  r.url = prism().url() + "/v2/droplets";
  r.headers = {{"Authorization", "Bearer t"}, {"Content-Type", "application/json"}};
  r.body = R"({"name":"","region":"nyc3","size":"s-1vcpu-1gb","image":"debian-12-x64"})";
  auto a = http.send(r);
  BOOST_REQUIRE(a.has_value());
  BOOST_TEST(a->status == 422);
  BOOST_TEST(http.violations.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_429_with_ratelimit_reset_is_waited_out_and_posts_once) {
  REQUIRE_UP(prism_proxy());
  clear_log(prism_proxy());
  set_faults(prism_proxy(), R"([{"match": "POST /v2/droplets", "times": 2, "do": "status", "status": 429,
      "headers": {"ratelimit-reset": "0", "Content-Type": "application/json"},
      "body": "{\"id\":\"too_many_requests\",\"message\":\"API Rate limit exceeded.\"}"}])");
  ContractHttp http;
  DigitalOceanProvider p(config(prism_proxy().url()), http);
  auto s = p.launch(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  auto log = forwarded(prism_proxy());
  BOOST_TEST(count(log, "POST /v2/droplets") == 1);
  BOOST_TEST(count(log, "GET /v2/droplets?tag_name=qc-") == 0);  // a 429 made nothing
  BOOST_TEST(http.violations.empty(), first(http.violations));
}

BOOST_AUTO_TEST_CASE(a_500_or_a_lost_answer_is_looked_up_before_posting_again) {
  REQUIRE_UP(prism_proxy());
  for (const char* fault : {R"({"do": "status", "status": 500, "body": "{}"})", R"({"do": "drop"})"}) {
    clear_log(prism_proxy());
    set_faults(prism_proxy(), std::string(R"([{"match": "POST /v2/droplets", "times": 1, )") + (fault + 1) + "]");
    ContractHttp http;
    DigitalOceanProvider p(config(prism_proxy().url()), http);
    auto s = p.launch(spec());
    BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
    auto log = forwarded(prism_proxy());
    // Prism's list answers with its example droplet whatever the tag: the
    // lookup "finds" it and the create is not posted again.
    BOOST_TEST(count(log, "GET /v2/droplets?tag_name=qc-") == 1, fault);
    BOOST_TEST(count(log, "POST /v2/droplets") <= 1, fault);
    BOOST_TEST(http.violations.empty(), first(http.violations));
  }
}

BOOST_AUTO_TEST_CASE(a_poll_error_leaves_the_droplet_and_its_record) {
  REQUIRE_UP(prism_proxy());
  clear_log(prism_proxy());
  set_faults(prism_proxy(), R"([{"match": "GET /v2/droplets/", "times": 100, "do": "status", "status": 503, "body": "{}"}])");
  ContractHttp http;
  DigitalOceanProvider p(config(prism_proxy().url()), http);
  MemoryLedger ledger;
  FleetOptions o;
  o.probe_ssh = false;
  ServerFleet fleet(p, ledger, o);
  auto s = fleet.create(spec());
  BOOST_REQUIRE(!s.has_value());
  auto log = forwarded(prism_proxy());
  BOOST_TEST(count(log, "DELETE") == 0);
  BOOST_REQUIRE(ledger.pending.size() == 1u);
  BOOST_TEST(ledger.pending.begin()->second.state == "creating");
  BOOST_TEST(!ledger.pending.begin()->second.server.provider_ref.empty());
  set_faults(prism_proxy(), "[]");
}

BOOST_AUTO_TEST_CASE(a_destroy_failing_twice_is_retried_then_done) {
  REQUIRE_UP(prism_proxy());
  clear_log(prism_proxy());
  set_faults(prism_proxy(), R"([{"match": "DELETE /v2/droplets/", "times": 2, "do": "status", "status": 500, "body": "{}"}])");
  ContractHttp http;
  DigitalOceanProvider p(config(prism_proxy().url()), http);
  Server s;
  s.provider_ref = "3164444";
  BOOST_TEST(p.destroy(s).has_value());
  BOOST_TEST(count(forwarded(prism_proxy()), "DELETE /v2/droplets/3164444") == 1);
  BOOST_TEST(http.violations.empty(), first(http.violations));
}

BOOST_AUTO_TEST_SUITE_END()
