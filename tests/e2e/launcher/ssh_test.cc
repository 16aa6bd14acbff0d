// Libssh2Shell against a real OpenSSH sshd on loopback: output and exit
// codes, stdin streaming, parallel runs on a bounded pool, timeouts, an
// unreachable port, a restarted server, and host key pinning.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include <chrono>
#include <memory>

#include "core/file_io.h"
#include "launcher/libssh2_shell.h"
#include "launcher/parallel.h"
#include "tests/e2e/support/sshd_fixture.h"
#include "tests/fakes/memory_store.h"

using namespace quarry;
using namespace std::chrono_literals;

namespace {

template <class R>
std::string why(const R& r) {
  return r ? std::string() : r.error().message;
}

// One sshd for the whole suite; the host key test at the end restarts it.
struct Server {
  SshdFixture sshd;
  MemoryStore store;
  HostKeyStore keys{store};

  Server() {
    auto s = sshd.start();
    BOOST_REQUIRE_MESSAGE(s.has_value(), why(s));
    BOOST_REQUIRE(keys.trust_next_key("sshd-e2e").has_value());
  }
  Libssh2Options options(std::size_t per_host = 4) const {
    Libssh2Options o;
    o.key.private_key = sshd.client_key();
    o.sessions_per_host = per_host;
    o.connect_timeout = 5s;
    return o;
  }
  Command cmd(Argv argv) const {
    Command c;
    c.argv = std::move(argv);
    c.timeout = 30s;
    return c;
  }
};

std::unique_ptr<Server> g_server;

Server& server() {
  if (!g_server) g_server = std::make_unique<Server>();
  return *g_server;
}

// Stops sshd and removes its directory when the test module ends.
struct ServerTeardown {
  ~ServerTeardown() { g_server.reset(); }
};
BOOST_TEST_GLOBAL_FIXTURE(ServerTeardown);

}  // namespace

BOOST_AUTO_TEST_SUITE(ssh)

BOOST_AUTO_TEST_CASE(output_stderr_and_exit_code) {
  auto& srv = server();
  Libssh2Shell shell(srv.options(), srv.keys);
  auto r = shell.run(srv.sshd.endpoint(), srv.cmd({"sh", "-c", "echo hello; echo oops >&2; exit 3"}));
  BOOST_REQUIRE_MESSAGE(r.has_value(), why(r));
  BOOST_TEST(r->out == "hello\n");
  BOOST_TEST(r->err == "oops\n");
  BOOST_TEST(r->exit_code == 3);
  BOOST_TEST(!r->timed_out);

  auto killed = shell.run(srv.sshd.endpoint(), srv.cmd({"sh", "-c", "kill -TERM $$"}));
  BOOST_REQUIRE(killed.has_value());
  BOOST_TEST(killed->exit_code == 128 + 15);

  // Hostile words arrive as themselves and run nothing.
  std::string marker = "/tmp/quarry-e2e-pwned-" + std::to_string(getpid());
  Argv words = {"it's", "$(touch " + marker + ")", "`touch " + marker + "`", "a;b|c", "two\nlines", ""};
  Argv argv = {"printf", "[%s]"};
  argv.insert(argv.end(), words.begin(), words.end());
  auto p = shell.run(srv.sshd.endpoint(), srv.cmd(argv));
  BOOST_REQUIRE(p.has_value());
  BOOST_TEST(p->out == "[it's][$(touch " + marker + ")][`touch " + marker + "`][a;b|c][two\nlines][]");
  BOOST_TEST(!path_exists(marker));
}

BOOST_AUTO_TEST_CASE(stdin_and_streamed_output) {
  auto& srv = server();
  Libssh2Shell shell(srv.options(), srv.keys);
  auto c = srv.cmd({"cat"});
  c.stdin_data = "line 1\nline 2\n";
  auto r = shell.run(srv.sshd.endpoint(), c);
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->out == "line 1\nline 2\n");

  std::string streamed;
  auto s = srv.cmd({"sh", "-c", "echo out; echo err >&2"});
  s.on_output = [&](bool is_stdout, std::string_view chunk) { streamed += (is_stdout ? "1:" : "2:") + std::string(chunk); };
  auto r2 = shell.run(srv.sshd.endpoint(), s);
  BOOST_REQUIRE(r2.has_value());
  BOOST_TEST(r2->out.empty());
  BOOST_TEST((streamed == "1:out\n2:err\n" || streamed == "2:err\n1:out\n"));
}

