#include <boost/test/unit_test.hpp>

#include "core/file_io.h"
#include "store/dir_store.h"
#include "store/store_migrate.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

namespace {
struct TempHome {
  std::string root = make_temp_dir("quarry-migrate").value();
  ~TempHome() { (void)remove_all(root); }
};
}  // namespace

BOOST_AUTO_TEST_SUITE(store_migrate)

BOOST_AUTO_TEST_CASE(copies_state_not_disk_files_and_back) {
  TempHome from_home, back_home;
  DirStore from(from_home.root);
  for (const char* key : {"etc/env/TOKEN", "grid/grid.json", "stacks/blog/releases/1.json", "stacks/blog/env/DB",
                          "servers/s1/settings.json", "keys/hq_ed25519", "keys/known_hosts/s1", "stacks/blog/src/app.py",
                          "stacks/blog/repo.git/HEAD", "stacks/blog/build/x", "run/locks/a.lock", "engine/pid"}) {
    BOOST_REQUIRE(from.put(key, std::string("value of ") + key).has_value());
  }
  MemoryStore middle;
  auto there = migrate_store(from, middle);
  BOOST_REQUIRE_MESSAGE(there.has_value(), (there ? std::string() : there.error().message));
  BOOST_TEST(there->keys == 6u);
  BOOST_TEST(middle.get("keys/known_hosts/s1").value().value() == "value of keys/known_hosts/s1");
  BOOST_TEST(!middle.get("stacks/blog/src/app.py").value().has_value());
  BOOST_TEST(!middle.get("keys/hq_ed25519").value().has_value());
  BOOST_TEST(middle.modes().at("etc/env/TOKEN") == 0600u);
  DirStore back(back_home.root);
  auto home = migrate_store(middle, back);
  BOOST_REQUIRE(home.has_value());
  BOOST_TEST(home->keys == 6u);
  BOOST_TEST(list_keys(back).value() == list_keys(from).value());
  auto keys = list_keys(from).value();
  BOOST_TEST(keys.size() == 6u);
  for (const auto& key : keys) BOOST_TEST((back.get(key).value() == from.get(key).value()), key);
}

BOOST_AUTO_TEST_CASE(a_value_too_large_copies_nothing) {
  TempHome h;
  DirStore from(h.root);
  BOOST_REQUIRE(from.put("a/first", "1").has_value());
  BOOST_REQUIRE(write_file_atomic(h.root + "/z/huge", std::string(kMaxStoreValue + 1, 'x')).has_value());
  MemoryStore to;
  auto got = migrate_store(from, to);
  BOOST_REQUIRE(!got.has_value());
  BOOST_TEST(got.error().message.find("z/huge") != std::string::npos);
  BOOST_TEST(!to.get("a/first").value().has_value());
}

BOOST_AUTO_TEST_SUITE_END()
