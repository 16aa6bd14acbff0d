// quarry hq ...: setting up the HQ and serving git pushes.
//   hq init                 the state directory, the HQ key pair, the git account,
//                           the build engine
//   hq add-key|keys|remove-key   who may push
//   hq shell KEYNAME        the git account's forced command (authorized_keys)
//   hq receive pre STACK    the pre-receive hook of every stack repository
#include <climits>
#include <cstdlib>
#include <iostream>
#include <iterator>

#include "cli/command.h"
#include "cli/table.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/text.h"
#include "hq/git_shell.h"
#include "hq/hq_config.h"
#include "hq/hq_setup.h"
#include "hq/key_registry.h"
#include "hq/manifest_check.h"
#include "hq/process_deploy_runner.h"
#include "hq/receive.h"
#include "hq/stack_repo.h"
#include "launcher/hq_engine.h"
#include "store/store_json.h"

extern char** environ;

namespace quarry {

namespace {

struct HqArgs {
  std::string user = "quarry";
  std::string binary;
  std::string key_name;
  std::string key_file;
  std::string hook;
  std::string stack;
};

std::string env_or(const char* name, const std::string& fallback) {
  const char* v = std::getenv(name);
  return v && *v ? std::string(v) : fallback;
}

void say_line(const std::string& line) { std::cerr << line << "\n" << std::flush; }

Result<std::string> absolute_home(const std::string& home) {
  if (auto s = make_dirs(home); !s) return std::unexpected(s.error());
  char resolved[PATH_MAX];
  if (!realpath(home.c_str(), resolved)) return fail("cannot resolve the home directory " + home);
  return std::string(resolved);
}

Status init(Context& ctx, const HqArgs& a) {
  auto home = absolute_home(ctx.home());
  if (!home) return std::unexpected(home.error());
  std::string binary = a.binary;
  if (binary.empty()) {
    auto self = current_executable();
    if (!self) return std::unexpected(self.error());
    binary = *self;
  }
  DirStore store(*home);
  if (auto s = init_hq(store, {*home, a.user, binary}); !s) return s;
  {
    // Pushes run as the git account, which builds on the engine (docker
    // group) but cannot start it: root starts it here.
    Step step("HQ build engine in " + *home + "/engine");
    auto engine = HqEngine(*home + "/engine").ensure();
    if (!engine) {
      step.failed(engine.error().message);
      return std::unexpected(engine.error());
    }
    step.done(engine->at("DOCKER_HOST"));
  }
  std::cout << "HQ ready in " << *home << " (git account " << a.user << ")\n"
            << "next: quarry --home " << *home << " hq add-key NAME ~/.ssh/id_ed25519.pub\n"
            << "then: git push " << a.user << "@THIS-HOST:APP main\n"
            << "keep the stacks at their desired state: quarry --home " << *home
            << " hq serve (as " << a.user << ", under an init system; docs/control.md)\n";
  return {};
}

Status rewrite_authorized_keys(Context& ctx) {
  auto config = load_hq_config(ctx.store());
  if (!config) return std::unexpected(config.error());
  return write_authorized_keys(ctx.store(), *config, ctx.home());
}

Status add_key_cmd(Context& ctx, const HqArgs& a) {
  if (auto config = load_hq_config(ctx.store()); !config) return std::unexpected(config.error());
  std::string text;
  if (a.key_file == "-") {
    text.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    auto read = read_file(a.key_file);
    if (!read) return std::unexpected(read.error());
    text = std::move(*read);
  }
  auto key = parse_public_key(text);
  if (!key) return std::unexpected(key.error().context(a.key_file));
  if (auto s = add_key(ctx.store(), a.key_name, *key); !s) return s;
  if (auto s = rewrite_authorized_keys(ctx); !s) return s;
  std::cout << "added key " << a.key_name << " (" << key_fingerprint(*key) << ")\n";
  return {};
}

Status remove_key_cmd(Context& ctx, const HqArgs& a) {
  if (auto config = load_hq_config(ctx.store()); !config) return std::unexpected(config.error());
  if (auto s = remove_key(ctx.store(), a.key_name); !s) return s;
  if (auto s = rewrite_authorized_keys(ctx); !s) return s;
  std::cout << "removed key " << a.key_name << "\n";
  return {};
}

Status keys_cmd(Context& ctx) {
  auto keys = list_keys(ctx.store());
  if (!keys) return std::unexpected(keys.error());
  if (ctx.options().json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& k : *keys) {
      out.push_back({{"name", k.name}, {"type", k.key.type}, {"fingerprint", key_fingerprint(k.key)}});
    }
    std::cout << out.dump(2) << "\n";
    return {};
  }
  Table table({"NAME", "TYPE", "FINGERPRINT"});
  for (const auto& k : *keys) table.add({k.name, k.key.type, key_fingerprint(k.key)});
  if (table.empty()) std::cout << "no keys: add one with `quarry hq add-key NAME FILE`\n";
  else std::cout << table.render();
  return {};
}

Status shell_cmd(Context& ctx, const HqArgs& a) {
  auto config = load_hq_config(ctx.store());
  if (!config) return std::unexpected(config.error());
  GitLogin login{ctx.home(), a.key_name, env_or("SSH_ORIGINAL_COMMAND", "")};
  auto code = serve_git_login(ctx.store(), *config, login, say_line);
  if (!code) return std::unexpected(code.error());
  if (*code != 0) return fail_remote("git exited with status " + std::to_string(*code));
  return {};
}

// Git's variables describe the repository being pushed to; the deploy that
// runs from the hook must not inherit them.
void drop_git_environment() {
  std::vector<std::string> names;
  for (char** e = environ; *e; ++e) {
    std::string kv = *e;
    if (starts_with(kv, "GIT_")) names.push_back(kv.substr(0, kv.find('=')));
  }
  for (const auto& n : names) unsetenv(n.c_str());
}

Status receive_cmd(Context& ctx, const HqArgs& a) {
  if (a.hook != "pre") return fail("unknown hook '" + a.hook + "': quarry installs only the pre-receive hook", ErrorKind::Usage);
  if (!is_dns_label(a.stack)) return fail("invalid stack name '" + a.stack + "'", ErrorKind::Usage);
  std::string input(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>{});
  auto updates = parse_ref_updates(input);
  if (!updates) return std::unexpected(updates.error());
  ReceiveOptions options;
  options.stack = a.stack;
  options.repo_path = stack_repo_path(ctx.home(), a.stack);
  if (const char* q = std::getenv("GIT_QUARANTINE_PATH"); q && *q) options.object_dirs.push_back(q);
  options.src_dir = ctx.store().locate("stacks/" + a.stack + "/src");
  options.pusher = env_or("QUARRY_PUSHER", env_or("USER", "local"));
  options.lock_held = env_or("QUARRY_DEPLOY_LOCK_HELD", "") == a.stack;
  drop_git_environment();

  auto global_env = read_env(ctx.store(), "etc/env");
  if (!global_env) return std::unexpected(global_env.error());
  auto config = load_hq_config(ctx.store());
  std::string binary = config ? config->binary : current_executable().value_or("quarry");
  // QUARRY_DEPLOY_COMMAND stands in for `quarry` as the deploy program
  // (same words); sshd's SetEnv can set it for integration tests.
  ProcessDeployRunner runner(env_or("QUARRY_DEPLOY_COMMAND", binary), ctx.home());
  ReceiveDeps deps{ctx.store(),
                   [&](const std::string& text, const std::string& stack) {
                     return validate_pushed_manifest(text, stack, *global_env);
                   },
                   runner, say_line};
  return pre_receive(*updates, options, deps);
}

}  // namespace

