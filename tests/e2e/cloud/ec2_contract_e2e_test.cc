// Ec2Provider against moto_server on loopback, through api_proxy.py, which
// checks every request against botocore's EC2 model (operation, parameter
// names, types, required members) and injects faults. moto keeps state, so
// each fault test ends by listing moto's instances and comparing them with
// the fleet's records: nothing unrecorded, nothing healthy destroyed.
#include <boost/test/unit_test.hpp>

#include <set>

#include "cloud/ec2_provider.h"
#include "cloud/server_fleet.h"
#include "cloud/server_names.h"
#include "tests/e2e/cloud/mock_apis.h"
#include "tests/fakes/memory_ledger.h"

using namespace quarry;
using namespace quarry::e2e;

namespace {

Ec2Config config(const std::string& url) {
  Ec2Config c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "secret";
  c.region = "us-east-1";
  c.endpoint = url + "/";
  c.image_id = "ami-12c6146b";  // one of moto's stock images
  c.authorized_key = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHQ quarry-hq";
  c.tag = cluster_tag("quarry", "ct2");
  c.poll_interval = std::chrono::milliseconds(20);
  c.create_timeout = std::chrono::milliseconds(2000);
  c.wait_for_ssh = false;  // moto's instances have no sshd
  c.use_private_ip = true;
  c.retry.base = std::chrono::milliseconds(20);
  c.retry.cap = std::chrono::milliseconds(200);
  return c;
}

ServerSpec spec(int n = 1) {
  ServerSpec s(server_name("ct2", n), 2048, 2, {"role=web"});
  s.token = new_create_token();
  s.host_key_private = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
  s.host_key_public = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIHOST quarry-host";
  return s;
}

std::set<std::string> recorded(MemoryLedger& l) {
  std::set<std::string> out;
  for (auto& [k, s] : l.servers) out.insert(s.provider_ref);
  for (auto& [k, e] : l.pending)
    if (!e.server.provider_ref.empty()) out.insert(e.server.provider_ref);
  return out;
}

struct Fixture {
  Fixture() {
    BOOST_REQUIRE_MESSAGE(moto_proxy().error.empty(), moto_proxy().error);
    reset_moto();
    clear_log(moto_proxy());
    set_faults(moto_proxy(), "[]");
    o.probe_ssh = false;
    o.boot_timeout = std::chrono::seconds(600);
  }
  ~Fixture() {
    auto v = violations(moto_proxy());
    BOOST_TEST(v.empty(), v.size() << " model violations, first: " << (v.empty() ? "" : v.front()));
    set_faults(moto_proxy(), "[]");
  }
  CurlHttpClient http;
  Ec2Provider p{config(moto_proxy().url()), http};
  MemoryLedger ledger;
  FleetOptions o;
};

long count(const std::vector<std::string>& log, const std::string& action) {
  return std::count(log.begin(), log.end(), action);
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ec2_contract)

BOOST_FIXTURE_TEST_CASE(create_list_resize_destroy, Fixture) {
  ServerFleet fleet(p, ledger, o);
  auto s = fleet.create(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(s->name == "q-ct2-1");
  BOOST_TEST(s->tags == std::vector<std::string>{"role=web"});
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")) == recorded(ledger));
  auto bigger = p.resize(*s, "t3.large");
  BOOST_REQUIRE_MESSAGE(bigger.has_value(), (bigger ? std::string() : bigger.error().message));
  BOOST_TEST(bigger->size == "t3.large");
  BOOST_TEST(bigger->memory_mb == 8192);
  BOOST_TEST(fleet.destroy(*s).has_value());
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).empty());
  auto log = forwarded(moto_proxy());
  for (const char* a : {"RunInstances", "DescribeInstances", "StopInstances", "ModifyInstanceAttribute",
                        "StartInstances", "TerminateInstances"})
    BOOST_TEST(count(log, a) >= 1, a);
}

BOOST_FIXTURE_TEST_CASE(the_model_check_can_fail, Fixture) {
  HttpRequest r;
  r.method = "POST";
  r.url = moto_proxy().url() + "/";
  r.body = "Action=RunInstances&Version=2016-11-15&ImageId=ami-12c6146b&MinCount=one&Bogus=1";
  (void)http.send(r);
  auto v = violations(moto_proxy());
  BOOST_TEST(v.size() == 3u);  // MinCount's type, Bogus, MaxCount missing
  clear_log(moto_proxy());
}

