// One contract every Store backend keeps (DirStore, EtcdStore, MemoryStore).
// A test executable defines `Backend& backend()` for its store and expands
// QUARRY_STORE_CONTRACT() once: every case below becomes a test case of its
// own, so a failure names the case and the backend.
#pragma once

#include <boost/test/unit_test.hpp>

#include <atomic>
#include <chrono>
#include <functional>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include "store/fenced_store.h"
#include "store/leadership.h"
#include "store/store.h"
#include "store/store_json.h"
#include "tests/fakes/store_view.h"

namespace quarry::contract {

struct Backend {
  std::string name;
  // A fresh, empty store.
  std::function<std::unique_ptr<Store>()> open;
  // Another client of the store open() made last (another HQ's view).
  std::function<std::unique_ptr<Store>()> peer;
  // Takes lock `name` as a holder that then dies without unlocking, and
  // returns once it is dead.
  std::function<void(Store&, const std::string& name)> die_holding;
  // How long a dead holder's lock may stay taken at most.
  std::chrono::milliseconds lock_expiry{0};
};

using namespace std::chrono_literals;

inline std::string value_of(Store& s, const std::string& key) {
  auto v = s.get(key);
  BOOST_REQUIRE_MESSAGE(v.has_value(), "get " + key + ": " + (v ? std::string() : v.error().message));
  return v->value_or("<absent>");
}

inline void basics(Backend& b) {
  auto s = b.open();
  BOOST_TEST(value_of(*s, "stacks/blog/releases/1.json") == "<absent>");
  BOOST_REQUIRE(s->put("stacks/blog/releases/1.json", "{\"n\":1}").has_value());
  BOOST_REQUIRE(s->put("stacks/blog/releases/2.json", "{\"n\":2}").has_value());
  BOOST_REQUIRE(s->put("stacks/blogger/env/A", "1").has_value());
  BOOST_TEST(value_of(*s, "stacks/blog/releases/1.json") == "{\"n\":1}");
  BOOST_TEST(s->list("stacks/blog/releases").value() == (std::vector<std::string>{"1.json", "2.json"}));
  BOOST_TEST(s->list("stacks").value() == (std::vector<std::string>{"blog", "blogger"}));
  BOOST_TEST(s->list("stacks/none").value().empty());
  BOOST_REQUIRE(s->remove("stacks/blog").has_value());
  BOOST_TEST(s->list("stacks").value() == (std::vector<std::string>{"blogger"}));
  BOOST_TEST(value_of(*s, "stacks/blogger/env/A") == "1");  // a sibling with a longer name survives
  BOOST_TEST(s->remove("stacks/blog").has_value());          // already gone
  auto empty = s->put("etc/empty", "");
  BOOST_REQUIRE(empty.has_value());
  BOOST_TEST(value_of(*s, "etc/empty") == "");
}

inline void invalid_keys_refused(Backend& b) {
  auto s = b.open();
  for (const char* bad : {"../etc/passwd", "/etc/passwd", "a//b", "a/./b", "a/..", ""}) {
    BOOST_TEST_CONTEXT("key '" << bad << "'") {
      auto r = s->put(bad, "x");
      BOOST_TEST(!r.has_value());
      BOOST_TEST(!s->get(bad).has_value());
    }
  }
}

inline void atomic_commits(Backend& b) {
  auto s = b.open();
  BOOST_REQUIRE(s->put("grid/grid.json", "old").has_value());
  BOOST_REQUIRE(s->put("stacks/a/routes.json", "r").has_value());
  Txn ok;
  ok.put("grid/grid.json", "new").put("stacks/a/containers.json", "c").remove("stacks/a/routes.json");
  BOOST_TEST(s->commit(ok).value());
  BOOST_TEST(value_of(*s, "grid/grid.json") == "new");
  BOOST_TEST(value_of(*s, "stacks/a/containers.json") == "c");
  BOOST_TEST(value_of(*s, "stacks/a/routes.json") == "<absent>");
  // A failed compare writes none of the ops.
  auto grid = s->get_versioned("grid/grid.json").value();
  BOOST_REQUIRE(s->put("grid/grid.json", "moved").has_value());
  Txn stale;
  stale.expect("grid/grid.json", grid.revision).put("grid/grid.json", "lost").put("stacks/a/x", "lost");
  BOOST_TEST(!s->commit(stale).value());
  BOOST_TEST(value_of(*s, "grid/grid.json") == "moved");
  BOOST_TEST(value_of(*s, "stacks/a/x") == "<absent>");
  // An invalid op refuses the whole commit before anything is written.
  Txn bad;
  bad.put("stacks/a/y", "y").put("../escape", "z");
  BOOST_TEST(!s->commit(bad).has_value());
  BOOST_TEST(value_of(*s, "stacks/a/y") == "<absent>");
}

inline void compare_and_swap(Backend& b) {
  auto s = b.open();
  auto none = s->get_versioned("grid/grid.json").value();
  BOOST_TEST(none.revision == 0);
  BOOST_TEST(!none.value.has_value());
  BOOST_TEST(put_if(*s, "grid/grid.json", "v1", 0).value());   // create if absent
  BOOST_TEST(!put_if(*s, "grid/grid.json", "v1b", 0).value()); // already there
  auto v1 = s->get_versioned("grid/grid.json").value();
  BOOST_TEST(v1.revision != 0);
  BOOST_TEST(v1.value.value() == "v1");
  BOOST_TEST(put_if(*s, "grid/grid.json", "v2", v1.revision).value());
  BOOST_TEST(!put_if(*s, "grid/grid.json", "v3", v1.revision).value());  // lost the race
  BOOST_TEST(value_of(*s, "grid/grid.json") == "v2");
  auto v2 = s->get_versioned("grid/grid.json").value();
  BOOST_TEST(v2.revision != v1.revision);
  // The revision alone is the one get_versioned gives with the value.
  BOOST_TEST(s->revision("grid/grid.json").value() == v2.revision);
  BOOST_TEST(s->revision("grid/none.json").value() == 0);
  BOOST_REQUIRE(s->put("grid/grid.json", "v4").has_value());
  BOOST_TEST(s->revision("grid/grid.json").value() != v2.revision);
  BOOST_TEST(s->revision("grid/grid.json").value() == s->get_versioned("grid/grid.json").value().revision);
  BOOST_TEST(!s->revision("../escape").has_value());
}

// Two clients increment one counter with CAS: no increment is lost.
inline void cas_race_loses_nothing(Backend& b) {
  auto s = b.open();
  BOOST_REQUIRE(s->put("counter", "0").has_value());
  auto other = b.peer();
  constexpr int kEach = 15;
  auto bump = [](Store& st, std::atomic<int>& errors) {
    for (int i = 0; i < kEach; ++i) {
      for (int attempt = 0; attempt < 200; ++attempt) {
        auto v = st.get_versioned("counter");
        if (!v) { ++errors; return; }
        auto next = std::to_string(std::stoi(v->value.value()) + 1);
        auto done = put_if(st, "counter", next, v->revision);
        if (!done) { ++errors; return; }
        if (*done) break;
      }
    }
  };
  std::atomic<int> errors{0};
  std::thread t1([&] { bump(*s, errors); });
  std::thread t2([&] { bump(*other, errors); });
  t1.join();
  t2.join();
  BOOST_TEST(errors.load() == 0);
  BOOST_TEST(value_of(*s, "counter") == std::to_string(2 * kEach));
}

inline void locks_exclude_and_time_out(Backend& b) {
  auto s = b.open();
  auto other = b.peer();
  auto held = s->lock("stacks/blog/deploy", "hq-a push 1");
  BOOST_REQUIRE(held.has_value());
  std::string told;
  auto start = std::chrono::steady_clock::now();
  auto second = other->lock("stacks/blog/deploy", "hq-b push 2", 300ms, [&](const std::string& who) { told = who; });
  BOOST_TEST(!second.has_value());
  BOOST_TEST((std::chrono::steady_clock::now() - start >= 300ms));
  if (!second) BOOST_TEST(second.error().message.find("hq-a push 1") != std::string::npos);
  BOOST_TEST(told.find("hq-a push 1") != std::string::npos);
  // A different stack's lock is independent.
  auto parallel = other->lock("stacks/shop/deploy", "hq-b push 3", 300ms);
  BOOST_TEST(parallel.has_value());
  held->unlock();
  auto third = other->lock("stacks/blog/deploy", "hq-b push 2", 2000ms);
  BOOST_TEST(third.has_value());
}

inline void dead_holder_lock_expires(Backend& b) {
  auto s = b.open();
  b.die_holding(*s, "stacks/blog/deploy");
  auto other = b.peer();
  auto start = std::chrono::steady_clock::now();
  auto got = other->lock("stacks/blog/deploy", "hq-b takeover", b.lock_expiry + 3000ms);
  BOOST_REQUIRE_MESSAGE(got.has_value(), (got ? std::string() : got.error().message));
  auto waited = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start);
  BOOST_TEST_MESSAGE(b.name << ": a dead holder's lock was taken over after " << waited.count() << " ms");
  BOOST_TEST((waited <= b.lock_expiry + 1500ms));
}

