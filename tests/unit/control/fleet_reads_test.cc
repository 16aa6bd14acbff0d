// What keeps a pass's cost at the size of the fleet: the observer's quick
// reading of docker's lines (the same containers the general parser gives),
// the observation written only when it changed, the books parsed once
// while unchanged, a stack's state read from the pass's snapshot, and the
// planner's record lookup by (node, index).
#include <boost/test/unit_test.hpp>

#include "control/observer.h"
#include "control/planner.h"
#include "control/stack_state.h"
#include "launcher/docker_parse.h"
#include "tests/fakes/memory_store.h"
#include "tests/fakes/store_view.h"
#include "tests/unit/control/control_fixture.h"

namespace quarry {
namespace {

// What the general parser makes of `output`, as the observer did before it
// read docker's lines itself.
std::vector<ObservedContainer> general(const std::string& server, const std::string& output) {
  std::vector<ObservedContainer> out;
  auto parsed = parse_docker_ps(output);
  BOOST_TEST_REQUIRE(parsed.has_value());
  for (const auto& c : *parsed) {
    auto label = [&](const std::string& k) { return c.labels.count(k) ? c.labels.at(k) : std::string(); };
    ObservedContainer o;
    o.server = server;
    o.name = c.name;
    o.stack = label("quarry.stack");
    o.node = label("quarry.node");
    o.release = std::atoi(label("quarry.release").c_str());
    o.index = std::atoi(label("quarry.index").c_str());
    o.state = c.state;
    o.status = c.status;
    o.running = c.running;
    o.last_seen_ms = 7;
    if (!o.stack.empty()) out.push_back(o);
  }
  return out;
}

bool same(const std::vector<ObservedContainer>& a, const std::vector<ObservedContainer>& b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i) {
    const auto &x = a[i], &y = b[i];
    if (std::tie(x.server, x.name, x.stack, x.node, x.release, x.index, x.state, x.status, x.running, x.last_seen_ms) !=
        std::tie(y.server, y.name, y.stack, y.node, y.release, y.index, y.state, y.status, y.running, y.last_seen_ms))
      return false;
  }
  return true;
}

const std::string kLines =
    R"({"Command":"\"/app --port=80\"","ID":"aa11","Image":"app","Labels":"quarry.index=2,quarry.kind=node,quarry.node=web,quarry.release=7,quarry.stack=blog","Names":"blog_web_r7_2","Ports":"0.0.0.0:8080->80/tcp","State":"running","Status":"Up 2 seconds"})"
    "\n"
    // docker escapes <, > and & as \u003c..., a label value may hold ','
    // (ps prints it unquoted) and the name list may hold two names.
    "  {\"ID\":\"bb22\",\"Labels\":\"note=a\\u003cb\\u0026c,more,quarry.stack=blog,quarry.node=db\\u00e9,x\",\"Names\":\"blog_db,alias\","
    "\"State\":\"exited\",\"Status\":\"Exited (1) 3 seconds ago\",\"Ports\":\"\"}\r\n"
    "\n"
    // not quarry's: no stack label
    R"({"ID":"cc33","Labels":"other=1","Names":"x","State":"running","Status":"Up 1 hour"})"
    "\n"
    R"({"ID":"dd44","Labels":"quarry.stack=shop,quarry.index=x3","Names":"shop_api_r1_1","State":"restarting","Status":"Restarting (3) 1 second ago","Names":"shop_api_r1_9"})"
    "\n";

BOOST_AUTO_TEST_SUITE(fleet_reads)

BOOST_AUTO_TEST_CASE(the_observer_reads_dockers_lines_as_the_general_parser_does) {
  auto quick = observed_from_ps("s1", kLines, 7);
  BOOST_TEST_REQUIRE(quick.has_value());
  BOOST_TEST_REQUIRE(quick->size() == 3u);
  BOOST_TEST(same(*quick, general("s1", kLines)));
  BOOST_TEST((*quick)[0].node == "web");
  BOOST_TEST((*quick)[0].release == 7);
  BOOST_TEST((*quick)[1].name == "blog_db");
  BOOST_TEST((*quick)[1].node == "db\xc3\xa9,x");  // \u00e9 in UTF-8, the unquoted ',' kept
  BOOST_TEST((*quick)[2].name == "shop_api_r1_9");  // a repeated member: the last one
}

