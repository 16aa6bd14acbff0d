// Golden quoting: names and values from a manifest or a server that hold
// quotes, $(...), backticks, ';', '|', newlines and spaces reach the remote
// shell as exactly one word each, and never run a second command. The text
// checked is the text every RemoteShell sends: shell_join of the argv.
#include <boost/test/unit_test.hpp>

#include <unistd.h>

#include "core/file_io.h"
#include "core/subprocess.h"
#include "core/text.h"
#include "launcher/docker_commands.h"
#include "tests/fakes/fake_shell.h"

using namespace quarry;

namespace {

std::string marker() { return "/tmp/quarry-pwned-" + std::to_string(getpid()); }

std::vector<std::string> hostile() {
  auto m = marker();
  return {
      "it's",
      "\"double\"",
      "$(touch " + m + ")",
      "`touch " + m + "`",
      "a; touch " + m,
      "a | touch " + m,
      "a\ntouch " + m,
      "a && touch " + m,
      "with  two spaces",
      "$HOME ${HOME} ~ * ?",
      "'; touch " + m + "; '",
      "\\'",
      "",
  };
}

// Runs the argv's shell text through a real shell with printf in place of
// the program: each word comes back NUL-terminated, exactly as given.
Argv words_seen_by_sh(const Argv& argv) {
  Argv probe = {"printf", "%s\\0"};
  probe.insert(probe.end(), argv.begin() + 1, argv.end());
  auto r = run_process({"sh", "-c", shell_join(probe)});
  BOOST_REQUIRE(r.has_value());
  BOOST_REQUIRE(r->exit_code == 0);
  Argv words = {argv[0]};
  std::size_t start = 0;
  for (std::size_t i = 0; i < r->out.size(); ++i) {
    if (r->out[i] != '\0') continue;
    words.push_back(r->out.substr(start, i - start));
    start = i + 1;
  }
  return words;
}

void check_one_word_each(const Argv& argv) {
  remove_all(marker());
  BOOST_TEST(words_seen_by_sh(argv) == argv, boost::test_tools::per_element());
  BOOST_TEST(!path_exists(marker()));
}

}  // namespace

BOOST_AUTO_TEST_SUITE(quoting)

BOOST_AUTO_TEST_CASE(golden_docker_run_text) {
  Instruction ins;
  ins.op = Op::Deploy;
  ins.stack = "blog";
  ins.process.name = "web";
  ins.process.image = "img:1";
  ins.process.command = "echo '$(touch /tmp/x)' \"a;b|c\" 'it'\\''s' \"`id`\"";
  ContainerPlacement p;
  p.release = 1;
  p.env_file = "/srv/env/a b;$(id).env";
  p.network = "net\nrm -rf /";
  p.network_aliases = {"it's"};
  auto argv = docker_run(ins, p);
  BOOST_REQUIRE(argv.has_value());
  FakeShell shell;
  Command cmd;
  cmd.argv = *argv;
  BOOST_REQUIRE(shell.run({"s1", "10.0.0.1"}, cmd).has_value());
  BOOST_TEST(shell.commands().at(0) ==
             "docker run --detach --name blog_web_r1_1 --label quarry.stack=blog --label quarry.node=web"
             " --label quarry.release=1 --label quarry.index=1 --label quarry.kind=node"
             " --env-file '/srv/env/a b;$(id).env' --cpu-shares 1024 --security-opt no-new-privileges"
             " --pids-limit 1024 --restart unless-stopped --init --network 'net\nrm -rf /'"
             " --network-alias 'it'\\''s' img:1 echo '$(touch /tmp/x)' 'a;b|c' 'it'\\''s' '`id`'");
  check_one_word_each(*argv);
}

BOOST_AUTO_TEST_CASE(hostile_values_through_every_builder) {
  for (const auto& v : hostile()) {
    BOOST_TEST_CONTEXT("value: " << v) {
      check_one_word_each(docker_stop(v));
      check_one_word_each(docker_rm(v, true));
      check_one_word_each(docker_ps({{"quarry.stack", v}, {v, "x"}}));
      check_one_word_each(docker_inspect({v, v}));
      check_one_word_each(docker_logs(v, {true, 5, true, v}));
      check_one_word_each(docker_image_inspect(v));
      check_one_word_each(docker_network_create(v, {{"k", v}}));
      check_one_word_each(docker_volume_ls({{"k", v}}));
      check_one_word_each(docker_volume_rm(v));
      check_one_word_each(write_private_file(v));
      check_one_word_each(start_with_env_file(v, v, {"docker", "run", v}));
      Instruction ins;
      ins.op = Op::Deploy;
      ins.stack = "blog";
      ins.process.name = "web";
      ins.process.image = v.empty() ? "img" : v;
      ContainerPlacement p;
      p.release = 2;
      p.env_file = v;
      p.network = v;
      p.network_aliases = {v};
      p.bind_address = v;
      p.host_port = 8080;
      ins.process.port = 80;
      auto argv = docker_run(ins, p);
      BOOST_REQUIRE(argv.has_value());
      check_one_word_each(*argv);
    }
  }
}

// The upload script receives the path as $1: a hostile path is a file name,
// never code, and the file is written with mode 0600.
BOOST_AUTO_TEST_CASE(private_file_upload_runs_nothing_else) {
  auto dir = make_temp_dir("quarry-quoting");
  BOOST_REQUIRE(dir.has_value());
  for (const std::string name : {"env $(touch PWNED)", "a;touch PWNED", "`touch PWNED`", "it's\nnew"}) {
    BOOST_TEST_CONTEXT("name: " << name) {
      auto path = *dir + "/sub/" + name;
      ProcessOptions o;
      o.stdin_data = "SECRET=x\n";
      auto r = run_process({"sh", "-c", shell_join(write_private_file(path))}, o);
      BOOST_REQUIRE(r.has_value());
      BOOST_TEST(r->exit_code == 0);
      BOOST_TEST(read_file(path).value() == "SECRET=x\n");
      auto mode = run_process({"stat", "-c", "%a", path});
      BOOST_TEST(trim(mode.value().out) == "600");
      BOOST_TEST(!path_exists("PWNED"));
      BOOST_TEST(!path_exists(*dir + "/sub/PWNED"));
    }
  }
  remove_all(*dir);
}