inline void watch_delivers_changes(Backend& b) {
  auto s = b.open();
  auto other = b.peer();
  WatchCursor cursor;
  auto first = s->watch("stacks/blog", cursor, 100ms);  // starts the cursor: nothing yet
  BOOST_REQUIRE(first.has_value());
  BOOST_TEST(first->empty());
  BOOST_REQUIRE(other->put("stacks/blog/routes.json", "r1").has_value());
  BOOST_REQUIRE(other->put("stacks/blogger/routes.json", "not mine").has_value());
  BOOST_REQUIRE(other->put("stacks/blog/env/A", "1").has_value());
  std::vector<WatchEvent> seen;
  auto has = [&](const std::string& key, WatchEvent::Kind kind, const std::string& value) {
    for (const auto& e : seen) {
      if (e.key == key && e.kind == kind && e.value == value) return true;
    }
    return false;
  };
  auto gather = [&](const std::string& key, WatchEvent::Kind kind, const std::string& value) {
    for (int i = 0; i < 20 && !has(key, kind, value); ++i) {
      auto got = s->watch("stacks/blog", cursor, 500ms);
      BOOST_REQUIRE_MESSAGE(got.has_value(), (got ? std::string() : got.error().message));
      for (auto& e : *got) seen.push_back(e);
    }
    return has(key, kind, value);
  };
  BOOST_TEST(gather("stacks/blog/routes.json", WatchEvent::Kind::Put, "r1"));
  BOOST_TEST(gather("stacks/blog/env/A", WatchEvent::Kind::Put, "1"));
  BOOST_REQUIRE(other->remove("stacks/blog/routes.json").has_value());
  BOOST_TEST(gather("stacks/blog/routes.json", WatchEvent::Kind::Remove, ""));
  for (const auto& e : seen) BOOST_TEST(e.key.find("blogger") == std::string::npos, e.key);
  auto quiet = s->watch("stacks/blog", cursor, 200ms);
  BOOST_REQUIRE(quiet.has_value());
  BOOST_TEST(quiet->empty());
}

