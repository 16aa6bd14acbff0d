#include <boost/test/unit_test.hpp>

#include "cloud/provider_config.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(provider_config)

BOOST_AUTO_TEST_CASE(local_with_defaults) {
  auto c = parse_cloud_config(R"({"provider":"local","cluster_id":"dev1"})");
  BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
  BOOST_TEST(c->provider == "local");
  BOOST_TEST(c->local.cluster_id == "dev1");
  BOOST_TEST(c->local.ssh_user == "quarry-ssh");
  BOOST_TEST(c->local.subnet_octet == 0);
}

BOOST_AUTO_TEST_CASE(digitalocean_keys) {
  auto c = parse_cloud_config(R"({"provider":"digitalocean","token":"t0k","region":"fra1","ssh_keys":["1","2"],
    "base_url":"http://127.0.0.1:8080/","poll_interval":0.5,"wait_for_ssh":false})");
  BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
  BOOST_TEST(c->digitalocean.token == "t0k");
  BOOST_TEST(c->digitalocean.region == "fra1");
  BOOST_TEST(c->digitalocean.ssh_keys.size() == 2u);
  BOOST_TEST(c->digitalocean.base_url == "http://127.0.0.1:8080");
  BOOST_TEST(c->digitalocean.poll_interval.count() == 500);
  BOOST_TEST(!c->digitalocean.wait_for_ssh);
}

BOOST_AUTO_TEST_CASE(ec2_keys) {
  auto c = parse_cloud_config(R"({"provider":"ec2","access_key_id":"AK","secret_access_key":"SK",
    "image_id":"ami-1","region":"eu-west-1","security_group_ids":["sg-1"],"use_private_ip":true})");
  BOOST_REQUIRE_MESSAGE(c.has_value(), (c ? std::string() : c.error().message));
  BOOST_TEST(c->ec2.region == "eu-west-1");
  BOOST_TEST(c->ec2.security_group_ids == std::vector<std::string>{"sg-1"});
  BOOST_TEST(c->ec2.use_private_ip);
}

// Each case: the settings and the whole error message.
BOOST_AUTO_TEST_CASE(errors) {
  struct Case {
    const char* json;
    const char* message;
  };
  const Case cases[] = {
      {R"({"provider":"local",)", "cloud settings: not valid JSON (at byte 21)"},
      {R"([1])", "cloud settings: expected a JSON object"},
      {R"({"cluster_id":"a"})", "cloud settings: \"provider\" is required (local, digitalocean or ec2)"},
      {R"({"provider":"digitalocan"})",
       "cloud settings: unknown provider \"digitalocan\" (did you mean \"digitalocean\"?); expected local, "
       "digitalocean or ec2"},
      {R"({"provider":"digitalocean","region":"fra1"})",
       "cloud settings: \"token\" is required for provider digitalocean"},
      {R"({"provider":"digitalocean","token":"secret","regoin":"fra1"})",
       "cloud settings: unknown key \"regoin\" for provider digitalocean (did you mean \"region\"?)"},
      {R"({"provider":"digitalocean","token":"secret","ssh_keys":"abc"})",
       "cloud settings: \"ssh_keys\" must be a list of strings"},
      {R"({"provider":"digitalocean","token":"secret","base_url":"ftp://x"})",
       "cloud settings: \"base_url\" must be an http:// or https:// URL"},
      {R"({"provider":"ec2","access_key_id":"AK","secret_access_key":"SK"})",
       "cloud settings: \"image_id\" is required for provider ec2"},
      {R"({"provider":"ec2","access_key_id":"AK","secret_access_key":"","image_id":"ami"})",
       "cloud settings: \"secret_access_key\" must be a non-empty string"},
      {R"({"provider":"local","cluster_id":"Too-Long"})",
       "cloud settings: \"cluster_id\" must be 1-6 characters of [a-z0-9]"},
      {R"({"provider":"local","subnet_octet":251})", "cloud settings: \"subnet_octet\" must be between 1 and 250"},
      {R"({"provider":"local","ready_timeout":-1})",
       "cloud settings: \"ready_timeout\" must be a positive number of seconds"},
  };
  for (const auto& c : cases) {
    auto r = parse_cloud_config(c.json);
    BOOST_TEST_CONTEXT(c.json) {
      BOOST_REQUIRE(!r.has_value());
      BOOST_TEST(r.error().message == c.message);
      BOOST_TEST(r.error().exit_code() == 1);
    }
  }
}

BOOST_AUTO_TEST_CASE(secrets_never_reach_messages) {
  const char* bad_json = R"({"provider":"digitalocean","token":"s3cr3t-value)";
  auto r = parse_cloud_config(bad_json);
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message.find("s3cr3t") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(cluster_id_from_home) {
  auto id = default_cluster_id("/home/quarry");
  BOOST_TEST(id.size() == 6u);
  BOOST_TEST(check_cluster_id(id).has_value());
  BOOST_TEST(default_cluster_id("/home/other") != id);
}

BOOST_AUTO_TEST_SUITE_END()
