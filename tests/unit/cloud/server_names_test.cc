#include <boost/test/unit_test.hpp>

#include "cloud/server_names.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(server_names)

BOOST_AUTO_TEST_CASE(names_are_cluster_and_number) {
  BOOST_TEST(server_name("ab12", 3) == "q-ab12-3");
  BOOST_TEST(check_server_name(server_name("ab12cd", 999999)).has_value());
  BOOST_TEST(last_server_number("ab12", {"q-ab12-3", "q-ab12-11", "q-ab1-40", "q-ab12-x", "web", "q-ab12-"}) == 11);
  BOOST_TEST(last_server_number("ab12", {}) == 0);
}

BOOST_AUTO_TEST_CASE(names_follow_dns_and_provider_rules) {
  struct Case { const char* name; const char* error; };
  const Case cases[] = {
      {"web-1", ""},
      {"", "server name \"\" must have 1 to 63 characters"},
      {"Web", "server name \"Web\" may hold only a-z, 0-9 and '-'"},
      {"a.b", "server name \"a.b\" may hold only a-z, 0-9 and '-'"},
      {"-a", "server name \"-a\" must not start or end with '-'"},
      {"a-", "server name \"a-\" must not start or end with '-'"},
      {"a b", "server name \"a b\" may hold only a-z, 0-9 and '-'"},
      {"x;rm", "server name \"x;rm\" may hold only a-z, 0-9 and '-'"},
  };
  for (const auto& c : cases) {
    auto s = check_server_name(c.name);
    if (std::string(c.error).empty()) BOOST_TEST(s.has_value(), c.name);
    else BOOST_TEST((s ? std::string() : s.error().message) == c.error, c.name);
  }
  BOOST_TEST(!check_server_name(std::string(64, 'a')).has_value());
  BOOST_TEST(check_server_name(std::string(63, 'a')).has_value());
}

BOOST_AUTO_TEST_CASE(tags_fit_every_provider) {
  for (const char* ok : {"role=router", "web", "env=prod", "a.b:c_d-e", "k="}) BOOST_TEST(check_server_tag(ok).has_value(), ok);
  struct Case { const char* tag; const char* error; };
  const Case cases[] = {
      {"", "tag \"\": the key must have 1 to 64 characters"},
      {"=x", "tag \"=x\": the key must have 1 to 64 characters"},
      {"aws:x=1", "tag \"aws:x=1\": keys starting with aws: are reserved by EC2"},
      {"role=a b", "tag \"role=a b\": the value may hold only A-Z, a-z, 0-9, '_', '.', ':' and '-'"},
      {"ro/le", "tag \"ro/le\": the key may hold only A-Z, a-z, 0-9, '_', '.', ':' and '-'"},
  };
  for (const auto& c : cases) {
    auto s = check_server_tag(c.tag);
    BOOST_TEST((s ? std::string() : s.error().message) == c.error, c.tag);
  }
  BOOST_TEST(!check_server_tag("k=" + std::string(129, 'v')).has_value());
  BOOST_TEST(!check_server_tag(std::string(65, 'k')).has_value());
}

BOOST_AUTO_TEST_CASE(tokens_are_unique_and_valid_tags) {
  auto a = new_create_token();
  auto b = new_create_token();
  BOOST_TEST(a.size() == 24u);
  BOOST_TEST(a != b);
  BOOST_TEST(check_server_tag(create_token_tag(a)).has_value());
  BOOST_TEST(create_token_tag("ff") == "qc-ff");
  BOOST_TEST(cluster_tag("quarry", "ab12") == "quarry-ab12");
}

BOOST_AUTO_TEST_SUITE_END()
