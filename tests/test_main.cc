// The one translation unit of each test executable that defines main.
#define BOOST_TEST_MODULE quarry
#include <boost/test/unit_test.hpp>
