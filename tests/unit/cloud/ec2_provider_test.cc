#include <boost/test/unit_test.hpp>

#include "cloud/ec2_provider.h"
#include "cloud/sigv4.h"
#include "core/text.h"
#include "tests/fakes/fake_http.h"
#include "tests/unit/cloud/fake_clock.h"

using namespace quarry;

namespace {

Ec2Config config() {
  Ec2Config c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  c.region = "eu-west-1";
  c.endpoint = "http://127.0.0.1:9";
  c.image_id = "ami-0abc";
  c.security_group_ids = {"sg-1"};
  c.authorized_key = "ssh-ed25519 AAAAHQ hq";
  c.poll_interval = std::chrono::seconds(5);
  c.create_timeout = std::chrono::seconds(30);
  return c;
}

std::string instance_item(const std::string& state, const std::string& ip) {
  return "<item><instanceId>i-0123</instanceId><instanceState><code>16</code><name>" + state +
         "</name></instanceState><privateIpAddress>172.31.0.9</privateIpAddress>" +
         (ip.empty() ? "" : "<ipAddress>" + ip + "</ipAddress>") +
         "<instanceType>t3.small</instanceType><tagSet><item><key>Name</key><value>web-1</value></item>"
         "<item><key>quarry</key><value/></item><item><key>role</key><value>web</value></item></tagSet></item>";
}

std::string run_response() {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<RunInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <requestId>r-1</requestId><instancesSet>)" +
         instance_item("pending", "") + "</instancesSet></RunInstancesResponse>";
}

std::string describe_response(const std::string& state, const std::string& ip) {
  return R"(<?xml version="1.0" encoding="UTF-8"?>
<DescribeInstancesResponse xmlns="http://ec2.amazonaws.com/doc/2016-11-15/">
  <reservationSet><item><reservationId>r-9</reservationId><instancesSet>)" +
         instance_item(state, ip) + "</instancesSet></item></reservationSet></DescribeInstancesResponse>";
}

std::string error_response(const std::string& code, const std::string& message) {
  return "<?xml version=\"1.0\"?><Response><Errors><Error><Code>" + code + "</Code><Message>" + message +
         "</Message></Error></Errors><RequestID>x</RequestID></Response>";
}

ServerSpec spec(int memory = 2048, std::vector<std::string> tags = {"role=web"}) {
  ServerSpec s;
  s.name = "web-1";
  s.memory_mb = memory;
  s.cpu = 1;
  s.tags = std::move(tags);
  s.token = "tok1";
  s.host_key_private = "-----BEGIN OPENSSH PRIVATE KEY-----\nAAAA\n-----END OPENSSH PRIVATE KEY-----\n";
  s.host_key_public = "ssh-ed25519 AAAAHOST quarry-host";
  return s;
}

std::string header(const HttpRequest& r, const std::string& name) {
  for (const auto& [k, v] : r.headers)
    if (k == name) return v;
  return "";
}

}  // namespace

BOOST_AUTO_TEST_SUITE(ec2_provider)

