// LeaderLoop over the in-memory store: one HQ passes while the other waits;
// the waiting HQ takes over when the leader's lease runs out or it resigns;
// a paused old leader's writes are fenced once another leads.
#include <boost/test/unit_test.hpp>

#include <memory>

#include "control/leader_loop.h"
#include "store/fenced_store.h"
#include "tests/fakes/memory_leadership.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;
using namespace std::chrono_literals;

namespace {

// One HQ: its leadership, its fenced view of the shared store, and a loop
// whose pass writes who ran it.
struct Hq {
  std::string id;
  MemoryStore& store;
  MemoryLeadership leadership;
  std::unique_ptr<FencedStore> fenced;
  std::vector<std::string> said;
  std::vector<std::string> pass_errors;
  int passes = 0;
  LeaderLoop loop;

  Hq(std::string name, MemoryStore& s, const Clock& clock)
      : id(std::move(name)), store(s), leadership(s, clock, 3000ms),
        loop(leadership, s, clock, LeaderLoopSettings{id, "10.0.0." + id.substr(3), 1000, 250},
             LeaderLoopHooks{[this](const LeaderTerm& t) { return begin(t); }, [this] { pass(); },
                             [this](const std::string& line) { said.push_back(line); }}) {}

  Status begin(const LeaderTerm& t) {
    if (!fenced) fenced = std::make_unique<FencedStore>(store, t);
    else fenced->set_term(t);
    return {};
  }
  void pass() {
    ++passes;
    auto s = fenced->put("stacks/blog/observed.json", id + " pass " + std::to_string(passes));
    if (!s) pass_errors.push_back(s.error().message);
  }
  bool said_like(const std::string& part) const {
    for (const auto& l : said) {
      if (l.find(part) != std::string::npos) return true;
    }
    return false;
  }
};

}  // namespace

BOOST_AUTO_TEST_SUITE(leader_loop)

BOOST_AUTO_TEST_CASE(one_leads_the_other_waits_then_takes_over_a_lapsed_term) {
  MemoryStore store;
  ManualClock clock(1'000'000);
  Hq a("hq-1", store, clock), b("hq-2", store, clock);

  BOOST_TEST(a.loop.step().value());
  BOOST_TEST(!b.loop.step().value());
  BOOST_TEST(a.passes == 1);
  BOOST_TEST(b.passes == 0);
  BOOST_TEST(a.said_like("hq-1 leads (term 1)"));
  BOOST_TEST(b.said_like("waiting: HQ hq-1 (term 1) leads"));
  BOOST_TEST(store.list("hq/members").value() == (std::vector<std::string>{"hq-1", "hq-2"}));

  clock.advance_ms(1000);  // the leader renews on each step; the other keeps waiting
  BOOST_TEST(a.loop.step().value());
  BOOST_TEST(!b.loop.step().value());
  BOOST_TEST(store.get("stacks/blog/observed.json").value().value() == "hq-1 pass 2");

  a.leadership.pause();  // stopped in the middle of its work, past its lease
  clock.advance_ms(2999);
  BOOST_TEST(!b.loop.step().value());  // not yet: the lease still runs
  clock.advance_ms(2);
  BOOST_TEST(b.loop.step().value());
  BOOST_TEST(b.said_like("hq-2 leads (term 2)"));
  BOOST_TEST(b.fenced->term().term == 2);
  BOOST_TEST(store.get("stacks/blog/observed.json").value().value() == "hq-2 pass 1");

  // The old leader wakes up and finishes the write it was making: fenced.
  a.leadership.resume();
  a.pass();
  BOOST_REQUIRE(a.pass_errors.size() == 1u);
  BOOST_TEST(a.pass_errors[0].find("fenced: HQ hq-1 no longer leads (term 1)") != std::string::npos, a.pass_errors[0]);
  BOOST_TEST(store.get("stacks/blog/observed.json").value().value() == "hq-2 pass 1");
  // Its next step sees the new leader and runs no pass.
  int before = a.passes;
  BOOST_TEST(!a.loop.step().value());
  BOOST_TEST(a.passes == before);
  BOOST_TEST(a.said_like("hq-1 no longer leads"));
  BOOST_TEST(a.said_like("waiting: HQ hq-2 (term 2) leads"));
  BOOST_TEST(b.pass_errors.empty());
}

BOOST_AUTO_TEST_CASE(a_leader_that_stops_resigns_and_the_other_leads_at_once) {
  MemoryStore store;
  ManualClock clock(5'000);
  Hq a("hq-1", store, clock), b("hq-2", store, clock);
  std::atomic<bool> stop{false};
  int slept = 0;
  auto sleep = [&](std::int64_t ms) {
    clock.advance_ms(ms);
    if (++slept == 3) stop = true;
  };
  BOOST_REQUIRE(a.loop.serve(stop, sleep).has_value());
  BOOST_TEST(a.passes == 3);
  BOOST_TEST(!store.get(std::string(kLeaderKey)).value().has_value());
  BOOST_TEST(b.loop.step().value());  // no lease to wait out
  BOOST_TEST(b.fenced->term().term == 2);
}

BOOST_AUTO_TEST_CASE(an_unreachable_store_runs_no_pass) {
  MemoryStore store;
  ManualClock clock(5'000);
  Hq a("hq-1", store, clock);
  store.fail_with("store down");
  auto step = a.loop.step();
  BOOST_REQUIRE(!step.has_value());
  BOOST_TEST(step.error().message.find("store down") != std::string::npos, step.error().message);
  BOOST_TEST(a.passes == 0);
}

BOOST_AUTO_TEST_SUITE_END()
