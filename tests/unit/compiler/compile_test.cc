#include <boost/test/unit_test.hpp>

#include "compiler/compile.h"
#include "compiler/instruction_json.h"
#include "compiler/manifest_parser.h"

using namespace quarry;

namespace {

Stack parse_ok(std::string_view yaml) {
  ManifestOptions opts;
  opts.default_name = "app";
  opts.global_env = {{"G", "global"}, {"X", "global"}};
  auto r = parse_manifest(yaml, opts);
  BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

// "OP target" per instruction, for order assertions.
std::vector<std::string> steps(const InstructionList& list) {
  std::vector<std::string> out;
  for (const auto& i : list.instructions) out.push_back(std::string(op_name(i.op)) + " " + i.target);
  return out;
}

const char* kShop =
    "env: {X: stack, S: s}\n"
    "services:\n"
    "  search: {image: os, depends_on: [db]}\n"
    "  db: {image: pg, port: 5432}\n"
    "nodes:\n"
    "  front: {build: ., port: 80, domains: [shop.example.com], depends_on: [api]}\n"
    "  api: {build: ., port: 81, depends_on: [search], env: {X: process}}\n"
    "  jobs: {build: ., scale: 2}\n";

}  // namespace

BOOST_AUTO_TEST_SUITE(compile_suite)

BOOST_AUTO_TEST_CASE(dependency_order_then_manifest_order) {
  auto list = compile(parse_ok(kShop));
  std::vector<std::string> expected{"ENSURE db",   "ENSURE search", "DEPLOY api",   "SCALE api",
                                    "DEPLOY front", "SCALE front",  "ROUTE front",  "DEPLOY jobs",
                                    "SCALE jobs"};
  BOOST_TEST(steps(list) == expected, boost::test_tools::per_element());
  BOOST_TEST(list.stack == "app");
  BOOST_TEST(list.manifest_hash.size() == 64u);
}

BOOST_AUTO_TEST_CASE(env_is_merged_and_links_are_recorded) {
  auto list = compile(parse_ok(kShop));
  const Instruction& ensure_search = list.instructions[1];
  BOOST_TEST(ensure_search.links == std::vector<std::string>{"db"}, boost::test_tools::per_element());
  const Instruction& deploy_api = list.instructions[2];
  BOOST_TEST(deploy_api.process.env.at("X") == "process");
  BOOST_TEST(deploy_api.process.env.at("S") == "s");
  BOOST_TEST(deploy_api.process.env.at("G") == "global");
  BOOST_TEST(deploy_api.links == (std::vector<std::string>{"search", "db"}), boost::test_tools::per_element());
  const Instruction& ensure_db = list.instructions[0];
  BOOST_TEST(ensure_db.process.env.at("X") == "stack");
  BOOST_TEST(ensure_db.links.empty());
  BOOST_TEST((list.instructions[7].op == Op::Deploy));
  BOOST_TEST(list.instructions[8].scale == 2);
  BOOST_TEST(list.instructions[6].domains == std::vector<std::string>{"shop.example.com"},
             boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(removed_processes_are_unrouted_and_killed) {
  DeployedState now;
  now.services = {"redis", "db", "search"};
  now.nodes = {"old-web", "api", "front", "admin"};
  now.routed_nodes = {"old-web", "front", "api"};
  auto list = compile(parse_ok(kShop), now);
  std::vector<std::string> expected{"ENSURE db",    "ENSURE search",  "DEPLOY api",   "SCALE api",
                                    "ROUTE api",    "DEPLOY front",   "SCALE front",  "ROUTE front",
                                    "DEPLOY jobs",  "SCALE jobs",     "ROUTE old-web", "KILL admin",
                                    "KILL old-web", "KILL redis"};
  BOOST_TEST(steps(list) == expected, boost::test_tools::per_element());
  BOOST_TEST(list.instructions[4].domains.empty());  // api lost its domains: unroute
  BOOST_TEST(list.instructions[10].domains.empty());
}

BOOST_AUTO_TEST_CASE(a_name_that_changes_kind_is_killed_first) {
  DeployedState now;
  now.nodes = {"db"};
  now.routed_nodes = {"db"};
  now.services = {"jobs"};
  auto list = compile(parse_ok(kShop), now);
  auto s = steps(list);
  std::vector<std::string> head(s.begin(), s.begin() + 4);
  std::vector<std::string> expected{"ROUTE db", "KILL db", "KILL jobs", "ENSURE db"};
  BOOST_TEST(head == expected, boost::test_tools::per_element());
  BOOST_TEST(s.back() == "SCALE jobs");
}

BOOST_AUTO_TEST_CASE(same_input_same_output_whatever_the_state_order) {
  DeployedState a{{"x", "y"}, {"p", "q"}, {"q", "p"}};
  DeployedState b{{"y", "x"}, {"q", "p"}, {"p", "q"}};
  auto stack = parse_ok(kShop);
  BOOST_TEST(to_json(compile(stack, a)) == to_json(compile(stack, b)));
}

BOOST_AUTO_TEST_SUITE_END()
