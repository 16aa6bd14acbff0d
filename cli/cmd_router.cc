// The router's own settings: `quarry router tls DOMAIN --cert FILE --key
// FILE` puts a certificate and its key on the router server (the key with
// mode 0600), records them at etc/tls/DOMAIN.json and applies the router,
// so the domain is served on port 443 as well. A certificate nginx refuses
// is taken back: the record returns to what it was and the old config keeps
// serving. `--remove` takes a domain's TLS away.
#include <iostream>

#include "cli/cluster.h"
#include "cli/command.h"
#include "cli/router_sync.h"
#include "core/file_io.h"
#include "launcher/container_ops.h"
#include "launcher/docker_commands.h"
#include "router/route_table.h"
#include "store/store_json.h"

namespace quarry {

namespace {

struct TlsArgs {
  std::string domain;
  std::string cert;
  std::string key;
  bool remove = false;
};

bool is_domain(const std::string& d) {
  if (d.empty() || d.size() > 253 || d.front() == '.' || d.back() == '.' || d.find("..") != std::string::npos) {
    return false;
  }
  for (char c : d) {
    if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '-')) return false;
  }
  return true;
}

Status upload(RemoteShell& shell, const Endpoint& router, const std::string& path, const std::string& content) {
  Command c;
  c.argv = write_private_file(path);
  c.stdin_data = content;
  c.timeout = std::chrono::seconds(30);
  auto r = run_ok(shell, router, c);
  if (!r) return std::unexpected(r.error());
  return {};
}

// Applies the router; on failure puts `previous` back as the record.
Status apply_or_restore(Context& ctx, NginxRouterSync& sync, const std::string& key,
                        const std::optional<std::string>& previous) {
  auto applied = sync.sync();
  if (applied) return {};
  if (previous) (void)ctx.store().put(key, *previous);
  else (void)ctx.store().remove(key);
  return std::unexpected(applied.error().context("the router kept its old config"));
}

Status tls(Context& ctx, const TlsArgs& a) {
  if (!is_domain(a.domain)) return fail("'" + a.domain + "' is not a lower-case domain name", ErrorKind::Usage);
  if (!a.remove && (a.cert.empty() || a.key.empty())) {
    return fail("give --cert FILE and --key FILE (or --remove)", ErrorKind::Usage);
  }
  Cluster cluster(ctx);
  auto hook = cluster.router();
  if (!hook) return std::unexpected(hook.error());
  auto* sync = dynamic_cast<NginxRouterSync*>(*hook);
  if (!sync) return fail("the router is not nginx");
  const std::string key = "etc/tls/" + a.domain + ".json";
  auto previous = ctx.store().get(key);
  if (!previous) return std::unexpected(previous.error());
  if (a.remove) {
    if (auto s = ctx.store().remove(key); !s) return s;
    if (auto s = apply_or_restore(ctx, *sync, key, *previous); !s) return s;
    std::cout << a.domain << ": TLS removed\n";
    return {};
  }
  auto cert = read_file(a.cert);
  if (!cert) return std::unexpected(cert.error());
  auto private_key = read_file(a.key);
  if (!private_key) return std::unexpected(private_key.error());
  auto router = sync->router_server();
  if (!router) return std::unexpected(router.error());
  if (!*router) return fail("there is no router server (add one with `quarry servers add --role router`)");
  auto prefix = sync->prefix(**router);
  if (!prefix) return std::unexpected(prefix.error());
  auto sh = cluster.shell();
  if (!sh) return std::unexpected(sh.error());
  TlsCert files{*prefix + "/tls/" + a.domain + ".crt", *prefix + "/tls/" + a.domain + ".key"};
  if (!is_plain_path(files.certificate) || !is_plain_path(files.key)) {
    return fail("the router's directory " + *prefix + " cannot hold TLS files (unusual characters)");
  }
  auto ep = endpoint_of(**router);
  if (auto s = upload(**sh, ep, files.certificate, *cert); !s) return s;
  if (auto s = upload(**sh, ep, files.key, *private_key); !s) return s;
  nlohmann::json doc = {{"certificate", files.certificate}, {"key", files.key}};
  if (auto s = put_json(ctx.store(), key, doc); !s) return s;
  if (auto s = apply_or_restore(ctx, *sync, key, *previous); !s) return s;
  std::cout << a.domain << ": TLS from " << files.certificate << " on " << (*router)->id << "\n";
  return {};
}

}  // namespace

void register_router_commands(Registry& r) {
  auto* router = r.app().add_subcommand("router", "The router's settings (TLS certificates)");
  router->require_subcommand(1);
  auto a = std::make_shared<TlsArgs>();
  auto* t = r.add(*router, "tls", "Serve DOMAIN over TLS with a certificate and key (files on this machine)",
                  [a](Context& c) { return tls(c, *a); });
  t->add_option("domain", a->domain, "Domain")->required();
  t->add_option("--cert", a->cert, "Certificate chain (PEM)");
  t->add_option("--key", a->key, "Private key (PEM; stored on the router with mode 0600)");
  t->add_flag("--remove", a->remove, "Stop serving DOMAIN over TLS");
}

}  // namespace quarry
