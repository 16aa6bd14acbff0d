// Manifests with mistakes, each with the exact located message the user
// sees. Most are mistakes people really make when writing quarry.yml.
#include <boost/test/unit_test.hpp>

#include "compiler/manifest_parser.h"

using namespace quarry;

namespace {

struct BadCase {
  const char* what;
  const char* yaml;
  const char* message;
};

const BadCase kBad[] = {
    {"empty file", "", "quarry.yml:1:1: the manifest is empty; it needs 'services:' or 'nodes:'"},
    {"only a comment", "# nothing yet\n", "quarry.yml:1:1: the manifest is empty; it needs 'services:' or 'nodes:'"},
    {"top-level scalar", "hello\n",
     "quarry.yml:1:1: the manifest must be a map of name, env, services and nodes, not a string"},
    {"top-level list", "- web\n- db\n",
     "quarry.yml:1:1: the manifest must be a map of name, env, services and nodes, not a list"},
    {"no processes", "name: blog\n", "quarry.yml:1:1: nothing to run: add 'services:' or 'nodes:'"},
    {"tab indentation", "nodes:\n  web:\n\timage: busybox\n",
     "quarry.yml:3:1: tab character in indentation; indent with spaces"},
    {"tabs on two lines", "nodes:\n\tweb:\n\t\timage: busybox\n",
     "quarry.yml:2:1: tab character in indentation; indent with spaces\n"
     "quarry.yml:3:1: tab character in indentation; indent with spaces"},
    {"key dedented too little", "nodes:\n  web:\n    image: busybox\n   port: 80\n",
     "quarry.yml:4:4: YAML syntax error: end of map not found"},
    {"key indented too far", "nodes:\n  web:\n    image: busybox\n      port: 80\n",
     "quarry.yml:4:11: YAML syntax error: illegal map value"},
    {"unclosed flow map", "nodes: {web: {image: busybox}\n",
     "quarry.yml:2:1: YAML syntax error: end of map flow not found"},
    {"undefined alias", "nodes:\n  web: *base\n",
     "quarry.yml:2:8: YAML syntax error: the referenced anchor is not defined"},
    {"settings dedented under the node", "nodes:\n  web:\n  image: busybox\n",
     "quarry.yml:2:3: node 'web': expected a map of settings (image or build, port, ...), got nothing\n"
     "quarry.yml:3:10: node 'image': expected a map of settings (image or build, port, ...), got a string"},
    {"domain for domains", "nodes:\n  web:\n    image: busybox\n    port: 80\n    domain: blog.example.com\n",
     "quarry.yml:5:5: unknown key 'domain' in node 'web'; did you mean 'domains'?"},
    {"unknown top-level key", "service:\n  db:\n    image: postgres:15\n",
     "quarry.yml:1:1: unknown key 'service' at the top level; did you mean 'services'?"},
    {"unknown key far from any", "nodes:\n  web:\n    image: busybox\n    replicas_wanted: 3\n",
     "quarry.yml:4:5: unknown key 'replicas_wanted' in node 'web' (valid keys: build, command, cpu, depends_on, "
     "domains, env, health, image, init, memory, no_new_privileges, pids, port, requires, scale, stop_signal, "
     "stop_timeout, volumes)"},
    {"pids: too few", "nodes:\n  web:\n    image: busybox\n    pids: 3\n",
     "quarry.yml:4:11: pids: '3' is not a number of processes from 16 to 32768"},
    {"pids: unlimited", "nodes:\n  web:\n    image: busybox\n    pids: -1\n",
     "quarry.yml:4:11: pids: '-1' is not a number of processes from 16 to 32768"},
    {"pids: a fork bomb's worth", "services:\n  db:\n    image: postgres:15\n    pids: 99999999999\n",
     "quarry.yml:4:11: pids: '99999999999' is not a number of processes from 16 to 32768"},
    {"no_new_privileges: maybe", "nodes:\n  web:\n    image: busybox\n    no_new_privileges: maybe\n",
     "quarry.yml:4:24: no_new_privileges: expected true or false, got 'maybe'"},
    {"stop_signal: not a signal", "nodes:\n  web:\n    image: busybox\n    stop_signal: SIGFOO\n",
     "quarry.yml:4:18: stop_signal: 'SIGFOO' is not a signal (like SIGINT, SIGTERM or SIGQUIT)"},
    {"stop_signal: number out of range", "nodes:\n  web:\n    image: busybox\n    stop_signal: 64\n",
     "quarry.yml:4:18: stop_signal: '64' is not a signal (like SIGINT, SIGTERM or SIGQUIT)"},
    {"stop_timeout: milliseconds", "services:\n  db:\n    image: postgres:15\n    stop_timeout: 1500ms\n",
     "quarry.yml:4:19: stop_timeout: 1500ms is not a whole number of seconds (docker counts seconds)"},
    {"stop_timeout: too long", "services:\n  db:\n    image: postgres:15\n    stop_timeout: 1h\n",
     "quarry.yml:4:19: stop_timeout: '1h' is not a duration (like 500ms, 5s, 1m)"},
    {"stop_timeout: over ten minutes", "services:\n  db:\n    image: postgres:15\n    stop_timeout: 11m\n",
     "quarry.yml:4:19: stop_timeout: 11m is out of range (0s-600s)"},
    {"a NUL byte from an escape", "nodes:\n  web:\n    image: busybox\n    command: \"run \\0 now\"\n",
     "quarry.yml:4:14: this string holds a NUL byte or a character that is not UTF-8 (from an escape like \\0, "
     "\\x or \\_ in double quotes); write the character itself"},
    {"a Latin-1 byte from an escape", "nodes:\n  web:\n    image: \"busy\\_box\"\n",
     "quarry.yml:3:12: this string holds a NUL byte or a character that is not UTF-8 (from an escape like \\0, "
     "\\x or \\_ in double quotes); write the character itself"},
    {"init: yes please", "nodes:\n  web:\n    image: busybox\n    init: sure\n",
     "quarry.yml:4:11: init: expected true or false, got 'sure'"},
    {"reschedule: sometimes", "services:\n  api:\n    image: busybox\n    reschedule: sometimes\n",
     "quarry.yml:4:17: reschedule: expected true or false, got 'sometimes'"},
    {"reschedule on a node", "nodes:\n  web:\n    image: busybox\n    reschedule: true\n",
     "quarry.yml:4:5: reschedule: a node is always moved off a down server; 'reschedule' is for services"},
    {"reschedule of a service with volumes", "services:\n  db:\n    image: postgres:15\n    volumes: [/data]\n"
     "    reschedule: true\n",
     "quarry.yml:5:17: reschedule: service 'db' keeps volumes on its server and would start elsewhere without their "
     "data; set 'reschedule' only on a stateless service (no 'volumes')"},
    {"unknown key in a service", "services:\n  api:\n    image: busybox\n    reschedul: true\n",
     "quarry.yml:4:5: unknown key 'reschedul' in service 'api'; did you mean 'reschedule'?"},
    {"memory: lots", "nodes:\n  web:\n    image: busybox\n    memory: lots\n",
     "quarry.yml:4:13: memory: 'lots' is not a size (write megabytes like 512, or 512M, 1G)"},
    {"memory: 0", "nodes:\n  web:\n    image: busybox\n    memory: 0\n",
     "quarry.yml:4:13: memory: '0' is less than 1 MB"},
    {"memory as a list", "nodes:\n  web:\n    image: busybox\n    memory: [512]\n",
     "quarry.yml:4:13: memory: expected a size (like 512, 512M or 1G), got a list"},
    {"port: 80000", "nodes:\n  web:\n    image: busybox\n    port: 80000\n",
     "quarry.yml:4:11: port: 80000 is out of range (1-65535)"},
    {"port: 0", "nodes:\n  web:\n    image: busybox\n    port: 0\n",
     "quarry.yml:4:11: port: 0 is out of range (1-65535)"},
    {"port: http", "nodes:\n  web:\n    image: busybox\n    port: http\n",
     "quarry.yml:4:11: port: expected a port number, got 'http'"},
    {"port missing its value", "nodes:\n  web:\n    image: busybox\n    port:\n",
     "quarry.yml:4:5: port: expected a port number, got nothing"},
    {"scale: -1", "nodes:\n  web:\n    image: busybox\n    scale: -1\n",
     "quarry.yml:4:12: scale: -1 is out of range (0-1000)"},
    {"scale: three", "nodes:\n  web:\n    image: busybox\n    scale: three\n",
     "quarry.yml:4:12: scale: expected a number of replicas, got 'three'"},
    {"scale on a service", "services:\n  db:\n    image: postgres:15\n    scale: 2\n",
     "quarry.yml:4:5: scale: a service always runs one replica; 'scale' is for nodes"},
    {"domains on a service", "services:\n  db:\n    image: postgres:15\n    domains: [db.example.com]\n",
     "quarry.yml:4:5: domains: services are not routed; put the domains on the node that serves them"},
    {"cpu: lots", "nodes:\n  web:\n    image: busybox\n    cpu: lots\n",
     "quarry.yml:4:10: cpu: expected a number of cores (like 0.5 or 2), got 'lots'"},
    {"cpu: 0", "nodes:\n  web:\n    image: busybox\n    cpu: 0\n",
     "quarry.yml:4:10: cpu: 0 is out of range (more than 0, at most 256)"},
    {"both image and build", "nodes:\n  web:\n    image: busybox\n    build: .\n",
     "quarry.yml:2:3: node 'web' has both 'image' and 'build'; keep one"},
    {"neither image nor build", "nodes:\n  web:\n    port: 8080\n",
     "quarry.yml:2:3: node 'web' needs 'image' or 'build'"},
    {"build outside the repository", "nodes:\n  web:\n    build: ../other\n",
     "quarry.yml:3:12: build: '../other' must be a directory inside the repository (like . or ./worker)"},
    {"image with a space", "nodes:\n  web:\n    image: my app\n",
     "quarry.yml:3:12: image: 'my app' is not an image reference (like postgres:15)"},
    {"depends_on unknown", "nodes:\n  web:\n    image: busybox\n    depends_on: [dbb]\nservices:\n  db:\n    image: "
     "postgres:15\n",
     "quarry.yml:4:18: depends_on: no service or node is named 'dbb'; did you mean 'db'?"},
    {"dependency cycle", "nodes:\n  web:\n    image: busybox\n    depends_on: [api]\n  api:\n    image: busybox\n"
     "    depends_on: [web]\n",
     "quarry.yml:4:18: dependency cycle: web -> api -> web"},
    {"depends on itself", "nodes:\n  web:\n    image: busybox\n    depends_on: web\n",
     "quarry.yml:4:17: dependency cycle: web -> web"},
    {"service depends on a node", "services:\n  db:\n    image: postgres:15\n    depends_on: [web]\nnodes:\n  web:\n"
     "    image: busybox\n",
     "quarry.yml:4:18: depends_on: service 'db' cannot depend on node 'web' (services start before nodes)"},
    {"domain shared by two nodes", "nodes:\n  web:\n    image: busybox\n    port: 80\n    domains: [blog.example.com]\n"
     "  admin:\n    image: busybox\n    port: 81\n    domains: [admin.example.com, blog.example.com]\n",
     "quarry.yml:9:34: domains: 'blog.example.com' is already used by node 'web'"},
    {"domain listed twice", "nodes:\n  web:\n    image: busybox\n    port: 80\n    domains: [a.example.com, "
     "a.example.com]\n",
     "quarry.yml:5:30: domains: 'a.example.com' is listed twice"},
    {"domain with uppercase", "nodes:\n  web:\n    image: busybox\n    port: 80\n    domains: [Blog.Example.com]\n",
     "quarry.yml:5:15: domains: 'Blog.Example.com' is not a valid host name (lowercase letters, digits, '-' and '.')"},
    {"domain with a scheme", "nodes:\n  web:\n    image: busybox\n    port: 80\n    domains: [https://blog.example.com]\n",
     "quarry.yml:5:15: domains: 'https://blog.example.com' is not a valid host name (lowercase letters, digits, '-' "
     "and '.')"},
    {"domains without a port", "nodes:\n  web:\n    image: busybox\n    domains: [blog.example.com]\n",
     "quarry.yml:4:5: domains: the router needs the node's 'port' to send traffic to"},
    {"uppercase node name", "nodes:\n  Web:\n    image: busybox\n",
     "quarry.yml:2:3: node name 'Web' is not a valid name (lowercase letters, digits and '-', at most 63); did you "
     "mean 'web'?"},
    {"underscore service name", "services:\n  my_db:\n    image: postgres:15\n",
     "quarry.yml:2:3: service name 'my_db' is not a valid name (lowercase letters, digits and '-', at most 63); did "
     "you mean 'my-db'?"},
    {"invalid stack name", "name: My Blog\nnodes:\n  web:\n    image: busybox\n",
     "quarry.yml:1:7: name: stack name 'My Blog' is not a valid name (lowercase letters, digits and '-', at most "
     "63); did you mean 'my-blog'?"},
    {"same name for service and node", "services:\n  web:\n    image: postgres:15\nnodes:\n  web:\n    image: "
     "busybox\n",
     "quarry.yml:5:3: node 'web' has the name of the service at line 2; names are shared by services and nodes"},
    {"undefined variable", "env:\n  GREETING: \"hello ${UNDEFINED}\"\nnodes:\n  web:\n    image: busybox\n",
     "quarry.yml:2:13: env GREETING: undefined variable ${UNDEFINED}"},
    {"variable of a later entry", "env:\n  A: ${B}\n  B: b\nnodes:\n  web:\n    image: busybox\n",
     "quarry.yml:2:6: env A: undefined variable ${B}"},
    {"unterminated interpolation", "nodes:\n  web:\n    image: busybox\n    env:\n      URL: http://${HOST\n",
     "quarry.yml:5:12: env URL: unterminated '${'"},
    {"env as a list", "env:\n  - RAILS_ENV=production\nnodes:\n  web:\n    image: busybox\n",
     "quarry.yml:2:3: env: expected a map of NAME: value, got a list"},
    {"env value is a map", "env:\n  DB:\n    host: x\nnodes:\n  web:\n    image: busybox\n",
     "quarry.yml:3:5: env DB: expected a string, number or boolean, got a map"},
    {"env value missing", "env:\n  SECRET:\nnodes:\n  web:\n    image: busybox\n",
     "quarry.yml:2:3: env SECRET: missing value (write SECRET: \"\" for an empty one)"},
    {"env name with a dash", "env:\n  MY-VAR: 1\nnodes:\n  web:\n    image: busybox\n",
     "quarry.yml:2:3: env: 'MY-VAR' is not a variable name (letters, digits and '_', not starting with a digit)"},
    {"env sets a service address", "env:\n  DB_HOST: localhost\nservices:\n  db:\n    image: postgres:15\n",
     "quarry.yml:2:3: env DB_HOST: the launcher sets it to the address of service 'db'"},
    {"nodes as a list", "nodes:\n  - web\n  - worker\n",
     "quarry.yml:2:3: nodes: expected a map of node names to their settings, got a list"},
    {"services as a string", "services: db\n",
     "quarry.yml:1:11: services: expected a map of service names to their settings, got a string"},
    {"volumes as a map", "services:\n  db:\n    image: postgres:15\n    volumes: {data: /var/lib/data}\n",
     "quarry.yml:4:14: volumes: expected a list of container paths, got a map"},
    {"volume with a host path", "services:\n  db:\n    image: postgres:15\n    volumes: [./data:/var/lib/data]\n",
     "quarry.yml:4:15: volumes: './data:/var/lib/data' must be an absolute path in the container, without ':' or "
     "',' (like /data)"},
    {"duration 5 seconds", "nodes:\n  web:\n    image: busybox\n    port: 80\n    health: {path: /up, timeout: 5 "
     "seconds}\n",
     "quarry.yml:5:34: timeout: '5 seconds' is not a duration (like 500ms, 5s, 1m)"},
    {"health path without slash", "nodes:\n  web:\n    image: busybox\n    port: 80\n    health: up\n",
     "quarry.yml:5:13: health: 'up' is not an HTTP path (like /up)"},
    {"health key typo", "nodes:\n  web:\n    image: busybox\n    port: 80\n    health:\n      path: /up\n"
     "      timout: 5s\n",
     "quarry.yml:7:7: unknown key 'timout' in health; did you mean 'timeout'?"},
    {"health retries zero", "nodes:\n  web:\n    image: busybox\n    port: 80\n    health: {retries: 0}\n",
     "quarry.yml:5:23: retries: 0 is out of range (1-100)"},
    {"health retries past the cap", "nodes:\n  web:\n    image: busybox\n    port: 80\n    health: {retries: 101}\n",
     "quarry.yml:5:23: retries: 101 is out of range (1-100)"},
    {"health timeout past the cap", "nodes:\n  web:\n    image: busybox\n    port: 80\n    health: {timeout: 2m}\n",
     "quarry.yml:5:23: timeout: '2m' is longer than the limit of 60s"},
    {"health interval past the cap", "nodes:\n  web:\n    image: busybox\n    port: 80\n    health: {interval: 5m}\n",
     "quarry.yml:5:24: interval: '5m' is longer than the limit of 60s"},
    {"health that could wait too long", "nodes:\n  web:\n    image: busybox\n    port: 80\n"
     "    health: {retries: 100, timeout: 30s, interval: 30s}\n",
     "quarry.yml:5:5: health: 100 retries of 30000ms + 30000ms could wait 6000s, past the limit of 900s"},
    {"health without a port", "nodes:\n  web:\n    image: busybox\n    health: /up\n",
     "quarry.yml:4:5: health: a health check needs the node's 'port'"},
    {"command with an unterminated quote", "nodes:\n  web:\n    image: busybox\n    command: echo 'hello\n",
     "quarry.yml:4:14: command: unterminated single quote"},
    {"command with &&", "nodes:\n  web:\n    image: busybox\n    command: ./migrate && ./server\n",
     "quarry.yml:4:14: command: unquoted '&&' is shell syntax, but the command is not run by a shell; quote it to "
     "pass it as is, or use sh -c '...'"},
    {"duplicate key", "nodes:\n  web:\n    image: busybox\n    port: 80\n    port: 81\n",
     "quarry.yml:5:5: duplicate key 'port' (first at line 4)"},
    {"duplicate node", "nodes:\n  web:\n    image: busybox\n  web:\n    image: nginx\n",
     "quarry.yml:4:3: duplicate key 'web' (first at line 2)"},
    {"requires without =", "nodes:\n  web:\n    image: busybox\n    requires: [router]\n",
     "quarry.yml:4:16: requires: 'router' is not a tag (write key=value, like role=router)"},
    {"a list as a key", "nodes:\n  ? [web]\n  : {image: busybox}\n",
     "quarry.yml:2:5: a key must be a plain word, not a list"},
    {"invalid UTF-8", "nodes:\n  web:\n    image: bu\xff" "sybox\n",
     "quarry.yml:3:14: the manifest is not valid UTF-8"},
    {"several mistakes, sorted by place", "nodes:\n  web:\n    image: busybox\n    port: 99999\n    scale: -2\n"
     "    memroy: 128\n  worker:\n    replicas: 2\n",
     "quarry.yml:4:11: port: 99999 is out of range (1-65535)\n"
     "quarry.yml:5:12: scale: -2 is out of range (0-1000)\n"
     "quarry.yml:6:5: unknown key 'memroy' in node 'web'; did you mean 'memory'?\n"
     "quarry.yml:7:3: node 'worker' needs 'image' or 'build'\n"
     "quarry.yml:8:5: unknown key 'replicas' in node 'worker' (valid keys: build, command, cpu, depends_on, domains, "
     "env, health, image, init, memory, no_new_privileges, pids, port, requires, scale, stop_signal, stop_timeout, "
     "volumes)"},
};

}  // namespace

