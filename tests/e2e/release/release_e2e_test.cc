// Releases through the router, end to end: 3 app servers and 1 router made
// by the local cloud, the hello example deployed with the built quarry
// binary, and every request sent through nginx on the router with the
// domain's Host header. One cluster serves the cases, in order; the lab's
// destructor takes it down, also when a case fails.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <cstdlib>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>

#include "core/file_io.h"
#include "core/text.h"
#include "tests/e2e/release/quarry_lab.h"

using namespace quarry;

namespace {

const char* const kDomain = "hello.quarry.test";

std::string manifest(const std::string& greeting, const std::string& health_path = "/up") {
  return "name: hello\nenv:\n  GREETING: \"" + greeting +
         "\"\n"
         "services:\n"
         "  counter:\n    build: .\n    command: --mode counter --port 9000 --data /data\n    port: 9000\n"
         "    memory: 64\n    volumes: [/data]\n"
         "nodes:\n"
         "  web:\n    build: .\n    command: --port 8080\n    port: 8080\n    domains: [hello.quarry.test]\n"
         "    scale: 3\n    memory: 128\n    depends_on: [counter]\n"
         "    health: {path: " + health_path + ", timeout: 2s, interval: 500ms, retries: " +
         (health_path == "/up" ? "20" : "4") + "}\n";
}

StartedLab& the_lab() {
  static StartedLab lab = start_lab();
  return lab;
}

// Everything below runs against a ready cluster; a case stops at once when
// there is none.
QuarryLab& lab() {
  auto& l = the_lab();
  BOOST_REQUIRE_MESSAGE(l.cannot_run.empty(), l.cannot_run);
  return *l.lab;
}

ProcessResult run_quarry(const Argv& args) {
  auto r = lab().quarry(args);
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message));
  return *r;
}

ProcessResult must(const Argv& args) {
  auto r = run_quarry(args);
  BOOST_REQUIRE_MESSAGE(r.ok(), shell_join(args) + " exited " + std::to_string(r.exit_code) + ":\n" + r.out + r.err);
  return r;
}

ProcessResult deploy(const std::string& name, const std::string& greeting, const Argv& extra = {},
                     const std::string& health = "/up") {
  auto file = lab().stage_app(name, manifest(greeting, health));
  BOOST_REQUIRE_MESSAGE(file.has_value(), (file ? std::string() : file.error().message));
  Argv args{"deploy", "-f", *file};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_quarry(args);
}

std::string get_body() {
  auto r = http_get(lab().router_ip(), 80, kDomain, "/");
  BOOST_REQUIRE_MESSAGE(r.has_value(), (r ? std::string() : r.error().message));
  BOOST_REQUIRE_EQUAL(r->status, 200);
  return r->body;
}

// Every request of a loop succeeded; the failures are printed when not.
void require_no_failures(const LoadLoop& loop, const std::string& what) {
  std::string failures = join(loop.failures(), "\n");
  BOOST_TEST_MESSAGE(what << ": " << loop.sent() << " requests in " << loop.seconds() << " s, " << loop.failed()
                          << " failed");
  BOOST_TEST(loop.sent() > 50);
  BOOST_TEST(loop.failed() == 0, what << ": failed requests:\n" << failures);
}