BOOST_AUTO_TEST_CASE(lines_the_quick_reading_does_not_know_go_to_the_general_parser) {
  // A member that is not a string, and a surrogate pair: read all the same.
  std::string odd = R"({"ID":"ee55","Size":0,"Labels":"quarry.stack=blog","Names":"a\ud83d\ude00","State":"running","Status":"Up"})"
                    "\n";
  auto r = observed_from_ps("s1", odd, 7);
  BOOST_TEST_REQUIRE(r.has_value());
  BOOST_TEST(same(*r, general("s1", odd)));
  BOOST_TEST((*r)[0].name == "a\xf0\x9f\x98\x80");
  // Broken output fails as before, saying where.
  for (std::string bad : {std::string("{\"ID\":\"x\",\"Labels\":\"quarry.stack=b\"\n"),
                          std::string("{\"Labels\":\"quarry.stack=b\",\"Names\":\"n\"}\n"),
                          std::string("{\"ID\":\"x\",\"Labels\":\"quarry.stack=b\",\"Ports\":\"nonsense->\"}\n")}) {
    auto e = observed_from_ps("s9", bad, 7);
    BOOST_TEST_REQUIRE(!e.has_value());
    BOOST_TEST(e.error().message.find("s9") != std::string::npos);
    BOOST_TEST(e.error().message == parse_docker_ps(bad).error().context("s9").message);
  }
}

ObservedContainer container(const std::string& name, bool running, const std::string& status, std::int64_t seen) {
  ObservedContainer c;
  c.server = "s1";
  c.name = name;
  c.stack = "blog";
  c.node = "web";
  c.release = 1;
  c.index = 1;
  c.state = running ? "running" : "exited";
  c.status = status;
  c.running = running;
  c.last_seen_ms = seen;
  return c;
}

ObservedRefs refs(const std::vector<ObservedContainer>& list) {
  ObservedRefs out;
  for (const auto& c : list) out.push_back(&c);
  return out;
}

BOOST_AUTO_TEST_CASE(an_observation_is_written_only_when_it_changed) {
  MemoryStore store;
  ObservationBook book;
  BOOST_TEST(book.last(store, "blog").value()->containers.empty());
  StackObservation o{1000, {container("a", true, "Up 1 second", 1000)}};
  BOOST_TEST(book.save(store, "blog", o).value());
  // Times and a running container's status text are no change.
  StackObservation later{2000, {container("a", true, "Up 2 seconds", 2000)}};
  BOOST_TEST(!book.save(store, "blog", later).value());
  // What save() would skip, checked without building it: what s1 reported,
  // or nothing when s1 is silent (what it ran last is kept).
  auto all = [](const std::string&) { return true; };
  auto none = [](const std::string&) { return false; };
  BOOST_TEST(book.holds("blog", refs(later.containers), all));
  BOOST_TEST(!book.holds("blog", {}, all));
  BOOST_TEST(book.holds("blog", {}, none));
  std::vector<ObservedContainer> more = {later.containers[0], container("b", true, "Up", 2000)};
  BOOST_TEST(!book.holds("blog", refs(more), all));
  BOOST_TEST(!book.holds("shop", {}, all));  // never read or written
  BOOST_TEST(load_observation(store, "blog").value().at_ms == 1000);
  BOOST_TEST(book.last(store, "blog").value()->at_ms == 1000);
  // A container that exited is.
  StackObservation exited{3000, {container("a", false, "Exited (1) 1 second ago", 3000)}};
  BOOST_TEST(!book.holds("blog", refs(exited.containers), all));
  BOOST_TEST(book.save(store, "blog", exited).value());
  // So is one more container, and so is one gone.
  StackObservation two{4000, {container("a", false, "Exited (1) 1 second ago", 4000), container("b", true, "Up", 4000)}};
  BOOST_TEST(book.save(store, "blog", two).value());
  BOOST_TEST(book.save(store, "blog", StackObservation{5000, {}}).value());
  BOOST_TEST(load_observation(store, "blog").value().at_ms == 5000);
  // Written by someone else: read again, and compared with what it holds.
  BOOST_TEST(save_observation(store, "blog", two).has_value());
  BOOST_TEST(book.last(store, "blog").value()->containers.size() == 2u);
  BOOST_TEST(!book.save(store, "blog", two).value());
  BOOST_TEST(store.put("stacks/blog/observed.json", "{not json").has_value());
  BOOST_TEST(!book.last(store, "blog").has_value());
  BOOST_TEST(book.save(store, "blog", two).value());
}

