#include <boost/test/unit_test.hpp>

#include "cli/table.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(table)

BOOST_AUTO_TEST_CASE(aligns_columns_and_trims) {
  Table t({"ID", "NAME", "TAGS"});
  t.add({"s1", "alpha", ""});
  t.add({"s10", "b", "role=router"});
  BOOST_TEST(t.render() ==
             "ID   NAME   TAGS\n"
             "s1   alpha\n"
             "s10  b      role=router\n");
}

BOOST_AUTO_TEST_SUITE_END()
