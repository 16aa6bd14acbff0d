// Day-to-day operations on a running stack: logs and env
// (`quarry env STACK set KEY=VALUE ...`; `quarry env set STACK ...` too;
// `quarry env set STACK KEY -` and `--from-file F` keep a secret value out
// of the command line, so out of shell history and `ps`).
#include <fstream>
#include <iostream>
#include <mutex>
#include <optional>
#include <thread>

#include "cli/cluster.h"
#include "cli/command.h"
#include "cli/table.h"
#include "compiler/env_interpolation.h"
#include "core/file_io.h"
#include "core/text.h"
#include "hq/process_deploy_runner.h"
#include "launcher/container_ops.h"
#include "launcher/docker_commands.h"
#include "store/store_json.h"

namespace quarry {

namespace {

struct LogsArgs {
  std::string stack, node;
  bool follow = false;
  int tail = 100;
  bool deploy = false;  // --deploy: the stack's last deploy log instead
};

// Writes whole lines with the container's name in front; a partial line
// waits for the rest.
class Prefixer {
 public:
  Prefixer(std::string prefix, std::mutex& mu) : prefix_(std::move(prefix)), mu_(mu) {}
  void feed(std::string_view chunk) {
    buf_.append(chunk);
    std::size_t nl;
    while ((nl = buf_.find('\n')) != std::string::npos) {
      std::lock_guard lock(mu_);
      std::cout << prefix_ << buf_.substr(0, nl) << "\n" << std::flush;
      buf_.erase(0, nl + 1);
    }
  }
  void flush() {
    if (buf_.empty()) return;
    std::lock_guard lock(mu_);
    std::cout << prefix_ << buf_ << "\n";
    buf_.clear();
  }

