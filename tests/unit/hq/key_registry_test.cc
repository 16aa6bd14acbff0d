#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include "git_fixture.h"
#include "hq/key_registry.h"
#include "store/dir_store.h"

using namespace quarry;
using namespace quarry::test;

namespace {
const std::string kAlice = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrzKhQgvYgQwI/idzSpBow8T0vMC7u49M4b76KmUqE+ a@x";
const std::string kBob = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIALo9CNtfJqlabF5/xobyeqHQb6+n9nde0wBWeVoZJTl b@y";

PublicKey key(const std::string& text) {
  auto k = parse_public_key(text);
  BOOST_REQUIRE(k.has_value());
  return *k;
}
}  // namespace

BOOST_AUTO_TEST_SUITE(key_registry)

BOOST_AUTO_TEST_CASE(add_list_remove) {
  TempDir t;
  DirStore store(t.path);
  BOOST_REQUIRE(add_key(store, "bob", key(kBob)).has_value());
  BOOST_REQUIRE(add_key(store, "alice", key(kAlice)).has_value());
  auto keys = list_keys(store);
  BOOST_REQUIRE(keys.has_value());
  BOOST_REQUIRE(keys->size() == 2u);
  BOOST_TEST((*keys)[0].name == "alice");
  BOOST_TEST((*keys)[1].name == "bob");
  BOOST_TEST(*read_file(t.path + "/etc/keys/alice.pub") ==
             "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrzKhQgvYgQwI/idzSpBow8T0vMC7u49M4b76KmUqE+ alice\n");
  BOOST_REQUIRE(remove_key(store, "alice").has_value());
  keys = list_keys(store);
  BOOST_REQUIRE(keys.has_value());
  BOOST_TEST(keys->size() == 1u);
  BOOST_TEST(!path_exists(t.path + "/etc/keys/alice.stacks"));
  auto again = remove_key(store, "alice");
  BOOST_REQUIRE(!again.has_value());
  BOOST_TEST(again.error().message == "no key named 'alice' (see `quarry hq keys`)");
}

BOOST_AUTO_TEST_CASE(refuses_duplicates_and_bad_names) {
  TempDir t;
  DirStore store(t.path);
  BOOST_REQUIRE(add_key(store, "alice", key(kAlice)).has_value());
  auto same_name = add_key(store, "alice", key(kBob));
  BOOST_REQUIRE(!same_name.has_value());
  BOOST_TEST(same_name.error().message == "a key named 'alice' already exists (remove it first)");
  auto same_key = add_key(store, "alice2", key(kAlice));
  BOOST_REQUIRE(!same_key.has_value());
  BOOST_TEST(same_key.error().message == "this key is already registered as 'alice'");
  BOOST_TEST(!add_key(store, "../x", key(kBob)).has_value());
  BOOST_TEST(!remove_key(store, "../etc").has_value());
}

BOOST_AUTO_TEST_CASE(renders_forced_commands) {
  std::vector<RegisteredKey> keys = {{"alice", key(kAlice)}};
  auto text = render_authorized_keys(keys, "/usr/local/bin/quarry", "/srv/my hq");
  BOOST_REQUIRE(text.has_value());
  BOOST_TEST(*text ==
             "# Written by `quarry hq init|add-key|remove-key`; edits are overwritten.\n"
             "command=\"/usr/local/bin/quarry --home '/srv/my hq' hq shell alice\",restrict ssh-ed25519 "
             "AAAAC3NzaC1lZDI1NTE5AAAAILrzKhQgvYgQwI/idzSpBow8T0vMC7u49M4b76KmUqE+ alice\n");
  BOOST_TEST(!render_authorized_keys(keys, "/bin/qu\"arry", "/h").has_value());
  BOOST_TEST(!render_authorized_keys(keys, "/bin/quarry", "/h\\x").has_value());
  BOOST_TEST(!render_authorized_keys(keys, "/bin/quarry", "/h\nx").has_value());
}

// The HQs' keys log in to the mirror command; a key that is also a
// developer's keeps its developer line only.
BOOST_AUTO_TEST_CASE(renders_mirror_lines_for_the_hqs_keys) {
  std::vector<RegisteredKey> keys = {{"alice", key(kAlice)}};
  auto text = render_authorized_keys(keys, "/bin/quarry", "/h", {key(kBob), key(kAlice), key(kBob)});
  BOOST_REQUIRE(text.has_value());
  BOOST_TEST(*text ==
             "# Written by `quarry hq init|add-key|remove-key`; edits are overwritten.\n"
             "command=\"/bin/quarry --home /h hq shell alice\",restrict ssh-ed25519 "
             "AAAAC3NzaC1lZDI1NTE5AAAAILrzKhQgvYgQwI/idzSpBow8T0vMC7u49M4b76KmUqE+ alice\n"
             "command=\"/bin/quarry --home /h hq mirror\",restrict ssh-ed25519 "
             "AAAAC3NzaC1lZDI1NTE5AAAAIALo9CNtfJqlabF5/xobyeqHQb6+n9nde0wBWeVoZJTl quarry-hq\n");
}

BOOST_AUTO_TEST_CASE(writes_authorized_keys_private) {
  TempDir t;
  DirStore store(t.path);
  BOOST_REQUIRE(add_key(store, "alice", key(kAlice)).has_value());
  HqConfig config{"nobody-here", "/usr/bin/quarry", t.path + "/.ssh/authorized_keys", ""};
  // Ownership is only handed over when running as root; the account must
  // then exist, so this test uses one that does.
  config.user = "root";
  BOOST_REQUIRE(write_authorized_keys(store, config, t.path).has_value());
  struct stat st {};
  BOOST_REQUIRE(stat(config.authorized_keys.c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  BOOST_REQUIRE(stat((t.path + "/.ssh").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0700u);
  BOOST_TEST(read_file(config.authorized_keys)->find("hq shell alice") != std::string::npos);
}

BOOST_AUTO_TEST_SUITE_END()
