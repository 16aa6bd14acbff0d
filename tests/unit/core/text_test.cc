#include <boost/test/unit_test.hpp>

#include "core/text.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(text)

BOOST_AUTO_TEST_CASE(split_and_join) {
  BOOST_TEST(split("a,b,,c", ',').size() == 4u);
  BOOST_TEST(join({"a", "b"}, ", ") == "a, b");
  BOOST_TEST(split_lines("a\r\nb\n").size() == 2u);
  BOOST_TEST(trim("  x \n") == "x");
}

BOOST_AUTO_TEST_CASE(nearest_suggests_typos_only) {
  std::vector<std::string> keys{"domains", "depends_on", "memory", "image"};
  BOOST_TEST(nearest("domians", keys).value_or("") == "domains");
  BOOST_TEST(nearest("memroy", keys).value_or("") == "memory");
  BOOST_TEST(nearest("domian", keys).value_or("") == "domains");
  BOOST_TEST(edit_distance("domian", "domain") == 1u);
  BOOST_TEST(!nearest("zzzzzzzzzzzz", keys).has_value());
}

BOOST_AUTO_TEST_CASE(names) {
  BOOST_TEST(is_dns_label("web-1"));
  BOOST_TEST(!is_dns_label("-web"));
  BOOST_TEST(!is_dns_label("Web"));
  BOOST_TEST(!is_dns_label(std::string(64, 'a')));
  BOOST_TEST(is_host_name("www.blog.example.com"));
  BOOST_TEST(!is_host_name("blog..example.com"));
  BOOST_TEST(!is_host_name("bad_host.com"));
}

BOOST_AUTO_TEST_CASE(sha256) {
  BOOST_TEST(sha256_hex("abc") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

BOOST_AUTO_TEST_CASE(durations) {
  BOOST_TEST(format_duration_ms(340) == "340ms");
  BOOST_TEST(format_duration_ms(1200) == "1.2s");
  BOOST_TEST(format_duration_ms(125000) == "2m05s");
}

BOOST_AUTO_TEST_SUITE_END()