 private:
  std::string prefix_;
  std::mutex& mu_;
  std::string buf_;
};

// The newest deploy log of the stack (a push's deploy writes it, and goes on
// writing it when the pusher has gone): its last `tail` lines.
Status deploy_log(Context& ctx, const LogsArgs& a) {
  if (!is_dns_label(a.stack)) return fail("invalid stack name '" + a.stack + "'", ErrorKind::Usage);
  std::string dir = ctx.home() + "/stacks/" + a.stack + "/deploys";  // on the HQ disk, whatever the store
  std::string path = newest_deploy_log(dir);
  if (path.empty()) return fail("stack " + a.stack + " has no deploy log yet (a push writes one in " + dir + ")");
  auto text = read_file(path);
  if (!text) return std::unexpected(text.error());
  auto lines = split_lines(*text);
  if (!lines.empty() && lines.back().empty()) lines.pop_back();
  std::size_t from = a.tail < 0 || static_cast<std::size_t>(a.tail) >= lines.size() ? 0 : lines.size() - a.tail;
  std::cout << "==> " << path << "\n";
  for (std::size_t i = from; i < lines.size(); ++i) std::cout << lines[i] << "\n";
  return {};
}

Status logs(Context& ctx, const LogsArgs& a) {
  if (a.deploy) {
    if (!a.node.empty()) return fail("--deploy shows the stack's deploy log: give no node", ErrorKind::Usage);
    return deploy_log(ctx, a);
  }
  if (a.node.empty()) return fail("name the node or service: quarry logs STACK NODE", ErrorKind::Usage);
  auto recs = load_containers(ctx.store(), a.stack);
  if (!recs) return std::unexpected(recs.error());
  std::vector<ContainerRecord> chosen;
  std::size_t width = 0;
  for (const auto& r : *recs) {
    if (r.node != a.node) continue;
    chosen.push_back(r);
    width = std::max(width, r.name.size());
  }
  if (chosen.empty()) return fail("stack " + a.stack + " runs no container of '" + a.node + "' (see quarry ps " + a.stack + ")");
  Cluster cluster(ctx);
  auto shell = cluster.shell();
  if (!shell) return std::unexpected(shell.error());
  std::mutex out_mu;
  std::vector<std::string> errors(chosen.size());
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < chosen.size(); ++i) {
    threads.emplace_back([&, i] {
      const auto& r = chosen[i];
      auto server = load_server(ctx.store(), r.server);
      if (!server || !*server) {
        errors[i] = "server " + r.server + " is unknown";
        return;
      }
      Prefixer out(r.name + std::string(width - r.name.size(), ' ') + " | ", out_mu);
      Prefixer err(r.name + std::string(width - r.name.size(), ' ') + " | ", out_mu);
      LogsOptions o;
      o.follow = a.follow;
      o.tail = a.tail;
      Command c;
      c.argv = docker_logs(container_ref(r), o);
      c.timeout = a.follow ? std::chrono::hours(24 * 365) : std::chrono::minutes(2);
      c.on_output = [&](bool is_out, std::string_view chunk) { (is_out ? out : err).feed(chunk); };
      auto res = run_ok(**shell, endpoint_of(**server), c);
      out.flush();
      err.flush();
      if (!res) errors[i] = res.error().message;
    });
  }
  for (auto& t : threads) t.join();
  std::vector<std::string> failed;
  for (auto& e : errors) {
    if (!e.empty()) failed.push_back(e);
  }
  if (!failed.empty()) return fail_remote(join(failed, "\n"));
  return {};
}

struct EnvArgs {
  std::string stack_first;  // `quarry env STACK set ...`
  std::string stack;        // `quarry env set STACK ...`
  std::vector<std::string> items;
  bool show = false;
  bool restart = false;
  bool global = false;    // --global: etc/env, under every stack's env
  std::string from_file;  // --from-file F: the value of the one KEY
};

// Both word orders name the stack once: with it before the verb, the verb's
// first word is an item, not the stack.
Result<EnvArgs> env_args(const EnvArgs& given) {
  EnvArgs a = given;
  if (a.global) {
    if (!a.stack_first.empty()) {
      return fail("--global names no stack: quarry env --global set|unset|list ...", ErrorKind::Usage);
    }
    // The verb's first word is an item, not a stack.
    if (!a.stack.empty()) a.items.insert(a.items.begin(), a.stack);
    a.stack.clear();
    return a;
  }
  if (!a.stack_first.empty()) {
    if (!a.stack.empty()) a.items.insert(a.items.begin(), a.stack);
    a.stack = a.stack_first;
  }
  if (a.stack.empty()) return fail("name the stack: quarry env STACK set|unset|list ...", ErrorKind::Usage);
  return a;
}

template <class F>
Action env_action(std::shared_ptr<EnvArgs> ea, F f) {
  return [ea, f](Context& c) -> Status {
    auto a = env_args(*ea);
    if (!a) return std::unexpected(a.error());
    return f(c, *a);
  };
}

std::string env_dir(const EnvArgs& a) { return a.global ? "etc/env" : "stacks/" + a.stack + "/env"; }

// Every stack with a live release redeployed as a new release (the
// zero-downtime path), so its containers get the global env as it is now.
Status restart_all(Context& ctx) {
  auto stacks = list_stacks(ctx.store());
  if (!stacks) return std::unexpected(stacks.error());
  std::vector<std::pair<std::string, int>> live;
  for (const auto& stack : *stacks) {
    if (auto current = Deployer::current_release(ctx.store(), stack)) live.emplace_back(stack, current->number);
  }
  if (live.empty()) {
    std::cout << "no stack is deployed: the global env applies from the first deploy\n";
    return {};
  }
  Cluster cluster(ctx);
  auto deployer = cluster.deployer();
  if (!deployer) return std::unexpected(deployer.error());
  std::vector<std::string> failed;
  for (const auto& [stack, number] : live) {
    auto r = (*deployer)->rollback(stack, number, "global env change");
    if (!r) {
      failed.push_back(stack + ": " + r.error().message);
      continue;
    }
    std::cout << stack << ": release " << r->release << " is live with the new env\n";
  }
  if (!failed.empty()) {
    return fail_remote("the global env is saved, but these stacks still run with the old one (the old release keeps "
                       "serving; try again with quarry env --global set ... --restart, or deploy them):\n  " +
                       join(failed, "\n  "));
  }
  return {};
}

Status restart_if_asked(Context& ctx, const EnvArgs& a) {
  if (a.global && !a.restart) {
    std::cout << "applied to each stack at its next deploy (or now with --restart)\n";
    return {};
  }
  if (a.global) return restart_all(ctx);
  if (!a.restart) {
    std::cout << "applied on the next deploy of " << a.stack << " (or now with --restart)\n";
    return {};
  }
  auto current = Deployer::current_release(ctx.store(), a.stack);
  if (!current) return std::unexpected(current.error());
  Cluster cluster(ctx);
  auto deployer = cluster.deployer();
  if (!deployer) return std::unexpected(deployer.error());
  auto r = (*deployer)->rollback(a.stack, current->number, "env change");
  if (!r) return std::unexpected(r.error());
  std::cout << a.stack << ": release " << r->release << " is live with the new env\n";
  return {};
}

// A secret's value from a stream: at most kMaxEnvValueBytes, one trailing
// line break dropped (what `echo` and editors add).
Result<std::string> read_value(std::istream& in, const std::string& from) {
  std::string value;
  char buf[4096];
  while (in.read(buf, sizeof buf) || in.gcount() > 0) {
    value.append(buf, static_cast<std::size_t>(in.gcount()));
    if (value.size() > kMaxEnvValueBytes + 2) {
      return fail("the value from " + from + " is over " + std::to_string(kMaxEnvValueBytes) + " bytes");
    }
  }
  if (value.ends_with("\r\n")) value.resize(value.size() - 2);
  else if (value.ends_with("\n")) value.pop_back();
  if (value.size() > kMaxEnvValueBytes) {
    return fail("the value from " + from + " is over " + std::to_string(kMaxEnvValueBytes) + " bytes");
  }
  return value;
}

// `KEY -` (stdin) or `KEY --from-file F`: the one value that is not on the
// command line. nullopt when the items are KEY=VALUE pairs.
Result<std::optional<std::pair<std::string, std::string>>> value_from_elsewhere(const EnvArgs& a) {
  bool from_stdin = a.items.size() == 2 && a.items[1] == "-";
  if (!from_stdin && a.from_file.empty()) return std::nullopt;
  if (!a.from_file.empty() && a.items.size() != 1) {
    return fail("--from-file sets one KEY: quarry env set STACK KEY --from-file FILE", ErrorKind::Usage);
  }
  const std::string& key = a.items[0];
  if (!is_env_name(key)) return fail("invalid env name '" + key + "'", ErrorKind::Usage);
  Result<std::string> value;
  if (from_stdin) {
    value = read_value(std::cin, "stdin");
  } else {
    std::ifstream in(a.from_file, std::ios::binary);
    if (!in) return fail("cannot read " + a.from_file);
    value = read_value(in, a.from_file);
  }
  if (!value) return std::unexpected(value.error());
  return std::optional<std::pair<std::string, std::string>>(std::pair{key, std::move(*value)});
}

Status env_set(Context& ctx, const EnvArgs& a) {
  if (a.items.empty()) return fail("give KEY=VALUE pairs, or KEY - (value on stdin), or KEY --from-file F", ErrorKind::Usage);
  auto elsewhere = value_from_elsewhere(a);
  if (!elsewhere) return std::unexpected(elsewhere.error());
  if (*elsewhere) {
    const auto& [key, value] = **elsewhere;
    if (auto s = set_env(ctx.store(), env_dir(a), key, value); !s) return s;
    std::cout << "set " << key << " of " << (a.global ? "the global env" : a.stack) << " (" << value.size()
              << " bytes)\n";
    return restart_if_asked(ctx, a);
  }
  for (const auto& item : a.items) {
    auto eq = item.find('=');
    if (eq == std::string::npos) return fail("'" + item + "' is not KEY=VALUE", ErrorKind::Usage);
    if (!is_env_name(item.substr(0, eq))) return fail("invalid env name '" + item.substr(0, eq) + "'", ErrorKind::Usage);
  }
  for (const auto& item : a.items) {
    auto eq = item.find('=');
    if (auto s = set_env(ctx.store(), env_dir(a), item.substr(0, eq), item.substr(eq + 1)); !s) return s;
  }
  return restart_if_asked(ctx, a);
}

Status env_unset(Context& ctx, const EnvArgs& a) {
  if (a.items.empty()) return fail("give the KEYs to unset", ErrorKind::Usage);
  for (const auto& key : a.items) {
    if (auto s = unset_env(ctx.store(), env_dir(a), key); !s) return s;
  }
  return restart_if_asked(ctx, a);
}

Status env_list(Context& ctx, const EnvArgs& a) {
  auto env = read_env(ctx.store(), env_dir(a));
  if (!env) return std::unexpected(env.error());
  if (ctx.options().json) {
    nlohmann::json j = nlohmann::json::object();
    for (const auto& [k, v] : *env) j[k] = a.show ? v : "(hidden)";
    std::cout << j.dump(2) << "\n";
    return {};
  }
  for (const auto& [k, v] : *env) std::cout << k << "=" << (a.show ? v : "(hidden; --show)") << "\n";
  return {};
}

}  // namespace

