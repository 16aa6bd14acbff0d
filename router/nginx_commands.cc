#include "router/nginx_commands.h"

#include "router/route_table.h"

namespace quarry {

Result<NginxCommands> NginxCommands::create(std::string prefix, std::string nginx) {
  while (prefix.size() > 1 && prefix.back() == '/') prefix.pop_back();
  if (prefix == "/" || !is_plain_path(prefix)) return fail("router: invalid prefix '" + prefix + "'");
  if (nginx.empty()) return fail("router: empty nginx program");
  return NginxCommands(std::move(prefix), std::move(nginx));
}

std::string NginxCommands::generation_dir(const std::string& generation) const {
  return prefix_ + "/gen/" + generation;
}

Argv NginxCommands::prepare() const {
  return {"sh", "-c",
          "mkdir -p \"$1/run\" \"$1/logs\" \"$1/tmp\" \"$1/gen\" && "
          "if [ -L \"$1/live\" ]; then basename \"$(readlink \"$1/live\")\"; fi",
          "sh", prefix_};
}

Argv NginxCommands::read_live() const {
  return {"sh", "-c", "if [ -L \"$1/live\" ]; then basename \"$(readlink \"$1/live\")\"; fi", "sh", prefix_};
}

Argv NginxCommands::stage(const std::string& generation) const {
  auto dir = generation_dir(generation);
  return {"sh", "-c", "rm -rf \"$1\" && mkdir -p \"$1\" && tar -x -o -p -C \"$1\" -f -", "sh", dir};
}

Argv NginxCommands::nginx_argv(const std::string& conf) const {
  return {nginx_, "-p", prefix_ + "/", "-e", prefix_ + "/logs/error.log", "-c", conf};
}

Argv NginxCommands::test(const std::string& generation) const {
  auto argv = nginx_argv(generation_dir(generation) + "/nginx.conf");
  argv.insert(argv.begin() + 1, {"-t", "-q"});
  return argv;
}

Argv NginxCommands::switch_live(const std::string& generation) const {
  return {"sh", "-c", "ln -sfn \"gen/$2\" \"$1/live.next.$$\" && mv -T \"$1/live.next.$$\" \"$1/live\"", "sh",
          prefix_, generation};
}

Argv NginxCommands::remove_generation(const std::string& generation) const {
  return {"rm", "-rf", generation_dir(generation)};
}

Argv NginxCommands::prune(const std::string& keep_a, const std::string& keep_b,
                          const std::vector<std::string>& workers) const {
  Argv argv = {"sh", "-c",
               "cd \"$1/gen\" || exit 0; for g in *; do "
               "[ \"$g\" = \"$2\" ] || [ \"$g\" = \"$3\" ] || [ \"$g\" = '*' ] || rm -rf -- \"$g\"; done",
               "sh", prefix_, keep_a, keep_b};
  bool any = false;
  for (const auto& pid : workers) {
    if (pid.empty() || pid.size() > 10 || pid.find_first_not_of("0123456789") != std::string::npos) continue;
    argv.push_back(pid);
    any = true;
  }
  if (any) {
    argv[2] = "( " + argv[2] + " ); shift 3; for p in \"$@\"; do case \"$(ps -o args= -p \"$p\" 2>/dev/null)\" in "
              "*'worker process') kill -QUIT \"$p\" 2>/dev/null;; esac; done; true";
  }
  return argv;
}

Argv NginxCommands::is_running() const {
  return {"sh", "-c",
          "p=$(cat \"$1\" 2>/dev/null) && [ -n \"$p\" ] && kill -0 \"$p\" 2>/dev/null || exit 1; "
          "ps -o pid= --ppid \"$p\" 2>/dev/null; true",
          "sh", pid_file()};
}

Argv NginxCommands::start() const { return nginx_argv(prefix_ + "/live/nginx.conf"); }

Argv NginxCommands::reload() const {
  auto argv = nginx_argv(prefix_ + "/live/nginx.conf");
  argv.insert(argv.begin() + 1, {"-s", "reload"});
  return argv;
}

Argv NginxCommands::stop() const {
  return {"sh", "-c", "test -s \"$1\" || exit 0; kill -QUIT \"$(cat \"$1\")\" 2>/dev/null || true", "sh",
          pid_file()};
}

Argv NginxCommands::probe(const std::string& domain, const std::string& address, int port) const {
  return {"curl", "-sS", "-o", "/dev/null", "-D", "-", "--max-time", "5", "-H", "Host: " + domain,
          "http://" + address + ":" + std::to_string(port) + "/"};
}

}  // namespace quarry
