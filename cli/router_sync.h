// RouterHook over nginx on the server tagged role=router: the routes of
// every stack (stacks/APP/routes.json) and the containers that carry weight
// (stacks/APP/containers.json) become one RouterConfig, applied with
// NginxRouter (test, reload, verify; the old config keeps serving when the
// new one fails). Without a router server there is nothing to apply.
//
// The router is shared by every stack. One update at a time, across
// processes: the store's "router" lock is held from reading the routes and
// weights to the end of the apply and its verification, so two deploys of
// different stacks cannot undo each other's switch. A stack's routes are
// checked against every other stack's before they are saved (a domain has
// one owner: launcher/domain_owners.h).
// Certificates for TLS domains are recorded at etc/tls/DOMAIN.json
// ({"certificate": PATH, "key": PATH}, paths on the router; see
// `quarry router tls`); a recorded domain that is not routed is left out.
#pragma once

#include <memory>
#include <optional>

#include "launcher/prober.h"
#include "launcher/remote_shell.h"
#include "launcher/seams.h"
#include "router/route_table.h"
#include "store/store.h"

namespace quarry {

// The whole routing table from the store (pure over the records given).
// Always valid (validate() passes), whatever the records hold: a domain a
// second stack also routes stays with the first (in stack name order), and
// an invalid name, domain, address or port is left out with its route or
// upstream; each is named in `left_out` when given. Weights are capped at
// 1000.
RouterConfig router_config(const std::vector<ServerRecord>& servers,
                           const std::map<std::string, RouteList>& routes,
                           const std::map<std::string, std::vector<ContainerRecord>>& containers,
                           std::vector<std::string>* left_out = nullptr);

class NginxRouterSync : public RouterHook {
 public:
  NginxRouterSync(Store& store, RemoteShell& shell) : store_(store), shell_(shell) {}
  Status sync() override;
  // Under the router lock: checks the domains' owners, applies every
  // stack's routes with `routes` as the stack's, and saves them only once
  // the router serves them. A refused config changes no record.
  Status set_routes(Store& store, const std::string& stack, const RouteList& routes) override;

  // The router server, if there is one.
  Result<std::optional<ServerRecord>> router_server();
  // The directory quarry owns on that server.
  Result<std::string> prefix(const ServerRecord& router);
  // Health probes from the router server, which is where traffic comes
  // from; null when there is no router server (probes then come from the HQ).
  Prober* prober();

 private:
  Result<StoreLock> lock(const std::string& why);
  // Applies the routes of every stack; the caller holds the router lock.
  Status apply_locked(const std::map<std::string, RouteList>& routes);

  Store& store_;
  RemoteShell& shell_;
  std::unique_ptr<RemoteProber> prober_;
  std::optional<std::string> prefix_;
  bool warned_ = false;
};

}  // namespace quarry
