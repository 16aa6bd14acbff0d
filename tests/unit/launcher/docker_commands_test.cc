#include <boost/test/unit_test.hpp>

#include <functional>

#include "launcher/docker_commands.h"

using namespace quarry;

namespace {

Instruction web_deploy() {
  Instruction ins;
  ins.op = Op::Deploy;
  ins.stack = "blog";
  ins.target = "web";
  ins.process.name = "web";
  ins.process.image = "registry.local/blog-web:abc123";
  ins.process.command = "bundle exec puma -p 8080";
  ins.process.port = 8080;
  ins.process.env = {{"SECRET", "s3cr3t"}};
  return ins;
}

ContainerPlacement web_placement() {
  ContainerPlacement p;
  p.release = 7;
  p.index = 2;
  p.memory_mb = 512;
  p.cpu = 0.5;
  p.env_file = "/var/lib/quarry/env/blog-web-r7-2.env";
  p.host_port = 31002;
  p.bind_address = "10.77.0.5";
  p.network = "quarry-blog";
  return p;
}

Instruction db_ensure() {
  Instruction ins;
  ins.op = Op::Ensure;
  ins.stack = "blog";
  ins.target = "db";
  ins.process.name = "db";
  ins.process.is_service = true;
  ins.process.image = "postgres:16";
  ins.process.port = 5432;
  ins.process.volumes = {"/var/lib/postgresql/data"};
  return ins;
}

}  // namespace

BOOST_AUTO_TEST_SUITE(docker_commands)

BOOST_AUTO_TEST_CASE(run_a_node) {
  auto argv = docker_run(web_deploy(), web_placement());
  BOOST_REQUIRE(argv.has_value());
  BOOST_TEST(shell_join(*argv) ==
             "docker run --detach --name blog_web_r7_2"
             " --label quarry.stack=blog --label quarry.node=web --label quarry.release=7"
             " --label quarry.index=2 --label quarry.kind=node"
             " --env-file /var/lib/quarry/env/blog-web-r7-2.env --memory 512m --cpus 0.5"
             " --publish 10.77.0.5:31002:8080 --security-opt no-new-privileges --pids-limit 1024"
             " --restart unless-stopped --init --network quarry-blog"
             " registry.local/blog-web:abc123 bundle exec puma -p 8080");
}

