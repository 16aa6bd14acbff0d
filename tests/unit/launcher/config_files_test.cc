#include <boost/test/unit_test.hpp>

#include "core/text.h"
#include "launcher/config_keeper.h"
#include "launcher/config_store.h"
#include "launcher/hosts_file.h"
#include "tests/fakes/fake_shell.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;

BOOST_AUTO_TEST_SUITE(config_files)

namespace {

ServerRecord server(const std::string& id, const std::string& ip, const std::string& name = "") {
  ServerRecord s;
  s.id = id;
  s.name = name.empty() ? id : name;
  s.ip = ip;
  return s;
}

ContainerRecord service(const std::string& stack, const std::string& node, const std::string& on, int index = 1) {
  ContainerRecord c;
  c.stack = stack;
  c.node = node;
  c.service = true;
  c.server = on;
  c.index = index;
  return c;
}

const FileTarget kTarget{{"s1", "10.0.0.5"}, "/etc/quarry/files"};

}  // namespace

BOOST_AUTO_TEST_CASE(hosts_file_lists_servers_then_services) {
  std::vector<ServerRecord> servers = {server("q-ab-2", "10.77.5.3"), server("q-ab-1", "10.77.5.2", "edge"),
                                       server("bad_name", "10.77.5.9")};
  ContainerRecord web = service("blog", "web", "q-ab-1");
  web.service = false;
  std::vector<ContainerRecord> containers = {service("hello", "counter", "q-ab-2"), web,
                                             service("blog", "db", "gone"), service("blog", "cache", "q-ab-1", 2),
                                             service("blog", "cache", "q-ab-2", 1)};
  BOOST_TEST(render_hosts(cluster_hosts(servers, containers)) ==
             "# the cluster's servers and services, written by quarry: do not edit\n"
             "10.77.5.2\tedge\n"
             "10.77.5.2\tq-ab-1\n"
             "10.77.5.3\tq-ab-2\n"
             "10.77.5.3\tcache.blog.quarry\n"
             "10.77.5.3\tcounter.hello.quarry\n");
}

BOOST_AUTO_TEST_CASE(write_command_is_atomic_and_quotes_nothing_into_the_script) {
  auto argv = write_file_argv("/etc/quarry/files", "app/$(reboot).conf", 0640);
  BOOST_TEST(shell_join(argv) ==
             "sh -c 'set -e; f=\"$1/$2\"; mkdir -p -- \"$(dirname -- \"$f\")\"; rm -f -- \"$f.quarry-tmp\"; "
             "cat > \"$f.quarry-tmp\"; chmod \"$3\" \"$f.quarry-tmp\"; mv -f -- \"$f.quarry-tmp\" \"$f\"' sh "
             "/etc/quarry/files 'app/$(reboot).conf' 0640");
}

BOOST_AUTO_TEST_CASE(listing_diff_writes_missing_and_changed_and_removes_extra) {
  auto listing = parse_file_listing("644 " + sha256_hex("same") + " ./a.conf\n" + "600 " + sha256_hex("same") +
                                    " ./mode.conf\n" + "644 " + sha256_hex("old") + " ./dir/b.conf\n" + "644 " +
                                    sha256_hex("x") + " ./stray\n" + "garbage line\n");
  BOOST_TEST(listing.size() == 4u);
  FileSet desired = {{"a.conf", {"same", 0644}},
                     {"mode.conf", {"same", 0644}},
                     {"dir/b.conf", {"new", 0644}},
                     {"hosts", {"h", 0644}}};
  auto d = diff_files(desired, listing);
  BOOST_TEST(d.write == (std::vector<std::string>{"dir/b.conf", "hosts", "mode.conf"}), boost::test_tools::per_element());
  BOOST_TEST(d.remove == std::vector<std::string>{"stray"}, boost::test_tools::per_element());
}

BOOST_AUTO_TEST_CASE(keeper_repairs_only_what_differs) {
  FakeShell shell;
  shell.on_out("find . -type f", "644 " + sha256_hex("kept") + " ./kept\n644 " + sha256_hex("x") + " ./stray\n");
  ConfigKeeper keeper(shell);
  FileSet desired = {{"kept", {"kept", 0644}}, {"new", {"fresh", 0600}}};
  auto changed = keeper.repair({kTarget}, desired);
  BOOST_REQUIRE(changed.has_value());
  BOOST_REQUIRE(changed->size() == 1u);
  auto ran = shell.ran();
  BOOST_REQUIRE(ran.size() == 3u);  // list, write "new", remove "stray"
  BOOST_TEST(ran[1].command.ends_with("/etc/quarry/files new 0600"));
  BOOST_TEST(ran[1].stdin_data == "fresh");
  BOOST_TEST(ran[2].command == "sh -c 'rm -f -- \"$1/$2\"' sh /etc/quarry/files stray");
}

BOOST_AUTO_TEST_CASE(an_unreachable_server_is_named) {
  FakeShell shell;
  shell.unreachable("s1");
  ConfigKeeper keeper(shell);
  auto r = keeper.repair({kTarget}, {});
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST(r.error().message.find("replicated files: s1: connect to 10.0.0.5 failed") == 0u);
}

BOOST_AUTO_TEST_CASE(store_keeps_files_with_modes_and_refuses_bad_input) {
  MemoryStore store;
  BOOST_REQUIRE(put_config_file(store, "app/flags.json", "{}", 0640).has_value());
  BOOST_REQUIRE(put_config_file(store, "motd", "hi", 0644).has_value());
  auto files = load_config_files(store).value();
  BOOST_TEST(files.size() == 2u);
  BOOST_TEST(files["app/flags.json"].mode == 0640u);
  BOOST_TEST(files["motd"].content == "hi");
  const std::pair<std::string, std::string> bad[] = {
      {"../etc/passwd", "file path '../etc/passwd' is not allowed"},
      {"/abs", "file path '/abs' is not allowed"},
      {"a b", "file path 'a b' is not allowed"},
      {"hosts", "'hosts' is the cluster's generated hosts file; choose another path"},
      {"app/flags.json/x", "app/flags.json/x: clashes with the replicated file app/flags.json"},
      {"app", "app: clashes with the replicated file app/flags.json"},
  };
  for (const auto& [path, message] : bad) {
    BOOST_TEST_CONTEXT(path) {
      auto s = put_config_file(store, path, "x", 0644);
      BOOST_REQUIRE(!s.has_value());
      BOOST_TEST(s.error().message.starts_with(message));
    }
  }
  BOOST_TEST(!put_config_file(store, "big", std::string(kMaxConfigFileBytes + 1, 'x'), 0644).has_value());
  BOOST_TEST(!put_config_file(store, "setuid", "x", 04755).has_value());
  BOOST_TEST(load_config_files(store).value().size() == 2u);  // nothing changed
  BOOST_REQUIRE(remove_config_file(store, "motd").has_value());
  BOOST_TEST(load_config_files(store).value().size() == 1u);
  BOOST_TEST(remove_config_file(store, "motd").error().message == "no replicated file 'motd' (see quarry config ls)");
}

BOOST_AUTO_TEST_SUITE_END()