BOOST_AUTO_TEST_CASE(an_observation_is_written_as_put_json_writes_it) {
  MemoryStore store;
  StackObservation o{1000, {container("a", true, "Up 1 second", 1000), container("b\"q", false, "Exited (1)\n", 7)}};
  BOOST_TEST_REQUIRE(save_observation(store, "blog", o).has_value());
  nlohmann::json list = nlohmann::json::array();
  for (const auto& c : o.containers) list.push_back(to_json(c));
  BOOST_TEST(store.get("stacks/blog/observed.json").value().value() ==
             nlohmann::json({{"at_ms", 1000}, {"containers", list}}).dump(2) + "\n");
  BOOST_TEST(save_observation(store, "blog", StackObservation{5, {}}).has_value());
  BOOST_TEST(store.get("stacks/blog/observed.json").value().value() ==
             nlohmann::json({{"at_ms", 5}, {"containers", nlohmann::json::array()}}).dump(2) + "\n");
}

// Another handle onto a store that counts the values read of s1's health.
class HealthReads : public StoreView {
 public:
  explicit HealthReads(Store& s) : StoreView(s) {}
  Result<std::optional<std::string>> get(std::string_view k) override {
    reads += k == "servers/s1/health";
    return StoreView::get(k);
  }
  int reads = 0;
};

BOOST_AUTO_TEST_CASE(a_servers_health_is_written_as_put_json_writes_it_and_read_back_unparsed) {
  MemoryStore store, peer;
  HealthReads counted(store);
  HealthBook book;
  auto absent = book.last(counted, "s1").value();
  BOOST_TEST(absent.server == "s1");
  BOOST_TEST(absent.checked_ms == 0);
  ServerHealth h{"s1", Health::Suspect, 900, 1000, 1100, "ssh: \"refused\"\n", 7};
  BOOST_TEST_REQUIRE(book.save(counted, h).has_value());
  BOOST_TEST_REQUIRE(save_health(peer, h).has_value());
  BOOST_TEST(store.get("servers/s1/health").value().value() == peer.get("servers/s1/health").value().value());
  const int reads = counted.reads;
  auto back = book.last(counted, "s1").value();
  BOOST_TEST(counted.reads == reads);  // what it wrote: not read again
  BOOST_TEST(to_json(back) == to_json(h));
  // Written by another writer: read again.
  h.state = Health::Down;
  BOOST_TEST_REQUIRE(save_health(store, h).has_value());
  BOOST_TEST(health_name(book.last(counted, "s1").value().state) == "down");
  BOOST_TEST(counted.reads == reads + 1);
  BOOST_TEST_REQUIRE(store.put("servers/s1/health", "{not json").has_value());
  BOOST_TEST(!book.last(counted, "s1").has_value());
}

