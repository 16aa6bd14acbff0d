// quarry hq ...: setting up the HQ and serving git pushes.
//   hq init                 the state directory, the HQ key pair, the git account,
//                           the build engine
//   hq add-key|grant|keys|remove-key   who may push and fetch which stacks
//   hq shell KEYNAME        the git account's forced command (authorized_keys)
//   hq receive pre STACK    the pre-receive hook of every stack repository
//   hq mirror               the forced command of the HQs' keys: a peer's copy of a push
//   hq forget ID            stop copying pushes to a lost HQ
#include <unistd.h>

#include <cctype>
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
#include "hq/git_ref_replicator.h"
#include "hq/hq_config.h"
#include "hq/hq_peers.h"
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
  std::string id;        // --id: this HQ's name among the HQs
  std::string address;   // --address HOST[:PORT]: where the other HQs reach its sshd
  std::string host_key = "/etc/ssh/ssh_host_ed25519_key.pub";
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

// This HQ's settings: from the home's directory (each HQ has its own), or
// from the store where an HQ set up before they moved there keeps them.
Result<HqConfig> local_hq_config(Context& ctx) {
  DirStore local(ctx.home());
  auto config = load_hq_config(local);
  if (config) return config;
  if (auto shared = load_hq_config(ctx.store())) return shared;
  return config;
}

// The host name, lower-cased, as a default HQ name.
std::string default_hq_id() {
  char name[256] = {};
  if (gethostname(name, sizeof name - 1) != 0) return "hq";
  std::string id = name;
  for (auto& c : id) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  if (auto dot = id.find('.'); dot != std::string::npos) id.resize(dot);
  return id.empty() ? "hq" : id;
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
  HqInitOptions o{*home, a.user, binary, a.id.empty() ? default_hq_id() : a.id, a.address, a.host_key};
  if (auto s = init_hq(store, dir, o); !s) return s;
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
  auto config = local_hq_config(ctx);
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
  auto config = local_hq_config(ctx);
  if (!config) return std::unexpected(config.error());
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
  // Each HQ's sshd reads its own authorized_keys, rendered from the store.
  auto peers = load_peers(ctx.store());
  if (!peers) return std::unexpected(peers.error());
  std::string others;
  for (const auto& p : *peers) {
    if (p.id != config->id) others += (others.empty() ? "" : ", ") + p.id;
  }
  if (!others.empty()) std::cout << "on the other HQs (" << others << "), run `quarry hq init` so they admit it too\n";
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
  if (auto config = local_hq_config(ctx); !config) return std::unexpected(config.error());
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
  auto config = local_hq_config(ctx);
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
  // On the HQ's disk whatever the store (docs/store.md).
  options.src_dir = ctx.home() + "/stacks/" + a.stack + "/src";
  options.log_dir = ctx.home() + "/stacks/" + a.stack + "/deploys";
  options.pusher = env_or("QUARRY_PUSHER", env_or("USER", "local"));
  options.lock_held = env_or("QUARRY_DEPLOY_LOCK_HELD", "") == a.stack;
  drop_git_environment();

  auto global_env = read_env(ctx.store(), "etc/env");
  if (!global_env) return std::unexpected(global_env.error());
  auto config = local_hq_config(ctx);
  std::string binary = config ? config->binary : current_executable().value_or("quarry");
  options.mirror = env_or("QUARRY_MIRROR", "") == "1";
  // Several HQs: the push reaches every other recorded HQ before it succeeds.
  auto peers = load_peers(ctx.store());
  if (!peers) return std::unexpected(peers.error());
  std::erase_if(*peers, [&](const HqPeer& p) { return config && p.id == config->id; });
  GitReplicaOptions replica{options.repo_path, options.object_dirs, ctx.home() + "/keys/hq_ed25519",
                            ctx.home() + "/run/peers_known_hosts." + a.stack, 5, std::chrono::seconds(300), say_line};
  GitRefReplicator replicator(*peers, replica);
  // QUARRY_DEPLOY_COMMAND stands in for `quarry` as the deploy program
  // (same words); sshd's SetEnv can set it for integration tests.
  ProcessDeployRunner runner(env_or("QUARRY_DEPLOY_COMMAND", binary), ctx.home());
  ReceiveDeps deps{ctx.store(),
                   [&](const std::string& text, const std::string& stack) -> Status {
                     if (auto s = validate_pushed_manifest(text, stack, *global_env); !s) return s;
                     ManifestOptions o{kManifestFile, stack, *global_env};
                     return check_manifest_domains(ctx.store(), text, o);
                   },
                   runner, say_line, peers->empty() ? nullptr : &replicator};
  return pre_receive(*updates, options, deps);
}

Status mirror_cmd(Context& ctx) {
  auto config = local_hq_config(ctx);
  if (!config) return std::unexpected(config.error());
  auto code = serve_mirror_login(ctx.store(), *config, ctx.home(), env_or("SSH_ORIGINAL_COMMAND", ""));
  if (!code) return std::unexpected(code.error());
  if (*code != 0) return fail_remote("git exited with status " + std::to_string(*code));
  return {};
}

Status forget_cmd(Context& ctx, const HqArgs& a) {
  if (auto s = forget_peer(ctx.store(), a.id); !s) return s;
  std::cout << "forgot HQ " << a.id << ": pushes are no longer copied to it (quarry hq init --address on it "
            << "records it again)\n";
  return {};
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
  init_cmd->add_option("--id", a->id, "This HQ's name among several HQs (default: the host name)");
  init_cmd->add_option("--address", a->address,
                       "HOST[:PORT] where the other HQs reach this one's sshd; records it among the HQs, "
                       "which then copy every push here");
  init_cmd->add_option("--host-key", a->host_key,
                       "This HQ's sshd public host key, pinned by the others (default /etc/ssh/ssh_host_ed25519_key.pub)");

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

  r.add(*hq, "mirror", "The forced command of the HQs' keys: a peer HQ's copy of a push (run by sshd)",
        [](Context& c) { return mirror_cmd(c); });
  auto* forget = r.add(*hq, "forget", "Stop copying pushes to an HQ that is lost for good",
                       [a](Context& c) { return forget_cmd(c, *a); });
  forget->add_option("ID", a->id, "The HQ's name (see quarry hq status)")->required();
}

}  // namespace quarry