// 50 MB through `wc -c`, produced chunk by chunk: never held whole.
BOOST_AUTO_TEST_CASE(streams_50_mb_of_stdin) {
  auto& srv = server();
  Libssh2Shell shell(srv.options(), srv.keys);
  const std::size_t total = 50u << 20;
  std::size_t sent = 0;
  auto c = srv.cmd({"wc", "-c"});
  c.timeout = 120s;
  c.stdin_source = [&](char* buf, std::size_t len) -> long {
    std::size_t n = std::min(len, total - sent);
    for (std::size_t i = 0; i < n; ++i) buf[i] = static_cast<char>('a' + (sent + i) % 26);
    sent += n;
    return static_cast<long>(n);
  };
  auto start = std::chrono::steady_clock::now();
  auto r = shell.run(srv.sshd.endpoint(), c);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  BOOST_REQUIRE_MESSAGE(r.has_value(), why(r));
  BOOST_TEST(r->exit_code == 0);
  BOOST_TEST(std::stoul(r->out) == total);
  BOOST_TEST_MESSAGE("50 MB stdin in " << ms << " ms");
}

BOOST_AUTO_TEST_CASE(thirty_two_in_parallel_on_a_bounded_pool) {
  auto& srv = server();
  Libssh2Shell shell(srv.options(4), srv.keys);
  std::vector<RemoteJob> jobs;
  for (int i = 0; i < 32; ++i) jobs.push_back({srv.sshd.endpoint(), srv.cmd({"sh", "-c", "sleep 0.1; echo $0", std::to_string(i)})});
  auto results = run_parallel(shell, jobs, 32);
  for (int i = 0; i < 32; ++i) {
    BOOST_TEST_CONTEXT("job " << i) {
      BOOST_REQUIRE_MESSAGE(results[i].has_value(), why(results[i]));
      BOOST_TEST(results[i]->out == std::to_string(i) + "\n");
    }
  }
  auto stats = shell.stats();
  BOOST_TEST(stats.sessions_opened == 4u);
  BOOST_TEST(stats.sessions_open == 4u);
}

// max_in_flight bounds what executes at once: 8 commands of 0.2 s, two at
// a time, take at least 0.8 s.
BOOST_AUTO_TEST_CASE(in_flight_bound_holds) {
  auto& srv = server();
  auto options = srv.options(4);
  options.max_in_flight = 2;
  Libssh2Shell shell(options, srv.keys);
  std::vector<RemoteJob> jobs(8, {srv.sshd.endpoint(), srv.cmd({"sleep", "0.2"})});
  auto start = std::chrono::steady_clock::now();
  auto results = run_parallel(shell, jobs, 8);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  for (const auto& r : results) BOOST_TEST((r.has_value() && r->ok()));
  BOOST_TEST(ms >= 800);
}

BOOST_AUTO_TEST_CASE(pool_reuses_one_session) {
  auto& srv = server();
  Libssh2Shell shell(srv.options(), srv.keys);
  for (int i = 0; i < 20; ++i) {
    auto r = shell.run(srv.sshd.endpoint(), srv.cmd({"true"}));
    BOOST_REQUIRE(r.has_value());
    BOOST_TEST(r->exit_code == 0);
  }
  BOOST_TEST(shell.stats().sessions_opened == 1u);
}

BOOST_AUTO_TEST_CASE(timeout_drops_the_session) {
  auto& srv = server();
  Libssh2Shell shell(srv.options(), srv.keys);
  auto c = srv.cmd({"sleep", "30"});
  c.timeout = 500ms;
  auto start = std::chrono::steady_clock::now();
  auto r = shell.run(srv.sshd.endpoint(), c);
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() - start).count();
  BOOST_REQUIRE(r.has_value());
  BOOST_TEST(r->timed_out);
  BOOST_TEST(r->exit_code == 124);
  BOOST_TEST(ms < 3000);
  BOOST_TEST(shell.stats().sessions_open == 0u);
  auto next = shell.run(srv.sshd.endpoint(), srv.cmd({"echo", "after"}));
  BOOST_REQUIRE(next.has_value());
  BOOST_TEST(next->out == "after\n");
  BOOST_TEST(shell.stats().sessions_opened == 2u);
}

