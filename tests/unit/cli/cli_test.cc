#include <boost/test/unit_test.hpp>

#include <sys/stat.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "core/file_io.h"
#include "core/subprocess.h"

using namespace quarry;

namespace {

std::string bin() {
  const char* b = std::getenv("QUARRY_BIN");
  return b ? b : "quarry";
}
std::string source_dir() {
  const char* s = std::getenv("QUARRY_SOURCE_DIR");
  return s ? s : ".";
}

struct Cli {
  std::string home = make_temp_dir("quarry-cli").value();
  std::string work = make_temp_dir("quarry-cli-work").value();
  ~Cli() {
    (void)remove_all(home);
    (void)remove_all(work);
  }
  ProcessResult run(std::vector<std::string> args, const std::string& stdin_data = {}) {
    Argv argv{bin(), "--home", home};
    argv.insert(argv.end(), args.begin(), args.end());
    ProcessOptions o;
    o.stdin_data = stdin_data;
    o.cwd = work;
    o.timeout = std::chrono::seconds(60);
    return run_process(argv, o).value();
  }
  void write(const std::string& name, const std::string& text) {
    BOOST_REQUIRE(write_file_atomic(work + "/" + name, text).has_value());
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(cli)

BOOST_AUTO_TEST_CASE(help_lists_commands_and_bad_usage_exits_2) {
  Cli c;
  auto help = c.run({"--help"});
  BOOST_TEST(help.exit_code == 0);
  for (const char* cmd : {"init", "check", "build", "plan", "deploy", "ps", "servers", "grid", "scale", "logs",
                          "releases", "rollback", "hq"}) {
    BOOST_TEST_CONTEXT(cmd) { BOOST_TEST(help.out.find(cmd) != std::string::npos); }
  }
  BOOST_TEST(c.run({"no-such-command"}).exit_code == 2);
  BOOST_TEST(c.run({}).exit_code == 2);
  BOOST_TEST(c.run({"scale", "blog"}).exit_code == 2);
}

BOOST_AUTO_TEST_CASE(init_then_check) {
  Cli c;
  auto init = c.run({"init", "--name", "shop"});
  BOOST_TEST(init.exit_code == 0);
  BOOST_TEST(path_exists(c.work + "/quarry.yml"));
  auto again = c.run({"init"});
  BOOST_TEST(again.exit_code == 1);
  BOOST_TEST(again.err.find("already exists (use --force") != std::string::npos);
  auto check = c.run({"check"});
  BOOST_TEST(check.exit_code == 0);
  BOOST_TEST(check.out.find("quarry.yml: ok (stack shop") == 0u);
}

BOOST_AUTO_TEST_CASE(check_reports_every_error_located_and_exits_1) {
  Cli c;
  c.write("quarry.yml",
          "name: blog\n"
          "nodes:\n"
          "  web:\n"
          "    image: web:1\n"
          "    port: 80000\n"
          "    domian: [a.example.com]\n");
  auto r = c.run({"check"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.out.empty());
  BOOST_TEST(r.err.find("quarry.yml:5:11: ") != std::string::npos);
  BOOST_TEST(r.err.find("quarry.yml:6:5: ") != std::string::npos);
  BOOST_TEST(r.err.find("did you mean 'domains'?") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(missing_manifest_says_what_to_do) {
  Cli c;
  auto r = c.run({"check", "-f", "nope.yml"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.err.find("nope.yml: No such file or directory (create one with `quarry init`") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(build_is_deterministic) {
  Cli c;
  auto manifest = source_dir() + "/examples/hello/quarry.yml";
  auto a = c.run({"build", "-f", manifest, "-o", c.work + "/a"});
  auto b = c.run({"build", "-f", manifest, "-o", c.work + "/b"});
  BOOST_TEST(a.exit_code == 0);
  BOOST_TEST(b.exit_code == 0);
  auto ja = read_file(c.work + "/a/instructions.json").value();
  BOOST_TEST(ja == read_file(c.work + "/b/instructions.json").value());
  auto doc = nlohmann::json::parse(ja);
  BOOST_TEST(doc["stack"] == "hello");
  // Without -o it lands in the stack's build directory in the store.
  BOOST_TEST(c.run({"build", "-f", manifest}).exit_code == 0);
  BOOST_TEST(read_file(c.home + "/stacks/hello/build/instructions.json").value() == ja);
}

BOOST_AUTO_TEST_CASE(plan_against_an_empty_cluster) {
  Cli c;
  auto manifest = source_dir() + "/examples/hello/quarry.yml";
  auto r = c.run({"plan", "-f", manifest});
  BOOST_TEST(r.exit_code == 0);
  BOOST_TEST(r.out.find("  + counter#1  new service\n") != std::string::npos);
  BOOST_TEST(r.out.find("  + web#2  new\n") != std::string::npos);
  BOOST_TEST(r.out.find("  + route hello.quarry.test -> web\n") != std::string::npos);
  BOOST_TEST(r.out.find("3 to start, 0 to replace, 0 to kill, 0 kept; 1 route change(s)") != std::string::npos);
  auto j = nlohmann::json::parse(c.run({"plan", "-f", manifest, "--json"}).out);
  BOOST_TEST(j["summary"]["start"] == 3);
  BOOST_TEST(!path_exists(c.home + "/stacks/hello/containers.json"));  // plan changes nothing
}

BOOST_AUTO_TEST_CASE(listings_on_an_empty_home) {
  Cli c;
  auto ps = c.run({"ps"});
  BOOST_TEST(ps.exit_code == 0);
  BOOST_TEST(ps.out.find("no containers") == 0u);
  BOOST_TEST(nlohmann::json::parse(c.run({"ps", "--json"}).out).empty());
  BOOST_TEST(nlohmann::json::parse(c.run({"servers", "--json"}).out).empty());
  auto grid = c.run({"grid", "--json"});
  BOOST_TEST(grid.exit_code == 0);
  BOOST_TEST(nlohmann::json::parse(grid.out)["blocks"].empty());
  auto unknown = c.run({"ps", "nope"});
  BOOST_TEST(unknown.exit_code == 1);
  BOOST_TEST(unknown.err == "quarry: error: unknown stack 'nope' (quarry ps lists every stack)\n");
  BOOST_TEST(c.run({"releases", "nope"}).exit_code == 1);
}

BOOST_AUTO_TEST_CASE(corrupt_state_names_the_file) {
  Cli c;
  BOOST_REQUIRE(write_file_atomic(c.home + "/stacks/blog/containers.json", "[{\"stack\":").has_value());
  auto r = c.run({"ps"});
  BOOST_TEST(r.exit_code == 1);
  BOOST_TEST(r.err.find(c.home + "/stacks/blog/containers.json: corrupt JSON") != std::string::npos);
}

BOOST_AUTO_TEST_CASE(env_values_are_hidden_unless_asked) {
  Cli c;
  BOOST_TEST(c.run({"env", "set", "blog", "SECRET=p4ss w0rd", "A=1"}).exit_code == 0);
  auto list = c.run({"env", "list", "blog"});
  BOOST_TEST(list.out == "A=(hidden; --show)\nSECRET=(hidden; --show)\n");
  BOOST_TEST(c.run({"env", "list", "blog", "--show"}).out == "A=1\nSECRET=p4ss w0rd\n");
  BOOST_TEST(c.run({"env", "set", "blog", "not-a-pair"}).exit_code == 2);
  BOOST_TEST(c.run({"env", "unset", "blog", "A"}).exit_code == 0);
  BOOST_TEST(c.run({"env", "list", "blog", "--show"}).out == "SECRET=p4ss w0rd\n");
}

BOOST_AUTO_TEST_CASE(env_values_come_from_stdin_or_a_file_and_stay_private) {
  Cli c;
  auto set = c.run({"env", "set", "blog", "DB_PASSWORD", "-"}, "s3cret from stdin\n");
  BOOST_TEST(set.exit_code == 0, set.err);
  BOOST_TEST(set.out.find("s3cret") == std::string::npos, set.out);
  c.write("token", "t0ken in a file\n");
  auto file = c.run({"env", "set", "blog", "API_TOKEN", "--from-file", c.work + "/token"});
  BOOST_TEST(file.exit_code == 0, file.err);
  BOOST_TEST(c.run({"env", "list", "blog", "--show"}).out ==
             "API_TOKEN=t0ken in a file\nDB_PASSWORD=s3cret from stdin\n");
  auto json = c.run({"env", "list", "blog", "--json"});
  BOOST_TEST(json.out.find("s3cret") == std::string::npos, json.out);
  struct stat st {};
  BOOST_REQUIRE(stat((c.home + "/stacks/blog/env/DB_PASSWORD").c_str(), &st) == 0);
  BOOST_TEST((st.st_mode & 0777) == 0600u);
  auto two = c.run({"env", "set", "blog", "A", "B", "--from-file", c.work + "/token"});
  BOOST_TEST(two.exit_code == 2, two.err);
  // Just past the cap, all of it read: the writer never sees a closed pipe.
  auto big = c.run({"env", "set", "blog", "BIG", "-"}, std::string(65536 + 10, 'x'));
  BOOST_TEST(big.exit_code != 0);
  BOOST_TEST(big.err.find("the value from stdin is over 65536 bytes") != std::string::npos, big.err);
}

BOOST_AUTO_TEST_CASE(plan_shows_the_servers_a_deploy_makes_and_their_monthly_cost) {
  Cli c;
  BOOST_REQUIRE(make_dirs(c.home + "/etc", 0755).has_value());
  nlohmann::json cloud = {{"provider", "ec2"}, {"access_key_id", "AKIDEXAMPLE"}, {"secret_access_key", "secret"},
                          {"endpoint", "http://127.0.0.1:9/"}, {"image_id", "ami-12c6146b"},
                          {"monthly_prices", {{"t3.small", 15.18}}}};
  BOOST_REQUIRE(write_file_atomic(c.home + "/etc/cloud.json", cloud.dump(), 0600).has_value());
  auto manifest = source_dir() + "/examples/hello/quarry.yml";
  auto r = c.run({"plan", "-f", manifest});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("servers the deploy would change:\n"
                        "  + new server 2048 MB, 2 cpu  $15.18/month\n"
                        "monthly cost: +$15.18\n") != std::string::npos, r.out);
  auto j = nlohmann::json::parse(c.run({"plan", "-f", manifest, "--json"}).out);
  BOOST_TEST(j["servers"]["monthly_delta_usd"].get<double>() == 15.18);
  BOOST_TEST(j["servers"]["servers"].size() == 1u);
  // A grid that may not grow: the replicas fit nowhere, and the plan says so.
  BOOST_REQUIRE(write_file_atomic(c.home + "/etc/grid.json", R"({"autosize": false})").has_value());
  auto full = c.run({"plan", "-f", manifest});
  BOOST_TEST(full.out.find("  ! hello/web.r1/2 would fit on no server") != std::string::npos, full.out);
  BOOST_TEST(full.out.find("monthly cost") == std::string::npos, full.out);
  BOOST_TEST(!path_exists(c.home + "/keys"));  // the plan made no key and called no cloud
}

BOOST_AUTO_TEST_CASE(servers_shows_the_empty_server_the_grid_will_give_back_and_its_price) {
  Cli c;
  BOOST_REQUIRE(make_dirs(c.home + "/etc", 0755).has_value());
  BOOST_REQUIRE(make_dirs(c.home + "/grid", 0755).has_value());
  nlohmann::json cloud = {{"provider", "ec2"}, {"access_key_id", "AKIDEXAMPLE"}, {"secret_access_key", "secret"},
                          {"endpoint", "http://127.0.0.1:9/"}, {"image_id", "ami-12c6146b"},
                          {"monthly_prices", {{"t3.small", 15.18}}}};
  BOOST_REQUIRE(write_file_atomic(c.home + "/etc/cloud.json", cloud.dump(), 0600).has_value());
  // An empty server, idle for a long time: autosize gives it back.
  nlohmann::json grid = {{"version", 1}, {"next_request", 1}, {"pending", nlohmann::json::array()},
                         {"creating", nlohmann::json::array()}, {"errors", nlohmann::json::array()},
                         {"blocks", {{{"id", "old"}, {"memory_mb", 2048}, {"cpu_millis", 2000}, {"used_memory_mb", 0},
                                      {"used_cpu_millis", 0}, {"tags", nlohmann::json::object()}, {"created_ms", 1000},
                                      {"low_since_ms", 1000}, {"slices", nlohmann::json::array()}}}}};
  BOOST_REQUIRE(write_file_atomic(c.home + "/grid/grid.json", grid.dump()).has_value());
  auto r = c.run({"servers"});
  BOOST_TEST(r.exit_code == 0, r.err);
  BOOST_TEST(r.out.find("the grid's own changes, without a deploy:\n"
                        "  - old  $15.18/month\n"
                        "monthly cost: -$15.18\n") != std::string::npos, r.out);
}

BOOST_AUTO_TEST_SUITE_END()
