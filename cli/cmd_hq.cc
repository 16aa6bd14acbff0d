// quarry hq ...: setting up the HQ and serving git pushes.
//   hq init                 the state directory, the HQ key pair, the git account,
//                           the build engine
//   hq add-key|grant|keys|remove-key   who may push and fetch which stacks
//   hq shell KEYNAME        the git account's forced command (authorized_keys)
//   hq receive pre STACK    the pre-receive hook of every stack repository
#include <climits>
#include <cstdlib>
#include <iostream>
#include <iterator>
#include <optional>

#include "cli/command.h"
#include "cli/table.h"
#include "core/file_io.h"
#include "core/log.h"
#include "core/text.h"
#include "hq/git_shell.h"
#include "hq/hq_config.h"
#include "hq/hq_setup.h"
#include "hq/key_grants.h"
#include "hq/key_registry.h"
#include "hq/manifest_check.h"
#include "hq/process_deploy_runner.h"
#include "hq/receive.h"
#include "hq/stack_repo.h"
#include "launcher/domain_owners.h"
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
  std::string stacks;  // --stacks a,b
  bool all = false;    // --all
  bool none = false;   // --none
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
  DirStore dir(*home);
  // With --store etcd://..., the state goes there; the key pair, the git
  // account and the repositories stay in the home directory.
  Store& store = ctx.options().store.empty() ? static_cast<Store&>(dir) : ctx.store();
  if (auto s = init_hq(store, {*home, a.user, binary}); !s) return s;
  if (!ctx.options().store.empty()) {
    auto s = write_file_atomic(*home + "/" + std::string(kStoreUrlFile), ctx.options().store + "\n", 0644);
    if (!s) return s;
  }
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

// The grant --stacks/--all/--none asks for; at most one of them. With
// none given, `fallback`.
Result<KeyGrant> requested_grant(const HqArgs& a, std::optional<KeyGrant> fallback) {
  int given = (a.stacks.empty() ? 0 : 1) + (a.all ? 1 : 0) + (a.none ? 1 : 0);
  if (given > 1) return fail("give one of --stacks, --all and --none", ErrorKind::Usage);
  if (a.all) return KeyGrant{true, {}};
  if (a.none) return KeyGrant{};
  if (!a.stacks.empty()) return parse_stack_list(a.stacks);
  if (!fallback) return fail("say what the key may reach: --stacks a,b, --all or --none", ErrorKind::Usage);
  return *fallback;
}

Status add_key_cmd(Context& ctx, const HqArgs& a) {
  auto grant = requested_grant(a, KeyGrant{});
  if (!grant) return std::unexpected(grant.error());
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
  if (auto s = add_key(ctx.store(), a.key_name, *key, *grant); !s) return s;
  if (auto s = rewrite_authorized_keys(ctx); !s) return s;
  std::cout << "added key " << a.key_name << " (" << key_fingerprint(*key) << "), may reach "
            << describe_grant(*grant) << "\n";
  if (!grant->all && grant->stacks.empty()) {
    std::cout << "it can push nothing yet: quarry hq grant " << a.key_name << " --stacks STACK,... (or --all)\n";
  }
  return {};
}

Status grant_cmd(Context& ctx, const HqArgs& a) {
  auto grant = requested_grant(a, std::nullopt);
  if (!grant) return std::unexpected(grant.error());
  if (!is_key_name(a.key_name)) return fail("invalid key name '" + a.key_name + "'");
  auto existing = ctx.store().get("etc/keys/" + a.key_name + ".pub");
  if (!existing) return std::unexpected(existing.error());
  if (!*existing) return fail("no key named '" + a.key_name + "' (see `quarry hq keys`)");
  if (auto s = save_grant(ctx.store(), a.key_name, *grant); !s) return s;
  std::cout << "key " << a.key_name << " may reach " << describe_grant(*grant) << "\n";
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
      auto grant = load_grant(ctx.store(), k.name);
      if (!grant) return std::unexpected(grant.error());
      out.push_back({{"name", k.name}, {"type", k.key.type}, {"fingerprint", key_fingerprint(k.key)},
                     {"stacks", grant->all ? nlohmann::json("*") : nlohmann::json(grant->stacks)}});
    }
    std::cout << out.dump(2) << "\n";
    return {};
  }
  Table table({"NAME", "TYPE", "FINGERPRINT", "STACKS"});
  for (const auto& k : *keys) {
    auto grant = load_grant(ctx.store(), k.name);
    if (!grant) return std::unexpected(grant.error());
    table.add({k.name, k.key.type, key_fingerprint(k.key), describe_grant(*grant)});
  }
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
  options.log_dir = ctx.store().locate("stacks/" + a.stack + "/deploys");
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
                   [&](const std::string& text, const std::string& stack) -> Status {
                     if (auto s = validate_pushed_manifest(text, stack, *global_env); !s) return s;
                     ManifestOptions o{kManifestFile, stack, *global_env};
                     return check_manifest_domains(ctx.store(), text, o);
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

  auto* add = r.add(*hq, "add-key", "Allow the holder of a public key to push the stacks it is granted",
                    [a](Context& c) { return add_key_cmd(c, *a); });
  add->add_option("NAME", a->key_name, "A name for the key (letters, digits, . _ -)")->required();
  add->add_option("FILE", a->key_file, "The OpenSSH public key file (- for stdin)")->required();
  add->add_option("--stacks", a->stacks, "The stacks it may push and fetch (a,b; default: none)");
  add->add_flag("--all", a->all, "It may push and fetch every stack, present and future");
  add->add_flag("--none", a->none, "It may reach no stack until granted (the default)");

  auto* grant = r.add(*hq, "grant", "Set the stacks a key may push and fetch (replaces its list)",
                      [a](Context& c) { return grant_cmd(c, *a); });
  grant->add_option("NAME", a->key_name, "The key's name")->required();
  grant->add_option("--stacks", a->stacks, "The stacks it may push and fetch (a,b)");
  grant->add_flag("--all", a->all, "Every stack, present and future");
  grant->add_flag("--none", a->none, "No stack");

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