BOOST_AUTO_TEST_CASE(a_quiet_cluster_rewrites_no_observation_and_ps_ages_from_the_servers_contact) {
  test::ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto loop = f.loop();
  f.clock.advance_ms(1000);
  BOOST_TEST_REQUIRE(loop.pass().has_value());
  auto first = f.store.get_versioned("stacks/blog/observed.json").value();
  f.clock.advance_ms(1000);
  BOOST_TEST_REQUIRE(loop.pass().has_value());
  BOOST_TEST(f.store.get_versioned("stacks/blog/observed.json").value().revision == first.revision);
  BOOST_TEST(load_health(f.store, "s1").value().last_contact_ms == f.clock.now_ms());
  // A replica that dies changes it.
  auto web = f.books_of("web").front();
  f.docker.kill(web.server, web.name);
  f.clock.advance_ms(1000);
  BOOST_TEST_REQUIRE(loop.pass().has_value());
  BOOST_TEST(f.store.get_versioned("stacks/blog/observed.json").value().revision != first.revision);
  BOOST_TEST(load_observation(f.store, "blog").value().at_ms == f.clock.now_ms());
}

BOOST_AUTO_TEST_CASE(books_are_parsed_again_only_when_their_revision_changed) {
  test::ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  BooksCache cache;
  auto first = cache.take(f.store, "blog").value();
  BOOST_TEST(first.size() == 3u);
  first.front().state = "marked";  // what is given back is what the next take lends
  cache.give_back("blog", first);
  BOOST_TEST(cache.take(f.store, "blog").value().front().state == "marked");
  // Lent and not given back: parsed again.
  BOOST_TEST(cache.take(f.store, "blog").value().front().state != "marked");
  cache.give_back("blog", first);
  auto books = f.books();
  books.pop_back();
  BOOST_TEST(save_containers(f.store, "blog", books).has_value());
  auto fewer = cache.take(f.store, "blog").value();
  BOOST_TEST(fewer.size() == 2u);
  // The same text written again is a new revision: parsed again.
  fewer.front().state = "marked";
  cache.give_back("blog", fewer);
  BOOST_TEST(save_containers(f.store, "blog", books).has_value());
  BOOST_TEST(cache.take(f.store, "blog").value().front().state != "marked");
  BOOST_TEST(cache.take(f.store, "other").value().empty());
}

// Another handle onto a store that counts the release values read.
class ReleaseReads : public StoreView {
 public:
  explicit ReleaseReads(Store& s) : StoreView(s) {}
  Result<std::optional<std::string>> get(std::string_view k) override {
    reads += k.find("/releases/") != std::string_view::npos;
    return StoreView::get(k);
  }
  int reads = 0;
};

std::vector<std::string> live(const std::vector<DesiredRelease>& desired) {
  std::vector<std::string> out;
  for (const auto& d : desired) out.push_back(std::to_string(d.number) + ":" + d.status);
  return out;
}

BOOST_AUTO_TEST_CASE(live_releases_are_parsed_again_only_when_a_release_file_changed) {
  test::ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  ReleaseReads store(f.store);
  DesiredCache cache;
  auto full = [&] { return live(desired_releases(load_releases(f.store, "blog").value()).value()); };
  BOOST_TEST(live(cache.get(store, "blog").value()) == full());
  BOOST_TEST(store.reads == 1);
  BOOST_TEST(live(cache.get(store, "blog").value()) == full());
  BOOST_TEST(store.reads == 1);  // unchanged: not read again
  BOOST_TEST_REQUIRE(f.deploy(2).has_value());  // a new file
  BOOST_TEST(live(cache.get(store, "blog").value()) == std::vector<std::string>{"2:deployed"});
  BOOST_TEST(store.reads == 3);
  auto second = load_releases(f.store, "blog").value().back();
  second.status = "rolled-back";  // a file rewritten
  BOOST_TEST_REQUIRE(save_release(f.store, second).has_value());
  BOOST_TEST(live(cache.get(store, "blog").value()) == std::vector<std::string>{"1:deployed"});
  BOOST_TEST(live(cache.get(store, "blog").value()) == full());
  BOOST_TEST(store.reads == 5);
  BOOST_TEST(cache.get(store, "other").value().empty());
}

