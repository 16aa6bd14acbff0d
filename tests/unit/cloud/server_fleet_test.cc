// ServerFleet over a scripted provider and an in-memory ledger: no create
// goes unrecorded, no possibly healthy server is destroyed.
#include <boost/test/unit_test.hpp>

#include <map>

#include "cloud/server_fleet.h"
#include "tests/fakes/memory_ledger.h"
#include "tests/unit/cloud/fake_clock.h"

using namespace quarry;

namespace {

struct ScriptedProvider : Provider {
  std::map<std::string, Server> made;       // token -> server on the "provider"
  bool lose_launch_answer = false;          // make it, then fail as if the answer was lost
  bool fail_find = false;
  bool fail_wait = false;
  int destroy_failures = 0;
  int destroys = 0;
  int next = 1;

  std::string name() const override { return "scripted"; }
  Result<Server> launch(const ServerSpec& spec) override {
    Server s{"s-" + std::to_string(next), spec.name, "scripted", "", 22, "quarry", 1024, 1, spec.tags, "",
             "ref-" + std::to_string(next), "", "new"};
    ++next;
    made[spec.token] = s;
    if (lose_launch_answer) return fail_remote("no answer");
    return s;
  }
  Result<Server> wait_ready(const Server& s) override {
    if (fail_wait) return fail_remote("poll failed");
    Server r = s;
    r.ip = "192.0.2.1";
    r.status = "active";
    return r;
  }
  Result<std::optional<Server>> find_launched(const std::string& token) override {
    if (fail_find) return fail_remote("list failed");
    auto it = made.find(token);
    if (it == made.end()) return std::optional<Server>();
    Server s = it->second;
    s.ip = "192.0.2.1";
    s.status = "active";
    return std::optional<Server>(s);
  }
  Status destroy(const Server& s) override {
    ++destroys;
    if (destroy_failures-- > 0) return fail_remote("HTTP 500");
    for (auto it = made.begin(); it != made.end(); ++it)
      if (it->second.provider_ref == s.provider_ref) {
        made.erase(it);
        break;
      }
    return {};
  }
  Result<std::vector<Server>> list() override {
    std::vector<Server> out;
    for (auto& [t, s] : made) out.push_back(s);
    return out;
  }
};

ServerSpec spec() {
  ServerSpec s;
  s.name = "q-ab-1";
  s.host_key_public = "ssh-ed25519 AAAAHOST quarry-host";
  return s;
}

FleetOptions no_probe() {
  FleetOptions o;
  o.probe_ssh = false;
  o.boot_timeout = std::chrono::seconds(600);
  return o;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(server_fleet)

BOOST_AUTO_TEST_CASE(a_create_is_recorded_before_the_call_and_pinned_when_ready) {
  ScriptedProvider p;
  MemoryLedger l;
  FakeWait w;
  ServerFleet f(p, l, no_probe(), w.deps());
  auto s = f.create(spec());
  BOOST_REQUIRE(s.has_value());
  BOOST_TEST(l.pending.empty());
  BOOST_REQUIRE(l.servers.count("s-1"));
  BOOST_TEST(l.servers["s-1"].host_key == "AAAAHOST");
  BOOST_TEST(p.made.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_lost_answer_is_found_by_its_token) {
  ScriptedProvider p;
  p.lose_launch_answer = true;
  MemoryLedger l;
  FakeWait w;
  ServerFleet f(p, l, no_probe(), w.deps());
  auto s = f.create(spec());
  BOOST_REQUIRE(s.has_value());
  BOOST_TEST(p.made.size() == 1u);
  BOOST_TEST(l.servers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(an_unknown_outcome_stays_recorded_and_an_audit_adopts_it) {
  ScriptedProvider p;
  p.lose_launch_answer = true;
  p.fail_find = true;
  MemoryLedger l;
  FakeWait w;
  ServerFleet f(p, l, no_probe(), w.deps());
  BOOST_TEST(!f.create(spec()).has_value());
  BOOST_TEST(l.pending.size() == 1u);
  BOOST_TEST(p.made.size() == 1u);
  BOOST_TEST(p.destroys == 0);

  p.fail_find = false;
  auto dry = f.audit(true, false);
  BOOST_REQUIRE(dry.has_value());
  BOOST_TEST(dry->adopted.size() == 1u);
  BOOST_TEST(l.pending.size() == 1u);  // a dry run changes nothing
  auto report = f.audit(false, false);
  BOOST_REQUIRE(report.has_value());
  BOOST_TEST(report->adopted.size() == 1u);
  BOOST_TEST(report->unknown.empty());
  BOOST_TEST(l.pending.empty());
  BOOST_TEST(l.servers.size() == 1u);
}

BOOST_AUTO_TEST_CASE(a_poll_error_never_destroys) {
  ScriptedProvider p;
  p.fail_wait = true;
  MemoryLedger l;
  FakeWait w;
  ServerFleet f(p, l, no_probe(), w.deps());
  auto s = f.create(spec());
  BOOST_TEST(!s.has_value());
  BOOST_TEST(p.destroys == 0);
  BOOST_TEST(p.made.size() == 1u);
  BOOST_REQUIRE(l.pending.size() == 1u);
  BOOST_TEST(l.pending.begin()->second.server.provider_ref == "ref-1");
}

BOOST_AUTO_TEST_CASE(a_server_that_never_boots_is_given_back_after_the_timeout) {
  ScriptedProvider p;
  p.fail_wait = true;
  MemoryLedger l;
  FakeWait w;
  FleetOptions o;  // probes port 22, which never answers here
  o.boot_timeout = std::chrono::seconds(600);
  w.state->probes_until_open = 1000;
  ServerFleet f(p, l, o, w.deps());
  BOOST_TEST(!f.create(spec()).has_value());
  auto early = f.audit(false, false);
  BOOST_REQUIRE(early.has_value());
  BOOST_TEST(early->destroyed.empty());
  BOOST_TEST(p.made.size() == 1u);
  w.state->now += std::chrono::seconds(601);
  auto late = f.audit(false, false);
  BOOST_REQUIRE(late.has_value());
  BOOST_TEST(late->destroyed.size() == 1u);
  BOOST_TEST(p.made.empty());
  BOOST_TEST(l.pending.empty());
}

BOOST_AUTO_TEST_CASE(a_destroy_that_keeps_failing_is_recorded_as_a_leak_and_retried) {
  ScriptedProvider p;
  MemoryLedger l;
  FakeWait w;
  ServerFleet f(p, l, no_probe(), w.deps());
  auto s = f.create(spec());
  BOOST_REQUIRE(s.has_value());
  p.destroy_failures = 3;
  auto d = f.destroy(*s);
  BOOST_TEST(!d.has_value());
  BOOST_TEST(p.destroys == 3);
  BOOST_REQUIRE(l.pending.count("s-1"));
  BOOST_TEST(l.pending["s-1"].state == "leaked");
  BOOST_TEST(l.servers.count("s-1") == 0u);  // nothing places work on a leaked server
  auto report = f.audit(false, false);
  BOOST_REQUIRE(report.has_value());
  BOOST_TEST(report->destroyed.size() == 1u);
  BOOST_TEST(p.made.empty());
  BOOST_TEST(l.pending.empty());
}

BOOST_AUTO_TEST_CASE(unknown_servers_are_reported_and_destroyed_only_when_asked) {
  ScriptedProvider p;
  MemoryLedger l;
  FakeWait w;
  ServerFleet f(p, l, no_probe(), w.deps());
  p.made["stray"] = Server{"s-9", "x", "scripted", "", 22, "", 0, 0, {}, "", "ref-9", "", "active"};
  l.servers["s-7"] = Server{"s-7", "y", "scripted", "", 22, "", 0, 0, {}, "", "ref-7", "", ""};
  auto r = f.audit(false, false);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->unknown.size() == 1u);
  BOOST_TEST(p.made.size() == 1u);
  BOOST_TEST(r->gone.size() == 1u);
  BOOST_TEST(l.gone == std::vector<std::string>{"s-7"});
  r = f.audit(false, true);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(p.made.empty());
}

BOOST_AUTO_TEST_SUITE_END()