nlohmann::json ps_web() {
  auto r = must({"ps", "hello", "--json"});
  auto all = nlohmann::json::parse(r.out, nullptr, false);
  BOOST_REQUIRE(all.is_array());
  nlohmann::json web = nlohmann::json::array();
  for (const auto& c : all) {
    if (c.value("node", "") == "web") web.push_back(c);
  }
  return web;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(release_e2e)

BOOST_AUTO_TEST_CASE(domain_routed_to_three_servers) {
  auto r = deploy("one", "one");
  BOOST_REQUIRE_MESSAGE(r.ok(), "deploy failed:\n" + r.out + r.err);
  auto web = ps_web();
  BOOST_REQUIRE_EQUAL(web.size(), 3u);
  std::set<std::string> servers;
  for (const auto& c : web) {
    servers.insert(c.value("server", ""));
    BOOST_TEST(c.value("weight", 0) > 0);
  }
  BOOST_TEST(servers.size() == 3u, "the three replicas share servers");
  BOOST_TEST(!servers.count(lab().router_id()));
  for (int i = 0; i < 12; ++i) {
    auto reply = http_get(lab().router_ip(), 80, kDomain, "/");
    BOOST_REQUIRE(reply.has_value());
    BOOST_TEST(reply->status == 200);
    BOOST_TEST(reply->body.starts_with("one from web (release 1)"), reply->body);
    BOOST_TEST(reply->headers.find("X-Quarry-Route: hello/web") != std::string::npos);
  }
  auto other = http_get(lab().router_ip(), 80, "nobody.quarry.test", "/");
  BOOST_REQUIRE(other.has_value());
  BOOST_TEST(other->status == 404);
}

BOOST_AUTO_TEST_CASE(redeploy_under_load_fails_no_request) {
  LoadLoop loop(lab().router_ip(), kDomain);
  loop.start();
  auto r = deploy("two", "two");
  loop.stop();
  BOOST_REQUIRE_MESSAGE(r.ok(), "deploy failed:\n" + r.out + r.err);
  require_no_failures(loop, "redeploy");
  auto bodies = loop.bodies();
  BOOST_TEST(bodies.count("one from web (release 1)"));
  BOOST_TEST(bodies.count("two from web (release 2)"));
  BOOST_TEST(get_body().starts_with("two from web (release 2)"));
  // The old replicas are gone once the new ones serve.
  for (const auto& c : ps_web()) BOOST_TEST(c.value("release", 0) == 2);
}

BOOST_AUTO_TEST_CASE(failed_health_check_keeps_the_old_release) {
  LoadLoop loop(lab().router_ip(), kDomain, "two from web");
  loop.start();
  auto r = deploy("broken", "broken", {}, "/nope");
  loop.stop();
  BOOST_TEST(r.exit_code == 3, "exit " << r.exit_code);
  BOOST_TEST(r.err.find("failed its health check (GET /nope, from router " + lab().router_id()) != std::string::npos,
             r.err);
  BOOST_TEST(r.err.find("probe 1: GET /nope: HTTP 404") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("probe 4: GET /nope: HTTP 404") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("last lines of its log") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("the old one keeps serving") != std::string::npos, r.err);
  require_no_failures(loop, "failed deploy");
  BOOST_TEST(get_body().starts_with("two from web (release 2)"));
  for (const auto& c : ps_web()) BOOST_TEST(c.value("release", 0) == 2);
  auto releases = must({"releases", "hello"});
  BOOST_TEST(releases.out.find("failed") != std::string::npos, releases.out);
}

BOOST_AUTO_TEST_CASE(rollback_brings_the_previous_reply_back) {
  LoadLoop loop(lab().router_ip(), kDomain);
  loop.start();
  auto r = run_quarry({"rollback", "hello"});
  loop.stop();
  BOOST_REQUIRE_MESSAGE(r.ok(), "rollback failed:\n" + r.out + r.err);
  require_no_failures(loop, "rollback");
  // Release 1 (not the failed 3) comes back as release 4, from the images
  // kept on the servers: nothing is shipped.
  BOOST_TEST(get_body().starts_with("one from web (release 4)"));
  BOOST_TEST((r.out + r.err).find("shipped") == std::string::npos, r.out + r.err);
  auto json = nlohmann::json::parse(must({"releases", "hello", "--json"}).out, nullptr, false);
  BOOST_REQUIRE(json.is_array());
  BOOST_REQUIRE_EQUAL(json.size(), 4u);
  BOOST_TEST(json[3].value("status", "") == "deployed");
  BOOST_TEST(json[3].value("images", nlohmann::json::object()) == json[0].value("images", nlohmann::json::object()));
  BOOST_TEST(!json[3].value("env_hash", "").empty());
}

BOOST_AUTO_TEST_CASE(canary_takes_its_share_and_rollback_drops_it) {
  auto r = deploy("three", "three", {"--canary", "30"});
  BOOST_REQUIRE_MESSAGE(r.ok(), "canary deploy failed (exit " + std::to_string(r.exit_code) + "):\n" + r.out + r.err);
  auto ps = must({"ps", "hello"});
  BOOST_TEST(ps.out.find("hello/web traffic: release 5 (canary) 30%, release 4 70%") != std::string::npos, ps.out);
  int canary = 0, old = 0;
  const int n = 400;
  for (int i = 0; i < n; ++i) {
    auto body = get_body();
    if (body.starts_with("three from web (release 5)")) ++canary;
    else if (body.starts_with("one from web (release 4)")) ++old;
  }
  BOOST_TEST_MESSAGE("canary 30%: " << canary << " of " << n << " requests");
  BOOST_TEST(canary + old == n);
  // Stated tolerance: 30% +- 8 points.
  BOOST_TEST(canary >= n * 22 / 100);
  BOOST_TEST(canary <= n * 38 / 100);
  LoadLoop loop(lab().router_ip(), kDomain);
  loop.start();
  auto rb = run_quarry({"rollback", "hello"});
  loop.stop();
  BOOST_REQUIRE_MESSAGE(rb.ok(), "rollback of the canary failed:\n" + rb.out + rb.err);
  require_no_failures(loop, "canary rollback");
  for (int i = 0; i < 20; ++i) BOOST_TEST(get_body().starts_with("one from web (release 4)"));
  for (const auto& c : ps_web()) BOOST_TEST(c.value("release", 0) == 4);
}

BOOST_AUTO_TEST_CASE(canary_promoted_takes_all_traffic) {
  auto r = deploy("six", "six", {"--canary", "50"});
  BOOST_REQUIRE_MESSAGE(r.ok(), "canary deploy failed (exit " + std::to_string(r.exit_code) + "):\n" + r.out + r.err);
  LoadLoop loop(lab().router_ip(), kDomain);
  loop.start();
  auto pr = run_quarry({"promote", "hello"});
  loop.stop();
  BOOST_REQUIRE_MESSAGE(pr.ok(), "promote failed:\n" + pr.out + pr.err);
  require_no_failures(loop, "promote");
  for (int i = 0; i < 20; ++i) BOOST_TEST(get_body().starts_with("six from web (release 6)"));
  for (const auto& c : ps_web()) BOOST_TEST(c.value("release", 0) == 6);
}

BOOST_AUTO_TEST_CASE(broken_nginx_config_keeps_the_old_one_serving) {
  // A certificate record naming files the router does not have: nginx -t
  // refuses the generation that would carry it.
  const std::string planted = lab().home() + "/etc/tls/hello.quarry.test.json";
  BOOST_REQUIRE(make_dirs(lab().home() + "/etc/tls").has_value());
  BOOST_REQUIRE(write_file_atomic(planted, R"({"certificate": "/nonexistent/x.crt", "key": "/nonexistent/x.key"})")
                    .has_value());
  LoadLoop loop(lab().router_ip(), kDomain, "six from web");
  loop.start();
  auto r = deploy("seven", "seven");
  loop.stop();
  (void)remove_all(planted);
  BOOST_TEST(r.exit_code == 3, "exit " << r.exit_code);
  BOOST_TEST(r.err.find("nginx -t rejected generation") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("/nonexistent/x.crt") != std::string::npos, r.err);
  BOOST_TEST(r.err.find("the router refused the switch") != std::string::npos, r.err);
  require_no_failures(loop, "deploy against a broken router config");
  BOOST_TEST(get_body().starts_with("six from web (release 6)"));

  // `quarry router tls` with a file that is no certificate: refused, the
  // record is taken back, the old config keeps serving.
  const std::string bogus = lab().home() + "/bogus.pem";
  BOOST_REQUIRE(write_file_atomic(bogus, "not a certificate\n").has_value());
  auto tls = run_quarry({"router", "tls", kDomain, "--cert", bogus, "--key", bogus});
  BOOST_TEST(tls.exit_code == 3, "exit " << tls.exit_code << ": " << tls.err);
  BOOST_TEST(tls.err.find("nginx -t rejected generation") != std::string::npos, tls.err);
  BOOST_TEST(!path_exists(planted));
  BOOST_TEST(get_body().starts_with("six from web (release 6)"));

  // The router follows again once the config is sound.
  auto fixed = deploy("seven", "seven");
  BOOST_REQUIRE_MESSAGE(fixed.ok(), "deploy after the fix failed:\n" + fixed.out + fixed.err);
  BOOST_TEST(get_body().starts_with("seven from web (release 8)"));
}

BOOST_AUTO_TEST_CASE(tls_with_an_operator_certificate) {
  BOOST_REQUIRE_MESSAGE(path_exists("/usr/bin/openssl") && path_exists("/usr/bin/curl"),
                        "cannot run: needs /usr/bin/openssl and /usr/bin/curl");
  const std::string dir = lab().home() + "/cert";
  BOOST_REQUIRE(make_dirs(dir).has_value());
  auto made = run_process({"openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2", "-subj",
                           "/CN=hello.quarry.test", "-keyout", dir + "/key.pem", "-out", dir + "/cert.pem"});
  BOOST_REQUIRE(made.has_value() && made->ok());
  must({"router", "tls", kDomain, "--cert", dir + "/cert.pem", "--key", dir + "/key.pem"});
  auto got = run_process({"curl", "-sS", "-k", "--max-time", "10", "--resolve",
                          std::string(kDomain) + ":443:" + lab().router_ip(), std::string("https://") + kDomain + "/"});
  BOOST_REQUIRE(got.has_value());
  BOOST_TEST(got->ok(), got->err);
  BOOST_TEST(got->out.starts_with("seven from web"), got->out);
  must({"router", "tls", kDomain, "--remove"});
  BOOST_TEST(get_body().starts_with("seven from web"));
}

BOOST_AUTO_TEST_SUITE_END()
