#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "core/file_io.h"
#include "store/dir_store.h"
#include "store/store_json.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(store_json)

BOOST_AUTO_TEST_CASE(json_round_trip_and_corrupt_names_file) {
  auto root = make_temp_dir("quarry-store").value();
  DirStore s(root);
  BOOST_REQUIRE(put_json(s, "grid/grid.json", {{"blocks", 3}}).has_value());
  BOOST_TEST(get_json(s, "grid/grid.json").value().value()["blocks"] == 3);
  BOOST_TEST(!get_json(s, "grid/none.json").value().has_value());
  BOOST_REQUIRE(s.put("grid/grid.json", "{\"blocks\": [1, 2").has_value());
  auto bad = get_json(s, "grid/grid.json");
  BOOST_REQUIRE(!bad.has_value());
  BOOST_TEST(bad.error().message == root + "/grid/grid.json: corrupt JSON: the file does not parse; restore it or remove it");
  (void)remove_all(root);
}

BOOST_AUTO_TEST_CASE(env_dir_is_private) {
  auto root = make_temp_dir("quarry-store").value();
  DirStore s(root);
  BOOST_REQUIRE(set_env(s, "stacks/blog/env", "SECRET", "p@ss word\n$(x)").has_value());
  BOOST_REQUIRE(set_env(s, "stacks/blog/env", "A", "1").has_value());
  auto env = read_env(s, "stacks/blog/env").value();
  BOOST_TEST(env.size() == 2u);
  BOOST_TEST(env["SECRET"] == "p@ss word\n$(x)");
  struct stat st;
  BOOST_REQUIRE(stat((root + "/stacks/blog/env/SECRET").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_TEST(!set_env(s, "stacks/blog/env", "BAD-NAME", "x").has_value());
  BOOST_REQUIRE(unset_env(s, "stacks/blog/env", "A").has_value());
  BOOST_TEST(read_env(s, "stacks/blog/env").value().size() == 1u);
  (void)remove_all(root);
}

BOOST_AUTO_TEST_SUITE_END()