// The start script takes path, name and the run's words as arguments: with
// a `docker` on PATH that records its words, hostile ones arrive intact,
// the env file holds stdin while the run goes (mode 0600) and is gone after.
// A name docker says is in use is removed and the run tried once more; the
// last run's stderr and exit status are the command's.
BOOST_AUTO_TEST_CASE(a_start_runs_only_its_run_with_hostile_words) {
  auto dir = make_temp_dir("quarry-quoting");
  BOOST_REQUIRE(dir.has_value());
  BOOST_REQUIRE(run_process({"mkdir", "-p", *dir + "/bin"}).has_value());
  BOOST_REQUIRE(write_file_atomic(*dir + "/bin/docker",
                                  "#!/bin/sh\nfor w in \"$@\"; do printf '[%s]' \"$w\"; done >> \"$LOG\"\n"
                                  "echo >> \"$LOG\"\n"
                                  "if [ \"$1\" = run ] && [ ! -e \"$LOG.ran\" ]; then : > \"$LOG.ran\"; "
                                  "echo 'the name is already in use' >&2; exit 125; fi\n"
                                  "if [ \"$1\" = run ]; then cat \"$2\" >> \"$LOG\"; stat -c %a \"$2\" >> \"$LOG\"; "
                                  "echo 'run failed' >&2; exit 7; fi\n"));
  BOOST_REQUIRE(run_process({"chmod", "0755", *dir + "/bin/docker"}).has_value());
  for (const std::string name : {"env $(touch PWNED)", "a;touch PWNED", "`touch PWNED`", "it's\nnew"}) {
    BOOST_TEST_CONTEXT("name: " << name) {
      auto path = *dir + "/sub/" + name;
      auto log = *dir + "/log";
      remove_all(log);
      remove_all(log + ".ran");
      ProcessOptions o;
      o.stdin_data = "SECRET=x\n";
      o.env = {{"PATH", *dir + "/bin:/usr/bin:/bin"}, {"LOG", log}};
      auto r = run_process({"sh", "-c", shell_join(start_with_env_file(path, name, {"docker", "run", path, name}))}, o);
      BOOST_REQUIRE(r.has_value());
      BOOST_TEST(r->exit_code == 7);
      BOOST_TEST(r->err == "run failed\n");
      BOOST_TEST(read_file(log).value() == "[run][" + path + "][" + name + "]\n[rm][--force][--][" + name + "]\n[run][" +
                                               path + "][" + name + "]\nSECRET=x\n600\n");
      BOOST_TEST(!path_exists(path));
      BOOST_TEST(!path_exists(path + ".err"));
      BOOST_TEST(!path_exists("PWNED"));
      BOOST_TEST(!path_exists(*dir + "/sub/PWNED"));
    }
  }
  remove_all(*dir);
}

// A start on the happy path (its env directory there, docker run quiet on
// stderr) runs no program but `cat` for the env file, docker and `rm`:
// every other one is a fork and exec on the critical path of each start.
// Before: dirname, mkdir and a second cat (of the empty stderr) as well.
BOOST_AUTO_TEST_CASE(a_start_forks_only_what_it_needs) {
  auto dir = make_temp_dir("quarry-start-forks");
  BOOST_REQUIRE(dir.has_value());
  BOOST_REQUIRE(run_process({"mkdir", "-p", *dir + "/bin", *dir + "/env"}).has_value());
  const auto log = *dir + "/log";
  for (const std::string tool : {"cat", "rm", "mkdir", "dirname", "grep"}) {
    BOOST_REQUIRE(write_file_atomic(*dir + "/bin/" + tool, "#!/bin/sh\necho " + tool + " >> \"$LOG\"\nexec /usr/bin/" + tool +
                                                               " \"$@\"\n", 0755).has_value());
  }
  BOOST_REQUIRE(write_file_atomic(*dir + "/bin/docker", "#!/bin/sh\necho docker >> \"$LOG\"\necho c0ffee\n", 0755).has_value());
  BOOST_REQUIRE(run_process({"ln", "-s", "/bin/sh", *dir + "/bin/sh"}).has_value());
  for (const std::string where : {"env/web.env", "new/sub/web.env"}) {
    BOOST_TEST_CONTEXT(where) {
      (void)remove_all(log);
      ProcessOptions o;
      o.stdin_data = "A=1\n";
      o.env = {{"PATH", *dir + "/bin"}, {"LOG", log}};
      auto path = *dir + "/" + where;
      auto r = run_process({"/bin/sh", "-c", shell_join(start_with_env_file(path, "web", {"docker", "run"}))}, o);
      BOOST_REQUIRE(r.has_value());
      BOOST_TEST(r->exit_code == 0, r->err);
      BOOST_TEST(r->out == "c0ffee\n");
      // A missing directory is made (mode 0700 by the umask).
      std::string want = where.starts_with("new/") ? "mkdir\ncat\ndocker\nrm\n" : "cat\ndocker\nrm\n";
      BOOST_TEST(read_file(log).value() == want);
      BOOST_TEST(!path_exists(path));
    }
  }
  remove_all(*dir);
}

BOOST_AUTO_TEST_SUITE_END()
