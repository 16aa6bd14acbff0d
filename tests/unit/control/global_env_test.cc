// The global env reaches containers as it is when they start: a redeploy of
// the same instructions (what `quarry env --global set --restart` does)
// carries a changed, added or removed global variable, while the manifest's
// own values stay on top. FakeDocker keeps the env files it was given.
#include <boost/test/unit_test.hpp>

#include "compiler/compile.h"
#include "core/text.h"
#include "tests/unit/control/control_fixture.h"

namespace quarry {
namespace {

using test::ControlFixture;

// The env file of every container started on any server, newest last.
std::vector<std::map<std::string, std::string>> env_files(ControlFixture& f) {
  std::vector<std::map<std::string, std::string>> out;
  for (const auto* host : {"s1", "s2", "s3"}) {
    for (const auto& text : f.docker.uploads(host)) {
      std::map<std::string, std::string> env;
      for (const auto& line : split_lines(text)) {
        auto eq = line.find('=');
        if (eq != std::string::npos) env[line.substr(0, eq)] = line.substr(eq + 1);
      }
      if (env.count("QUARRY_RELEASE")) out.push_back(env);
    }
  }
  return out;
}

std::vector<std::map<std::string, std::string>> of_release(ControlFixture& f, int release) {
  std::vector<std::map<std::string, std::string>> out;
  for (auto& e : env_files(f))
    if (e.at("QUARRY_RELEASE") == std::to_string(release)) out.push_back(e);
  return out;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(global_env)

BOOST_AUTO_TEST_CASE(the_compiler_names_the_keys_the_global_env_gave) {
  ControlFixture f;
  f.global_env = {{"G", "g"}, {"H", "global"}, {"P", "global"}};
  f.stack_env = {{"H", "stack"}};
  auto s = f.stack();
  s.nodes[0].env = {{"P", "process"}};
  auto list = compile(s, {});
  for (const auto& in : list.instructions) {
    if (in.target == "web" && in.op == Op::Deploy) BOOST_TEST(in.global_keys == (std::vector<std::string>{"G"}));
    if (in.target == "db") BOOST_TEST(in.global_keys == (std::vector<std::string>{"G", "P"}));
  }
}

BOOST_AUTO_TEST_CASE(a_redeploy_takes_the_global_env_as_it_is_now) {
  ControlFixture f;
  f.global_env = {{"G", "old"}, {"H", "global"}, {"GONE", "x"}};
  f.stack_env = {{"H", "stack"}};
  BOOST_TEST_REQUIRE(f.store.put("etc/env/G", "old", 0600).has_value());
  BOOST_TEST_REQUIRE(f.store.put("etc/env/H", "global", 0600).has_value());
  BOOST_TEST_REQUIRE(f.store.put("etc/env/GONE", "x", 0600).has_value());
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto first = of_release(f, 1);
  BOOST_TEST_REQUIRE(first.size() == 3u);  // db and two web replicas
  for (const auto& e : first) {
    BOOST_TEST(e.at("G") == "old");
    BOOST_TEST(e.at("H") == "stack");
    BOOST_TEST(e.at("GONE") == "x");
  }
  // quarry env --global set G=new ADDED=1, unset GONE, H=changed
  BOOST_TEST_REQUIRE(f.store.put("etc/env/G", "new", 0600).has_value());
  BOOST_TEST_REQUIRE(f.store.put("etc/env/ADDED", "1", 0600).has_value());
  BOOST_TEST_REQUIRE(f.store.put("etc/env/H", "changed", 0600).has_value());
  BOOST_TEST_REQUIRE(f.store.remove("etc/env/GONE").has_value());
  // The same instructions again (as a rollback to the live release).
  BOOST_TEST_REQUIRE(f.deploy(2).has_value());
  auto second = of_release(f, 2);
  BOOST_TEST_REQUIRE(second.size() == 2u);  // web only: the service is not restarted
  for (const auto& e : second) {
    BOOST_TEST(e.at("G") == "new");
    BOOST_TEST(e.at("ADDED") == "1");
    BOOST_TEST(e.at("H") == "stack");  // the manifest's stack env stays on top
    BOOST_TEST(e.count("GONE") == 0u);
  }
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace quarry
