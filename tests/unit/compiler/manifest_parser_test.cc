#include <boost/test/unit_test.hpp>

#include "compiler/command_words.h"
#include "compiler/manifest_parser.h"
#include "compiler/starter.h"
#include "core/text.h"

using namespace quarry;

namespace {

Stack parse_ok(std::string_view yaml, std::map<std::string, std::string> global_env = {}) {
  ManifestOptions opts;
  opts.default_name = "app";
  opts.global_env = std::move(global_env);
  auto r = parse_manifest(yaml, opts);
  BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message));
  return *r;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_parser)

BOOST_AUTO_TEST_CASE(container_limits_default_and_override) {
  auto s = parse_ok("nodes:\n  web:\n    image: busybox\n  tool:\n    image: busybox\n    pids: 4096\n"
                    "    no_new_privileges: false\n");
  BOOST_REQUIRE(s.nodes.size() == 2u);
  BOOST_TEST(s.nodes[0].pids_limit == 1024);
  BOOST_TEST(s.nodes[0].no_new_privileges);
  BOOST_TEST(s.nodes[1].pids_limit == 4096);
  BOOST_TEST(!s.nodes[1].no_new_privileges);
}

BOOST_AUTO_TEST_CASE(defaults) {
  auto s = parse_ok("nodes:\n  web:\n    image: busybox\n    port: 8080\n  worker:\n    build: ./worker/\n");
  BOOST_TEST(s.name == "app");
  BOOST_TEST(s.manifest_hash ==
             sha256_hex("nodes:\n  web:\n    image: busybox\n    port: 8080\n  worker:\n    build: ./worker/\n"));
  BOOST_REQUIRE(s.nodes.size() == 2u);
  const Process& web = s.nodes[0];
  BOOST_TEST(!web.is_service);
  BOOST_TEST(web.memory_mb == 256);
  BOOST_TEST(web.scale == 1);
  BOOST_TEST(web.cpu == 0.0);
  BOOST_REQUIRE(web.health.has_value());  // a port and no health: TCP check
  BOOST_TEST(web.health->path.empty());
  BOOST_TEST(web.health->timeout_ms == 5000);
  BOOST_TEST(web.health->interval_ms == 1000);
  BOOST_TEST(web.health->retries == 10);
  const Process& worker = s.nodes[1];
  BOOST_TEST(worker.build == "worker");  // one spelling for one directory
  BOOST_TEST(!worker.health.has_value());
}

BOOST_AUTO_TEST_CASE(services_get_no_default_health) {
  auto s = parse_ok("services:\n  db:\n    image: postgres:15\n    port: 5432\n");
  BOOST_REQUIRE(s.services.size() == 1u);
  BOOST_TEST(s.services[0].is_service);
  BOOST_TEST(s.services[0].scale == 1);
  BOOST_TEST(!s.services[0].health.has_value());
}

BOOST_AUTO_TEST_CASE(build_spellings) {
  auto s = parse_ok("nodes:\n  a: {build: .}\n  b: {build: ./}\n  c: {build: 'x/./y//'}\n");
  BOOST_TEST(s.nodes[0].build == ".");
  BOOST_TEST(s.nodes[1].build == ".");
  BOOST_TEST(s.nodes[2].build == "x/y");
}

BOOST_AUTO_TEST_CASE(command_as_a_list_is_quoted_into_one_line) {
  auto s = parse_ok("nodes:\n  a:\n    image: x\n    command: [sh, -c, \"echo $HOME && ls\"]\n");
  BOOST_TEST(s.nodes[0].command == "sh -c 'echo $HOME && ls'");
  auto argv = split_command(s.nodes[0].command);
  BOOST_REQUIRE(argv.has_value());
  BOOST_TEST(argv->size() == 3u);
  BOOST_TEST((*argv)[2] == "echo $HOME && ls");
}

BOOST_AUTO_TEST_CASE(env_lookup_order) {
  auto s = parse_ok(
      "env:\n"
      "  PATH: \"${PATH}:/app/bin\"\n"   // itself: the global value it overrides
      "  A: a\n"
      "  B: ${A}${G}\n"
      "nodes:\n"
      "  web:\n"
      "    image: x\n"
      "    env:\n"
      "      A: local\n"
      "      C: ${A}-${B}\n"             // A from this map (before C), B from the stack
      "      D: \"$$${G}\"\n",
      {{"PATH", "/usr/bin"}, {"G", "g"}, {"A", "global"}});
  BOOST_TEST(s.env.at("PATH") == "/usr/bin:/app/bin");
  BOOST_TEST(s.env.at("B") == "ag");
  BOOST_TEST(s.nodes[0].env.at("C") == "local-ag");
  BOOST_TEST(s.nodes[0].env.at("D") == "$g");
  BOOST_TEST(s.nodes[0].env.size() == 3u);  // only its own env; compile merges the layers
  BOOST_TEST(s.global_env.at("G") == "g");
}

BOOST_AUTO_TEST_CASE(empty_sections_are_allowed_beside_a_full_one) {
  auto s = parse_ok("services:\nnodes:\n  web: {image: x}\n");
  BOOST_TEST(s.services.empty());
  BOOST_TEST(s.nodes.size() == 1u);
}

BOOST_AUTO_TEST_CASE(yaml_syntax_errors_never_escape) {
  const char* inputs[] = {"{", "[", "a: [b", "a: 'b", "a: *x", "? : :", "- - - -\n  - :", "\"\\u12", "&a [*a]",
                          "!!binary foo", "%YAML 9.9\n---\na: 1"};
  for (const char* input : inputs) {
    BOOST_TEST_CONTEXT(input) {
      auto r = parse_manifest(input, ManifestOptions{});
      BOOST_TEST(!r.has_value());
      BOOST_TEST(starts_with(r.error().message, "quarry.yml:"));
    }
  }
}

BOOST_AUTO_TEST_CASE(deep_nesting_is_an_error_not_a_crash) {
  std::string deep = "nodes: " + std::string(5000, '[') + std::string(5000, ']') + "\n";
  auto r = parse_manifest(deep, ManifestOptions{});
  BOOST_TEST(!r.has_value());
}

BOOST_AUTO_TEST_CASE(starter_manifest_parses_cleanly) {
  auto text = starter_manifest("myapp");
  ManifestOptions opts;
  opts.path = "quarry.yml";
  auto r = parse_manifest(text, opts);
  BOOST_TEST_REQUIRE(r.has_value(), (r ? "" : r.error().message));
  BOOST_TEST(r->name == "myapp");
  BOOST_REQUIRE(r->nodes.size() == 1u);
  BOOST_TEST(r->nodes[0].build == ".");
  BOOST_TEST(r->nodes[0].port == 8080);
  BOOST_TEST(r->nodes[0].health->path == "/");
}

BOOST_AUTO_TEST_SUITE_END()
