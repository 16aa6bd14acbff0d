// RouterHook over nginx on the server tagged role=router: the routes of
// every stack (stacks/APP/routes.json) and the containers that carry weight
// (stacks/APP/containers.json) become one RouterConfig, applied with
// NginxRouter (test, reload, verify; the old config keeps serving when the
// new one fails). Without a router server there is nothing to apply.
#pragma once

#include <optional>

#include "launcher/remote_shell.h"
#include "launcher/seams.h"
#include "router/route_table.h"
#include "store/store.h"

namespace quarry {

// The whole routing table from the store (pure over the records given).
RouterConfig router_config(const std::vector<ServerRecord>& servers,
                           const std::map<std::string, RouteList>& routes,
                           const std::map<std::string, std::vector<ContainerRecord>>& containers);

class NginxRouterSync : public RouterHook {
 public:
  NginxRouterSync(Store& store, RemoteShell& shell) : store_(store), shell_(shell) {}
  Status sync() override;

  // The router server, if there is one.
  Result<std::optional<ServerRecord>> router_server();
  // The directory quarry owns on that server.
  Result<std::string> prefix(const ServerRecord& router);

 private:
  Store& store_;
  RemoteShell& shell_;
  std::optional<std::string> prefix_;
  bool warned_ = false;
};

}  // namespace quarry