inline void corrupt_and_missing_values(Backend& b) {
  auto s = b.open();
  BOOST_TEST(!get_json(*s, "grid/grid.json").value().has_value());  // missing: absent, no error
  BOOST_REQUIRE(s->put("grid/grid.json", "{\"blocks\": [").has_value());
  auto doc = get_json(*s, "grid/grid.json");
  BOOST_REQUIRE(!doc.has_value());
  BOOST_TEST(doc.error().message.find(s->locate("grid/grid.json")) != std::string::npos);
  BOOST_TEST(doc.error().message.find("corrupt JSON") != std::string::npos);
  BOOST_REQUIRE(s->put("grid/bytes", std::string("\0\xff\n", 3)).has_value());
  BOOST_TEST(value_of(*s, "grid/bytes") == std::string("\0\xff\n", 3));
}

inline void size_limit(Backend& b) {
  auto s = b.open();
  BOOST_REQUIRE(s->put("etc/big", "small").has_value());
  std::string at_limit(kMaxStoreValue, 'x');
  auto fits = s->put("etc/fits", at_limit);
  BOOST_REQUIRE_MESSAGE(fits.has_value(), (fits ? std::string() : fits.error().message));
  BOOST_TEST(value_of(*s, "etc/fits").size() == kMaxStoreValue);
  auto over = s->put("etc/big", at_limit + "x");
  BOOST_REQUIRE(!over.has_value());
  BOOST_TEST(over.error().message.find("etc/big") != std::string::npos);
  BOOST_TEST(over.error().message.find("limit") != std::string::npos);
  BOOST_TEST(value_of(*s, "etc/big") == "small");
}

// A write fenced on a term fails once another term began; nothing is written.
inline void fenced_writes(Backend& b) {
  auto s = b.open();
  LeaderTerm mine{"hq-a", 0, 1, 100};
  BOOST_REQUIRE(s->put(std::string(kLeaderKey), leader_document(mine)).has_value());
  mine.fence = s->get_versioned(kLeaderKey).value().revision;
  FencedStore fenced(*s, mine);
  BOOST_TEST(fenced.put("stacks/a/containers.json", "by a").has_value());
  LeaderTerm next{"hq-b", 0, 2, 200};
  BOOST_REQUIRE(b.peer()->put(std::string(kLeaderKey), leader_document(next)).has_value());
  auto late = fenced.put("stacks/a/containers.json", "late write by a");
  BOOST_REQUIRE(!late.has_value());
  BOOST_TEST(late.error().message.find("fenced") != std::string::npos);
  BOOST_TEST(late.error().exit_code() == 3);
  BOOST_TEST(!fenced.remove("stacks/a").has_value());
  BOOST_TEST(value_of(*s, "stacks/a/containers.json") == "by a");
  auto read = read_leader_key(*s).value();
  BOOST_TEST(read->hq_id == "hq-b");
  BOOST_TEST(read->term == 2);
}

}  // namespace quarry::contract

#define QUARRY_STORE_CONTRACT_CASE(name) \
  BOOST_AUTO_TEST_CASE(name) { quarry::contract::name(backend()); }

#define QUARRY_STORE_CONTRACT()                         \
  QUARRY_STORE_CONTRACT_CASE(basics)                    \
  QUARRY_STORE_CONTRACT_CASE(invalid_keys_refused)      \
  QUARRY_STORE_CONTRACT_CASE(atomic_commits)            \
  QUARRY_STORE_CONTRACT_CASE(compare_and_swap)          \
  QUARRY_STORE_CONTRACT_CASE(cas_race_loses_nothing)    \
  QUARRY_STORE_CONTRACT_CASE(locks_exclude_and_time_out) \
  QUARRY_STORE_CONTRACT_CASE(dead_holder_lock_expires)  \
  QUARRY_STORE_CONTRACT_CASE(watch_delivers_changes)    \
  QUARRY_STORE_CONTRACT_CASE(corrupt_and_missing_values) \
  QUARRY_STORE_CONTRACT_CASE(size_limit)                \
  QUARRY_STORE_CONTRACT_CASE(fenced_writes)