BOOST_AUTO_TEST_CASE(unreachable_port_names_the_host) {
  auto& srv = server();
  Libssh2Shell shell(srv.options(), srv.keys);
  auto port = free_loopback_port();
  BOOST_REQUIRE(port.has_value());
  Endpoint down{"s9", "127.0.0.1", *port, srv.sshd.user()};
  auto r = shell.run(down, srv.cmd({"true"}));
  BOOST_REQUIRE(!r.has_value());
  BOOST_TEST((r.error().kind == ErrorKind::Remote));
  BOOST_TEST(r.error().message == "s9 (127.0.0.1:" + std::to_string(*port) + "): connect: Connection refused");
}

BOOST_AUTO_TEST_CASE(unknown_host_key_is_refused) {
  auto& srv = server();
  MemoryStore empty;
  HostKeyStore keys(empty);
  Libssh2Shell shell(srv.options(), keys);
  auto r = shell.run(srv.sshd.endpoint(), srv.cmd({"true"}));
  BOOST_REQUIRE(!r.has_value());
  auto prefix = "sshd-e2e (127.0.0.1:" + std::to_string(srv.sshd.port()) + "): host key for sshd-e2e is not known";
  BOOST_TEST(r.error().message.substr(0, prefix.size()) == prefix);
}

BOOST_AUTO_TEST_CASE(restarted_server_is_reconnected_once) {
  auto& srv = server();
  Libssh2Shell shell(srv.options(), srv.keys);
  BOOST_REQUIRE(shell.run(srv.sshd.endpoint(), srv.cmd({"true"})).has_value());
  auto s = srv.sshd.restart(false);
  BOOST_REQUIRE_MESSAGE(s.has_value(), why(s));
  auto r = shell.run(srv.sshd.endpoint(), srv.cmd({"echo", "back"}));
  BOOST_REQUIRE_MESSAGE(r.has_value(), why(r));
  BOOST_TEST(r->out == "back\n");
  BOOST_TEST(shell.stats().reconnects == 1u);
  BOOST_TEST(shell.stats().sessions_opened == 2u);
}

BOOST_AUTO_TEST_CASE(changed_host_key_is_refused_naming_the_host) {
  auto& srv = server();
  Libssh2Shell shell(srv.options(), srv.keys);
  BOOST_REQUIRE(shell.run(srv.sshd.endpoint(), srv.cmd({"true"})).has_value());
  auto pinned = srv.keys.pinned("sshd-e2e").value();
  BOOST_REQUIRE(pinned.has_value());
  auto s = srv.sshd.restart(true);
  BOOST_REQUIRE_MESSAGE(s.has_value(), why(s));
  auto r = shell.run(srv.sshd.endpoint(), srv.cmd({"true"}));
  BOOST_REQUIRE(!r.has_value());
  auto now = key_fingerprint(srv.sshd.host_key_blob().value());
  BOOST_TEST(r.error().message == "sshd-e2e (127.0.0.1:" + std::to_string(srv.sshd.port()) +
                                      "): host key for sshd-e2e changed (was " + pinned->fingerprint + ", now " +
                                      now + "): refusing to connect; if the server was rebuilt, run "
                                            "`quarry servers trust sshd-e2e`");
  // Re-trusting lets the rebuilt server in.
  BOOST_REQUIRE(srv.keys.trust_next_key("sshd-e2e").has_value());
  auto again = shell.run(srv.sshd.endpoint(), srv.cmd({"echo", "ok"}));
  BOOST_REQUIRE_MESSAGE(again.has_value(), why(again));
  BOOST_TEST(again->out == "ok\n");
}

BOOST_AUTO_TEST_SUITE_END()