void register_hq_commands(Registry& r) {
  auto a = std::make_shared<HqArgs>();
  auto* hq = r.app().add_subcommand("hq", "Set up this machine as the HQ and serve git pushes");
  hq->require_subcommand(1);

  auto* init_cmd = r.add(*hq, "init", "Set this machine up as the HQ: state, key pair, git account",
                         [a](Context& c) { return init(c, *a); });
  init_cmd->add_option("--user", a->user, "The git account pushes log in as (default quarry)");
  init_cmd->add_option("--binary", a->binary, "The quarry executable logins and hooks run (default: this one)");

  auto* add = r.add(*hq, "add-key", "Allow the holder of a public key to push",
                    [a](Context& c) { return add_key_cmd(c, *a); });
  add->add_option("NAME", a->key_name, "A name for the key (letters, digits, . _ -)")->required();
  add->add_option("FILE", a->key_file, "The OpenSSH public key file (- for stdin)")->required();

  auto* keys = r.add(*hq, "keys", "List the keys that may push", [](Context& c) { return keys_cmd(c); });
  r.json_flag(keys);

  auto* rm = r.add(*hq, "remove-key", "Stop a key from pushing", [a](Context& c) { return remove_key_cmd(c, *a); });
  rm->add_option("NAME", a->key_name, "The key's name")->required();

  auto* shell = r.add(*hq, "shell", "The git account's forced command (run by sshd, not by hand)",
                      [a](Context& c) { return shell_cmd(c, *a); });
  shell->add_option("KEYNAME", a->key_name, "The key that logged in")->required();

  auto* receive = r.add(*hq, "receive", "The git hook of a stack repository (run by git, not by hand)",
                        [a](Context& c) { return receive_cmd(c, *a); });
  receive->add_option("HOOK", a->hook, "pre")->required();
  receive->add_option("STACK", a->stack, "The stack pushed to")->required();
}

}  // namespace quarry
