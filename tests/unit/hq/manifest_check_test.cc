#include <boost/test/unit_test.hpp>

#include "hq/manifest_check.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(manifest_check)

BOOST_AUTO_TEST_CASE(accepts_a_valid_manifest) {
  BOOST_TEST(validate_pushed_manifest("name: blog\nnodes:\n  web:\n    image: nginx\n    port: 80\n", "blog", {})
                 .has_value());
  // Without name: the stack is named after the repository pushed to.
  BOOST_TEST(validate_pushed_manifest("nodes:\n  web:\n    image: nginx\n", "blog", {}).has_value());
}

BOOST_AUTO_TEST_CASE(errors_are_located_in_quarry_yml) {
  auto s = validate_pushed_manifest("name: blog\nnodes:\n  web:\n    image: nginx\n    prot: 80\n", "blog", {});
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message.find("quarry.yml:5:5: ") == 0u, s.error().message);
}

BOOST_AUTO_TEST_CASE(name_must_match_the_repository) {
  auto s = validate_pushed_manifest("# blog\nname:   shop\nnodes:\n  web:\n    image: nginx\n", "blog", {});
  BOOST_REQUIRE(!s.has_value());
  BOOST_TEST(s.error().message ==
             "quarry.yml:2:9: name: 'shop' does not match the repository 'blog' this was pushed to "
             "(push to shop, or change name: to blog)");
}

BOOST_AUTO_TEST_SUITE_END()