void register_ops_commands(Registry& r) {
  auto la = std::make_shared<LogsArgs>();
  auto* logs_cmd = r.add(r.app(), "logs", "Show the logs of every container of a node, each line prefixed",
                         [la](Context& c) { return logs(c, *la); });
  logs_cmd->add_option("stack", la->stack, "Stack")->required();
  logs_cmd->add_option("node", la->node, "Node or service (not with --deploy)");
  logs_cmd->add_flag("--deploy", la->deploy, "Show the stack's last deploy log (a push's output, kept in full)");
  logs_cmd->add_flag("-f,--follow", la->follow, "Keep following");
  logs_cmd->add_option("--tail", la->tail, "Lines from the end of each (default 100; -1 all)");

  auto ea = std::make_shared<EnvArgs>();
  auto* env = r.app().add_subcommand(
      "env", "A stack's env and secrets (stored with mode 0600): quarry env STACK set|unset|list ...; "
             "the global env under every stack's: quarry env --global set|unset|list ...");
  env->require_subcommand(1);
  env->add_option("STACK", ea->stack_first, "Stack (or name it after the verb: quarry env set STACK ...)");
  env->add_flag("--global", ea->global,
                "The global env (etc/env), under every stack's: --restart redeploys every deployed stack");
  auto* set = r.add(*env, "set", "Set KEY=VALUE ..., or KEY - (the value from stdin), or KEY --from-file F",
                    env_action(ea, env_set));
  set->add_option("stack", ea->stack, "Stack, unless named before the verb");
  set->add_option("items", ea->items, "KEY=VALUE ..., or KEY - to read the value from stdin");
  set->add_option("--from-file", ea->from_file, "Read the value of the one KEY from this file");
  set->add_flag("--restart", ea->restart,
                "Redeploy now through the zero-downtime path (with --global: every deployed stack); "
                "without it the change applies at the next deploy");
  auto* unset = r.add(*env, "unset", "Remove KEY ...", env_action(ea, env_unset));
  unset->add_option("stack", ea->stack, "Stack, unless named before the verb");
  unset->add_option("items", ea->items, "KEY");
  unset->add_flag("--restart", ea->restart,
                  "Redeploy now through the zero-downtime path (with --global: every deployed stack)");
  auto* list = r.add(*env, "list", "List the keys (values hidden unless --show)", env_action(ea, env_list));
  list->add_option("stack", ea->stack, "Stack, unless named before the verb");
  list->add_flag("--show", ea->show, "Show the values");
  r.json_flag(list);
}

}  // namespace quarry