BOOST_AUTO_TEST_CASE(a_stacks_state_from_the_pass_snapshot_plans_as_the_full_read_does) {
  test::ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  auto web = f.books_of("web").front();
  f.docker.kill(web.server, web.name, true);
  const std::string suspect = web.server == "s3" ? "s2" : "s3";
  std::map<std::string, std::vector<ObservedContainer>> all;
  std::map<std::string, ServerHealth> health;
  std::map<std::string, std::string> addresses;
  std::unordered_set<std::string> answered;
  auto servers = load_servers(f.store);
  BOOST_TEST_REQUIRE(servers.has_value());
  for (const auto& s : *servers) {
    Command c;
    c.argv = observe_command();
    auto out = f.docker.run(endpoint_of(s), c).value().out;
    all[s.id] = observed_from_ps(s.id, out, f.clock.now_ms()).value();
    health[s.id] = ServerHealth{s.id, s.id == suspect ? Health::Suspect : Health::Up, 1, 1, 1, "", 0};
    addresses[s.id] = s.ip;
    answered.insert(s.id);
  }
  health["s9"] = ServerHealth{"s9", Health::Down, 1, 1, 1, "gone", 0};  // holds nothing of blog
  all.erase(suspect);
  answered.erase(suspect);
  auto full = read_stack_state(f.store, "blog", all, health, f.clock.now_ms()).value();
  auto mine = all;
  for (auto& [server, list] : mine) std::erase_if(list, [](const auto& c) { return c.stack != "blog"; });
  std::erase_if(mine, [](const auto& kv) { return kv.second.empty(); });
  PassSnapshot snap{f.clock.now_ms(), &addresses, &health, &answered, nullptr};
  auto quick = read_stack_state(f.store, "blog", snap, mine).value();
  BOOST_TEST(render_control_plan(plan_stack(full)) == render_control_plan(plan_stack(quick)));
  BOOST_TEST(plan_stack(quick).count(ActionKind::Replace) == 1);
  BOOST_TEST(plan_stack(quick).avoid == plan_stack(full).avoid);
  // A service's address (what node replicas are given) is the same.
  for (const auto& r : quick.books) {
    if (r.service) BOOST_TEST(quick.addresses.at(r.server) == full.addresses.at(r.server));
  }
  BOOST_TEST(quick.health.count("s9") == 1u);  // not up: the planner avoids it
  BOOST_TEST(quick.health.count(web.server) == 0u);  // up: absent
}

BOOST_AUTO_TEST_CASE(the_record_of_a_replica_is_the_newest_of_its_node_and_index) {
  test::ControlFixture f;
  BOOST_TEST_REQUIRE(f.deploy(1).has_value());
  BOOST_TEST_REQUIRE(f.deploy(2).has_value());
  // Release 2 live: its nodes are wanted, release 1's are removed, and the
  // service's one container (whatever release started it) is kept.
  auto st = read_stack_state(f.store, "blog", {}, {}, f.clock.now_ms()).value();
  for (const auto& r : f.books_of("web")) {
    if (r.release == 2) {
      auto old = r;
      old.release = 1;
      old.name += "-old";
      st.books.insert(st.books.begin(), old);  // an older twin first in the books
    }
  }
  auto plan = plan_stack(st);
  BOOST_TEST(plan.count(ActionKind::Start) == 0);
  int old_removed = 0;
  for (const auto& a : plan.actions) {
    if (a.kind == ActionKind::Remove && a.container.ends_with("-old")) ++old_removed;
    if (a.kind == ActionKind::Remove && a.process == "web") BOOST_TEST(a.release != 2);
  }
  BOOST_TEST(old_removed == 2);
}

BOOST_AUTO_TEST_SUITE_END()

}  // namespace
}  // namespace quarry