BOOST_AUTO_TEST_CASE(run_instances_parameters) {
  auto p = ec2_run_instances_params(config(), spec());
  BOOST_REQUIRE(p.has_value());
  std::vector<std::string> got;
  std::string user_data;
  for (const auto& [k, v] : *p) {
    got.push_back(k + "=" + (k == "UserData" ? "..." : v));
    if (k == "UserData") user_data = v;
  }
  std::vector<std::string> want = {
      "ImageId=ami-0abc", "InstanceType=t3.small", "MinCount=1", "MaxCount=1", "UserData=...",
      "ClientToken=tok1", "SecurityGroupId.1=sg-1", "TagSpecification.1.ResourceType=instance",
      "TagSpecification.1.Tag.1.Key=Name", "TagSpecification.1.Tag.1.Value=web-1",
      "TagSpecification.1.Tag.2.Key=quarry", "TagSpecification.1.Tag.2.Value=",
      "TagSpecification.1.Tag.3.Key=quarry-create", "TagSpecification.1.Tag.3.Value=tok1",
      "TagSpecification.1.Tag.4.Key=role", "TagSpecification.1.Tag.4.Value=web"};
  BOOST_TEST(got == want, boost::test_tools::per_element());
  // The user data is base64 of the cloud-config with the HQ's key and the host key.
  auto decoded = base64_decode(user_data);
  BOOST_REQUIRE(decoded.has_value());
  BOOST_TEST(decoded->find("#cloud-config\n") == 0u);
  BOOST_TEST(decoded->find("      - \"ssh-ed25519 AAAAHQ hq\"") != std::string::npos);
  BOOST_TEST(decoded->find("ed25519_public: \"ssh-ed25519 AAAAHOST quarry-host\"") != std::string::npos);
  BOOST_TEST(decoded->find("wJalr") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(base64_through_openssl) {
  BOOST_TEST(base64_encode("") == "");
  BOOST_TEST(base64_encode("f") == "Zg==");
  BOOST_TEST(base64_encode("foobar") == "Zm9vYmFy");
}

BOOST_AUTO_TEST_CASE(throttling_is_retried_without_a_second_instance) {
  FakeWait wait;
  FakeHttpClient http;
  http.on("POST", "127.0.0.1", 503, error_response("RequestLimitExceeded", "Request limit exceeded."));
  http.on("POST", "127.0.0.1", 200, run_response());
  auto c = config();
  c.wait_for_ssh = false;
  Ec2Provider p(c, http, wait.deps());
  auto s = p.launch(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  auto reqs = http.requests();
  BOOST_REQUIRE(reqs.size() == 2u);
  BOOST_TEST(reqs[1].body.starts_with("Action=RunInstances&"));
  BOOST_TEST(reqs[1].body.find("ClientToken=tok1") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(create_signs_runs_and_polls_until_running) {
  // Every action goes to the same endpoint, so the replies come in the
  // order the provider sends: Run, then Describe three times.
  FakeWait wait;
  FakeHttpClient scripted;
  scripted.on("POST", "127.0.0.1", 200, run_response());
  scripted.on("POST", "127.0.0.1", 400, error_response("InvalidInstanceID.NotFound", "not yet"));
  scripted.on("POST", "127.0.0.1", 200, describe_response("pending", ""));
  scripted.on("POST", "127.0.0.1", 200, describe_response("running", "203.0.113.9"));
  Ec2Provider q(config(), scripted, wait.deps());
  auto s = q.create(spec());
  BOOST_REQUIRE_MESSAGE(s.has_value(), (s ? std::string() : s.error().message));
  BOOST_TEST(s->id == "i-0123");
  BOOST_TEST(s->ip == "203.0.113.9");
  BOOST_TEST(s->name == "web-1");
  BOOST_TEST(s->memory_mb == 2048);
  BOOST_TEST(s->tags == std::vector<std::string>{"role=web"});

  auto reqs = scripted.requests();
  BOOST_REQUIRE(reqs.size() == 4u);
  BOOST_TEST(reqs[0].body.starts_with("Action=RunInstances&Version=2016-11-15&ImageId=ami-0abc&"));
  BOOST_TEST(reqs[1].body == "Action=DescribeInstances&Version=2016-11-15&InstanceId.1=i-0123");
  BOOST_TEST(header(reqs[0], "Content-Type") == "application/x-www-form-urlencoded; charset=utf-8");
  BOOST_TEST(header(reqs[0], "Host") == "127.0.0.1:9");
  BOOST_TEST(header(reqs[0], "X-Amz-Date") == "20150830T123600Z");

  // The Authorization header is the SigV4 signature of exactly what was sent.
  SigV4Request sr;
  sr.method = "POST";
  sr.path = "/";
  sr.payload = reqs[1].body;
  sr.headers = {{"Content-Type", header(reqs[1], "Content-Type")}, {"Host", "127.0.0.1:9"},
                {"X-Amz-Date", header(reqs[1], "X-Amz-Date")}};
  SigV4Scope scope{header(reqs[1], "X-Amz-Date"), "eu-west-1", "ec2"};
  BOOST_TEST(header(reqs[1], "Authorization") ==
             sigv4_authorization(sr, {"AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"}, scope));
  BOOST_TEST(header(reqs[1], "Authorization").starts_with(
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/"));
}

BOOST_AUTO_TEST_CASE(errors_carry_code_and_message_not_secrets) {
  FakeHttpClient http;
  http.on("POST", "127.0.0.1", 400,
          error_response("InsufficientInstanceCapacity", "We currently do not have sufficient capacity."));
  Ec2Provider p(config(), http, FakeWait{}.deps());
  auto s = p.create(spec(1024, {}));
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "ec2: RunInstances: HTTP 400: InsufficientInstanceCapacity: We currently do not have sufficient "
             "capacity.");
  BOOST_TEST(s.error().message.find("wJalr") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(an_instance_that_terminates_is_reported) {
  FakeHttpClient http;
  FakeWait wait;
  http.on("POST", "127.0.0.1", 200, run_response());
  http.on("POST", "127.0.0.1", 200, describe_response("terminated", ""));
  Ec2Provider p(config(), http, wait.deps());
  auto s = p.create(spec(1024, {}));
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message == "ec2: instance i-0123: state \"terminated\" while waiting for running");
  BOOST_TEST(http.requests().size() == 2u);
}

BOOST_AUTO_TEST_CASE(destroy_treats_not_found_as_gone) {
  FakeHttpClient http;
  http.on("POST", "127.0.0.1", 400, error_response("InvalidInstanceID.NotFound", "The instance ID does not exist"));
  Ec2Provider p(config(), http, FakeWait{}.deps());
  Server s;
  s.provider_ref = "i-gone";
  BOOST_TEST(p.destroy(s).has_value());
}

BOOST_AUTO_TEST_CASE(list_filters_on_the_tag_and_pages) {
  FakeHttpClient http;
  auto page1 = describe_response("running", "203.0.113.9");
  page1.insert(page1.find("</DescribeInstancesResponse>"), "<nextToken>tok2</nextToken>");
  http.on("POST", "127.0.0.1", 200, page1);
  http.on("POST", "127.0.0.1", 200, describe_response("pending", ""));
  Ec2Provider p(config(), http, FakeWait{}.deps());
  auto servers = p.list();
  BOOST_REQUIRE(servers.has_value());
  BOOST_TEST(servers->size() == 2u);
  auto reqs = http.requests();
  BOOST_REQUIRE(reqs.size() == 2u);
  BOOST_TEST(reqs[0].body ==
             "Action=DescribeInstances&Version=2016-11-15&Filter.1.Name=tag-key&Filter.1.Value.1=quarry&"
             "Filter.2.Name=instance-state-name&Filter.2.Value.1=pending&Filter.2.Value.2=running&"
             "Filter.2.Value.3=stopping&Filter.2.Value.4=stopped&MaxResults=1000");
  BOOST_TEST(reqs[1].body.ends_with("&NextToken=tok2"));
}

BOOST_AUTO_TEST_CASE(private_addresses_on_request) {
  auto c = config();
  c.use_private_ip = true;
  auto servers = ec2_parse_instances(describe_response("running", "203.0.113.9"), c);
  BOOST_REQUIRE(servers.has_value());
  BOOST_REQUIRE(servers->size() == 1u);
  BOOST_TEST((*servers)[0].ip == "172.31.0.9");
  BOOST_TEST(!ec2_parse_instances("<a><b></a>", c).has_value());
}

BOOST_AUTO_TEST_SUITE_END()
