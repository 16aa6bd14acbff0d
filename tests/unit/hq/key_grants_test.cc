#include <boost/test/unit_test.hpp>

#include "git_fixture.h"
#include "hq/key_grants.h"
#include "hq/key_registry.h"
#include "store/dir_store.h"

using namespace quarry;
using namespace quarry::test;

namespace {
const std::string kAlice = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAILrzKhQgvYgQwI/idzSpBow8T0vMC7u49M4b76KmUqE+ a@x";
}  // namespace

BOOST_AUTO_TEST_SUITE(key_grants)

BOOST_AUTO_TEST_CASE(stack_lists) {
  auto g = parse_stack_list("b, a,b,,c-1");
  BOOST_REQUIRE(g.has_value());
  BOOST_TEST((g->stacks == std::vector<std::string>{"a", "b", "c-1"}));
  BOOST_TEST(!g->all);
  BOOST_TEST(parse_stack_list("a,B_x").error().message ==
             "'B_x' is not a stack name (lower-case letters, digits and '-')");
  BOOST_TEST(parse_stack_list(" , ").error().message == "no stack named: give --stacks a,b, or --all, or --none");
}

BOOST_AUTO_TEST_CASE(what_a_grant_allows) {
  KeyGrant none;
  KeyGrant some = *parse_stack_list("a,c");
  KeyGrant all{true, {}};
  BOOST_TEST(!grant_allows(none, "a"));
  BOOST_TEST(grant_allows(some, "a"));
  BOOST_TEST(!grant_allows(some, "b"));
  BOOST_TEST(!grant_allows(some, "a-b"));
  BOOST_TEST(grant_allows(all, "b"));
  BOOST_TEST(describe_grant(none) == "no stack");
  BOOST_TEST(describe_grant(some) == "a, c");
  BOOST_TEST(describe_grant(all) == "all stacks");
}

BOOST_AUTO_TEST_CASE(a_new_key_reaches_no_stack_by_default) {
  TempDir t;
  DirStore store(t.path);
  BOOST_REQUIRE(add_key(store, "alice", *parse_public_key(kAlice)).has_value());
  auto g = load_grant(store, "alice");
  BOOST_REQUIRE(g.has_value());
  BOOST_TEST((*g == KeyGrant{}));
  // A key with no grant file at all reaches nothing either.
  BOOST_TEST((*load_grant(store, "nobody") == KeyGrant{}));
}

BOOST_AUTO_TEST_CASE(grants_round_trip_through_the_store) {
  TempDir t;
  DirStore store(t.path);
  BOOST_REQUIRE(add_key(store, "alice", *parse_public_key(kAlice), *parse_stack_list("blog,shop")).has_value());
  BOOST_TEST(*read_file(t.path + "/etc/keys/alice.stacks") == "blog\nshop\n");
  BOOST_TEST((*load_grant(store, "alice") == *parse_stack_list("shop,blog")));
  BOOST_REQUIRE(save_grant(store, "alice", KeyGrant{true, {}}).has_value());
  BOOST_TEST(*read_file(t.path + "/etc/keys/alice.stacks") == "*\n");
  BOOST_TEST(load_grant(store, "alice")->all);
  write(t.path + "/etc/keys/alice.stacks", "blog\n../etc\n");
  auto bad = load_grant(store, "alice");
  BOOST_REQUIRE(!bad.has_value());
  BOOST_TEST(bad.error().message == t.path + "/etc/keys/alice.stacks: '../etc' is not a stack name or '*'");
}

BOOST_AUTO_TEST_CASE(refusals_say_who_what_and_how) {
  BOOST_TEST(refusal("bob", *parse_stack_list("a"), "b", true) ==
             "key 'bob' may not push to stack 'b' (it may reach a); an operator can allow it with "
             "`quarry hq grant bob --stacks a,b`");
  BOOST_TEST(refusal("bob", KeyGrant{}, "b", false) ==
             "key 'bob' may not fetch stack 'b' (it may reach no stack); an operator can allow it with "
             "`quarry hq grant bob --stacks b`");
}

BOOST_AUTO_TEST_SUITE_END()