BOOST_AUTO_TEST_CASE(env_values_never_reach_the_command_line) {
  auto ins = web_deploy();
  ins.process.env = {{"DATABASE_URL", "postgres://u:hunter2@db/blog"}};
  auto argv = docker_run(ins, web_placement());
  BOOST_REQUIRE(argv.has_value());
  BOOST_TEST(shell_join(*argv).find("hunter2") == std::string::npos);
  BOOST_TEST(shell_join(*argv).find("--env ") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(run_a_service_with_volumes_and_alias) {
  ContainerPlacement p;
  p.release = 3;
  p.memory_mb = 1024;
  p.host_port = 0;  // not published: reached over the network only
  p.network = "quarry-blog";
  p.network_aliases = {"db"};
  auto argv = docker_run(db_ensure(), p);
  BOOST_REQUIRE(argv.has_value());
  BOOST_TEST(shell_join(*argv) ==
             "docker run --detach --name blog_db"
             " --label quarry.stack=blog --label quarry.node=db --label quarry.release=3"
             " --label quarry.index=1 --label quarry.kind=service --memory 1024m --cpu-shares 1024"
             " --security-opt no-new-privileges --pids-limit 1024 --restart unless-stopped --init --volume blog_db_var-lib-postgresql-data:/var/lib/postgresql/data"
             " --network quarry-blog --network-alias db postgres:16");
}

BOOST_AUTO_TEST_CASE(placement_image_wins_and_ipv6_bind_is_bracketed) {
  auto ins = web_deploy();
  ins.process.image.clear();
  ins.process.build = ".";
  ins.process.command.clear();
  auto p = web_placement();
  p.image = "hq:5000/blog/web@sha256:0123";
  p.bind_address = "::1";
  p.cpu = 2;
  p.env_file.clear();
  p.network.clear();
  auto argv = docker_run(ins, p);
  BOOST_REQUIRE(argv.has_value());
  BOOST_TEST(shell_join(*argv) ==
             "docker run --detach --name blog_web_r7_2"
             " --label quarry.stack=blog --label quarry.node=web --label quarry.release=7"
             " --label quarry.index=2 --label quarry.kind=node --memory 512m --cpus 2"
             " --publish '[::1]:31002:8080' --security-opt no-new-privileges --pids-limit 1024"
             " --restart unless-stopped --init hq:5000/blog/web@sha256:0123");
}

BOOST_AUTO_TEST_CASE(pids_and_privileges_from_the_manifest) {
  auto ins = db_ensure();
  ins.process.pids_limit = 4096;
  ins.process.no_new_privileges = false;
  ContainerPlacement p;
  p.release = 3;
  auto argv = docker_run(ins, p);
  BOOST_REQUIRE(argv.has_value());
  auto line = shell_join(*argv);
  BOOST_TEST(line.find("--pids-limit 4096") != std::string::npos);
  BOOST_TEST(line.find("no-new-privileges") == std::string::npos);
}

BOOST_AUTO_TEST_CASE(stop_settings_and_init_off) {
  auto ins = db_ensure();
  ins.process.stop_signal = "SIGINT";
  ins.process.stop_timeout_s = 60;
  ins.process.init = false;
  ContainerPlacement p;
  p.release = 3;
  auto argv = docker_run(ins, p);
  BOOST_REQUIRE(argv.has_value());
  BOOST_TEST(shell_join(*argv) ==
             "docker run --detach --name blog_db"
             " --label quarry.stack=blog --label quarry.node=db --label quarry.release=3"
             " --label quarry.index=1 --label quarry.kind=service --cpu-shares 1024"
             " --security-opt no-new-privileges --pids-limit 1024"
             " --restart unless-stopped --stop-signal SIGINT --stop-timeout 60"
             " --volume blog_db_var-lib-postgresql-data:/var/lib/postgresql/data postgres:16");
}

struct RunError {
  const char* name;
  std::function<void(Instruction&, ContainerPlacement&)> change;
  const char* message;
};

BOOST_AUTO_TEST_CASE(run_refuses_what_it_cannot_express) {
  const RunError cases[] = {
      {"kill op", [](Instruction& i, ContainerPlacement&) { i.op = Op::Kill; }, "node web: docker run is for ENSURE and DEPLOY"},
      {"no image", [](Instruction& i, ContainerPlacement&) { i.process.image.clear(); }, "node web: no image to run"},
      {"release 0", [](Instruction&, ContainerPlacement& p) { p.release = 0; }, "node web: release number 0 is below 1"},
      {"index 0", [](Instruction&, ContainerPlacement& p) { p.index = 0; }, "node web: replica number 0 is below 1"},
      {"bad name", [](Instruction& i, ContainerPlacement&) { i.stack = "Blog"; },
       "node web: container name Blog_web_r7_2 is not a docker name ([a-z0-9_-], 140 characters at most)"},
      {"node volume", [](Instruction& i, ContainerPlacement&) { i.process.volumes = {"/data"}; },
       "node web: volumes are kept only for services"},
  };
  for (const auto& c : cases) {
    BOOST_TEST_CONTEXT(c.name) {
      auto ins = web_deploy();
      auto p = web_placement();
      c.change(ins, p);
      auto argv = docker_run(ins, p);
      BOOST_REQUIRE(!argv.has_value());
      BOOST_TEST(argv.error().message == c.message);
      BOOST_TEST((argv.error().kind == ErrorKind::User));
    }
  }
}

BOOST_AUTO_TEST_CASE(service_volume_paths_are_checked) {
  const std::pair<std::vector<std::string>, const char*> cases[] = {
      {{"data"}, "service db: volume path 'data' must be absolute and hold no ':'"},
      {{"/a:b"}, "service db: volume path '/a:b' must be absolute and hold no ':'"},
      {{"/a/b", "/a-b"}, "service db: volume paths map to the same volume blog_db_a-b"},
  };
  for (const auto& [volumes, message] : cases) {
    BOOST_TEST_CONTEXT(message) {
      auto ins = db_ensure();
      ins.process.volumes = volumes;
      ContainerPlacement p;
      p.release = 1;
      auto argv = docker_run(ins, p);
      BOOST_REQUIRE(!argv.has_value());
      BOOST_TEST(argv.error().message == message);
    }
  }
}

BOOST_AUTO_TEST_CASE(volume_names) {
  BOOST_TEST(volume_name("blog", "db", "/var/lib/postgresql/data") == "blog_db_var-lib-postgresql-data");
  BOOST_TEST(volume_name("blog", "db", "/Data//x_y/") == "blog_db_data-x-y");
  BOOST_TEST(volume_name("blog", "db", "/") == "blog_db");
  // The names volumes had before: what an earlier container may mount.
  BOOST_TEST(legacy_volume_name("blog", "db", "/var/lib/postgresql/data") == "blog-db-var-lib-postgresql-data");
  BOOST_TEST(legacy_volume_name("blog", "db", "/") == "blog-db");
}

BOOST_AUTO_TEST_CASE(a_given_volume_name_wins) {
  ContainerPlacement p;
  p.release = 2;
  p.volume_names = {{"/var/lib/postgresql/data", "blog-db-var-lib-postgresql-data"}};
  auto argv = docker_run(db_ensure(), p);
  BOOST_REQUIRE(argv.has_value());
  BOOST_TEST(shell_join(*argv).find(" --volume blog-db-var-lib-postgresql-data:/var/lib/postgresql/data ") !=
             std::string::npos);
  p.volume_names = {{"/var/lib/postgresql/data", "x:/etc"}};
  BOOST_TEST(!docker_run(db_ensure(), p).has_value());
}

BOOST_AUTO_TEST_CASE(mounts_are_read_by_destination) {
  BOOST_TEST(shell_join(docker_mounts("abc")) ==
             "docker inspect --type container --format '{{range .Mounts}}{{if eq .Type \"volume\"}}{{.Name}} "
             "{{.Destination}}{{println}}{{end}}{{end}}' abc");
  auto m = parse_mounts("blog-db-data /data\n\nnoise\nblog_db_x /x\n");
  BOOST_TEST(m.size() == 2u);
  BOOST_TEST(m["/data"] == "blog-db-data");
  BOOST_TEST(m["/x"] == "blog_db_x");
}

BOOST_AUTO_TEST_CASE(other_commands) {
  BOOST_TEST(shell_join(docker_stop("blog-web-r7-2")) == "docker stop -t 10 blog-web-r7-2");
  BOOST_TEST(shell_join(docker_stop("x", std::chrono::seconds(30))) == "docker stop -t 30 x");
  // The container's own --stop-timeout (the manifest's stop_timeout) applies.
  BOOST_TEST(shell_join(docker_stop("x", std::chrono::seconds(-1))) == "docker stop x");
  BOOST_TEST(shell_join(docker_rm("x")) == "docker rm x");
  BOOST_TEST(shell_join(docker_rm("x", true)) == "docker rm --force x");
  BOOST_TEST(shell_join(docker_ps({{"quarry.stack", "blog"}, {"quarry.node", "web"}})) ==
             "docker ps --all --no-trunc --filter label=quarry.node=web --filter label=quarry.stack=blog"
             " --format '{{json .}}'");
  BOOST_TEST(shell_join(docker_inspect({"a", "b"})) == "docker inspect --type container a b");
  BOOST_TEST(shell_join(docker_logs("x")) == "docker logs x");
  BOOST_TEST(shell_join(docker_logs("x", {true, 100, true, "10m"})) ==
             "docker logs --follow --tail 100 --timestamps --since 10m x");
  BOOST_TEST(shell_join(docker_image_inspect("postgres:16")) == "docker image inspect postgres:16");
  BOOST_TEST(shell_join(docker_load()) == "docker load --quiet");
  BOOST_TEST(shell_join(docker_network_create("quarry-blog", {{"quarry.stack", "blog"}})) ==
             "docker network create --driver bridge --label quarry.stack=blog quarry-blog");
  BOOST_TEST(shell_join(docker_network_rm("quarry-blog")) == "docker network rm quarry-blog");
  BOOST_TEST(shell_join(docker_volume_ls({{"quarry.stack", "blog"}})) ==
             "docker volume ls --filter label=quarry.stack=blog --format '{{json .}}'");
  BOOST_TEST(shell_join(docker_volume_rm("blog-db-data")) == "docker volume rm blog-db-data");
}

BOOST_AUTO_TEST_CASE(env_file_renders_sorted_and_verbatim) {
  auto text = render_env_file({{"B", "two words "}, {"A", "x=y'\"$(id)`;|"}, {"EMPTY", ""}, {"_U8", "ünï"}});
  BOOST_REQUIRE(text.has_value());
  BOOST_TEST(*text == "A=x=y'\"$(id)`;|\nB=two words \nEMPTY=\n_U8=ünï\n");
  BOOST_TEST(render_env_file({}).value().empty());
}

BOOST_AUTO_TEST_CASE(env_file_refuses_what_docker_cannot_read) {
  const std::pair<std::map<std::string, std::string>, const char*> cases[] = {
      {{{"KEY", "line1\nline2"}},
       "env KEY: the value holds a line break or NUL, which docker's --env-file cannot carry"},
      {{{"KEY", "a\rb"}}, "env KEY: the value holds a line break or NUL, which docker's --env-file cannot carry"},
      {{{"KEY", std::string("a\0b", 3)}},
       "env KEY: the value holds a line break or NUL, which docker's --env-file cannot carry"},
      {{{"KEY", "\xff"}}, "env KEY: the value is not UTF-8, which docker's --env-file refuses"},
      {{{"KEY", "\xc3"}}, "env KEY: the value is not UTF-8, which docker's --env-file refuses"},
      {{{"#K", "v"}}, "env: '#K' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"},
      {{{"A B", "v"}}, "env: 'A B' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"},
      {{{"1A", "v"}}, "env: '1A' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"},
      {{{"", "v"}}, "env: '' is not a variable name ([A-Za-z_][A-Za-z0-9_]*)"},
  };
  for (const auto& [env, message] : cases) {
    BOOST_TEST_CONTEXT(message) {
      auto r = render_env_file(env);
      BOOST_REQUIRE(!r.has_value());
      BOOST_TEST(r.error().message == message);
      BOOST_TEST((r.error().kind == ErrorKind::User));
    }
  }
}

BOOST_AUTO_TEST_CASE(private_file_upload_takes_the_path_as_an_argument) {
  BOOST_TEST(shell_join(write_private_file("/var/lib/quarry/env/a b.env")) ==
             "sh -c 'umask 077 && mkdir -p -- \"$(dirname -- \"$1\")\" && rm -f -- \"$1.tmp\" && "
             "cat > \"$1.tmp\" && mv -f -- \"$1.tmp\" \"$1\"' sh '/var/lib/quarry/env/a b.env'");
}

BOOST_AUTO_TEST_CASE(a_start_is_one_command_with_the_env_file_and_the_run) {
  BOOST_TEST(shell_join(start_with_env_file(".quarry/env/blog_web_r7_2.env", "blog_web_r7_2",
                                            {"docker", "run", "--detach", "--name", "blog_web_r7_2", "img"})) ==
             "sh -c 'f=$1 n=$2; shift 2; umask 077; d=${f%/*}; [ \"$d\" != \"$f\" ] || d=.; [ -n \"$d\" ] || d=/; "
             "{ [ -d \"$d\" ] || mkdir -p -- \"$d\"; } && cat > \"$f\" || "
             "{ echo \"cannot write the env file $f\" >&2; exit 96; }; \"$@\" 2>\"$f.err\"; rc=$?; "
             "if [ $rc -ne 0 ] && grep -q \"is already in use\" \"$f.err\"; then "
             "docker rm --force -- \"$n\" >/dev/null 2>&1; \"$@\" 2>\"$f.err\"; rc=$?; fi; "
             "[ ! -s \"$f.err\" ] || cat \"$f.err\" >&2; rm -f -- \"$f\" \"$f.err\"; exit $rc' sh "
             ".quarry/env/blog_web_r7_2.env blog_web_r7_2 "
             "docker run --detach --name blog_web_r7_2 img");
}

BOOST_AUTO_TEST_SUITE_END()