BOOST_FIXTURE_TEST_CASE(throttling_and_5xx_on_every_call_are_retried, Fixture) {
  set_faults(moto_proxy(), R"([
    {"match": "RunInstances", "times": 1, "do": "status", "status": 503,
     "body": "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message></Error></Errors></Response>"},
    {"match": "RunInstances", "times": 1, "do": "status", "status": 429, "body": ""},
    {"match": "DescribeInstances", "times": 2, "do": "status", "status": 500,
     "body": "<Response><Errors><Error><Code>InternalError</Code><Message>x</Message></Error></Errors></Response>"},
    {"match": "TerminateInstances", "times": 1, "do": "status", "status": 400,
     "body": "<Response><Errors><Error><Code>Throttling</Code><Message>Rate exceeded</Message></Error></Errors></Response>"}])");
  ServerFleet fleet(p, ledger, o);
  auto s = fleet.create(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).size() == 1u);
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")) == recorded(ledger));
  BOOST_TEST(fleet.destroy(*s).has_value());
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).empty());
  BOOST_TEST(recorded(ledger).empty());
}

BOOST_FIXTURE_TEST_CASE(a_create_whose_answer_never_comes_makes_one_instance, Fixture) {
  set_faults(moto_proxy(), R"([{"match": "RunInstances", "times": 1, "do": "drop"}])");
  ServerFleet fleet(p, ledger, o);
  auto s = fleet.create(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(count(forwarded(moto_proxy()), "RunInstances") == 1);
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).size() == 1u);
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")) == recorded(ledger));
}

BOOST_FIXTURE_TEST_CASE(a_lost_answer_and_a_failing_lookup_stay_recorded_until_gc, Fixture) {
  set_faults(moto_proxy(), R"([{"match": "RunInstances", "times": 1, "do": "drop"},
                               {"match": "DescribeInstances", "times": 100, "do": "status", "status": 503, "body": ""}])");
  ServerFleet fleet(p, ledger, o);
  BOOST_TEST(!fleet.create(spec()).has_value());
  BOOST_TEST(ledger.pending.size() == 1u);
  set_faults(moto_proxy(), "[]");
  auto report = fleet.audit(false, false);
  BOOST_REQUIRE_MESSAGE(report.has_value(), (report ? std::string() : report.error().message));
  BOOST_TEST(report->adopted.size() == 1u);
  BOOST_TEST(ledger.pending.empty());
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).size() == 1u);
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")) == recorded(ledger));
}

BOOST_FIXTURE_TEST_CASE(a_poll_error_never_terminates, Fixture) {
  set_faults(moto_proxy(), R"([{"match": "DescribeInstances", "times": 100, "do": "status", "status": 500, "body": ""}])");
  ServerFleet fleet(p, ledger, o);
  BOOST_TEST(!fleet.create(spec()).has_value());
  BOOST_TEST(count(forwarded(moto_proxy()), "TerminateInstances") == 0);
  set_faults(moto_proxy(), "[]");
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).size() == 1u);
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")) == recorded(ledger));
}

BOOST_FIXTURE_TEST_CASE(a_destroy_failing_twice_then_always, Fixture) {
  ServerFleet fleet(p, ledger, o);
  auto s = fleet.create(spec());
  BOOST_REQUIRE(s.has_value());
  set_faults(moto_proxy(), R"([{"match": "TerminateInstances", "times": 2, "do": "status", "status": 500, "body": ""}])");
  BOOST_TEST(fleet.destroy(*s).has_value());
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).empty());

  auto t = fleet.create(spec(2));
  BOOST_REQUIRE(t.has_value());
  set_faults(moto_proxy(), R"([{"match": "TerminateInstances", "times": 1000, "do": "status", "status": 500, "body": ""}])");
  auto d = fleet.destroy(*t);
  BOOST_REQUIRE(!d.has_value());
  BOOST_TEST(d.error().message.find("recorded as leaked") != std::string::npos, d.error().message);
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")) == recorded(ledger));
  set_faults(moto_proxy(), "[]");
  auto report = fleet.audit(false, false);
  BOOST_REQUIRE(report.has_value());
  BOOST_TEST(report->destroyed.size() == 1u);
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).empty());
  BOOST_TEST(recorded(ledger).empty());
}

BOOST_FIXTURE_TEST_CASE(gc_finds_an_unknown_instance, Fixture) {
  ServerFleet fleet(p, ledger, o);
  auto s = fleet.create(spec());
  BOOST_REQUIRE(s.has_value());
  ledger.servers.clear();  // as if the record were lost
  auto dry = fleet.audit(true, true);
  BOOST_REQUIRE(dry.has_value());
  BOOST_TEST(dry->unknown.size() == 1u);
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).size() == 1u);
  auto real = fleet.audit(false, true);
  BOOST_REQUIRE(real.has_value());
  BOOST_TEST(real->destroyed.size() == 1u);
  BOOST_TEST(moto_instances(cluster_tag("quarry", "ct2")).empty());
}

BOOST_AUTO_TEST_SUITE_END()