BOOST_AUTO_TEST_SUITE(manifest_bad)

BOOST_AUTO_TEST_CASE(at_least_forty_cases) { BOOST_TEST(std::size(kBad) >= 40u); }

BOOST_AUTO_TEST_CASE(each_bad_manifest_gives_its_exact_located_message) {
  ManifestOptions opts;
  opts.path = "quarry.yml";
  opts.default_name = "blog";
  opts.global_env = {{"USER_NAME", "ann"}};
  for (const auto& c : kBad) {
    BOOST_TEST_CONTEXT(c.what) {
      auto r = parse_manifest(c.yaml, opts);
      BOOST_TEST_REQUIRE(!r.has_value());
      BOOST_TEST((r.error().kind == ErrorKind::User));
      BOOST_TEST(r.error().message == c.message);
    }
  }
}

BOOST_AUTO_TEST_CASE(the_path_is_the_one_given) {
  ManifestOptions opts;
  opts.path = "examples/hello/quarry.yml";
  opts.default_name = "hello";
  auto r = parse_manifest("nodes:\n  web:\n    image: busybox\n    port: 80000\n", opts);
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == "examples/hello/quarry.yml:4:11: port: 80000 is out of range (1-65535)");
}

BOOST_AUTO_TEST_CASE(default_name_must_be_valid) {
  ManifestOptions opts;
  opts.default_name = "My_Blog";
  auto r = parse_manifest("nodes:\n  web:\n    image: busybox\n", opts);
  BOOST_TEST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message == "quarry.yml:1:1: the manifest has no 'name:', and the directory name 'My_Blog' is "
                                  "not a valid stack name (lowercase letters, digits and '-'); add 'name:'");
}

BOOST_AUTO_TEST_SUITE_END()
